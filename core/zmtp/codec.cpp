// ZMTP 3.0's byte formats: the greeting, frames, commands and READY properties (RFC 23).
#include <algorithm>
#include <cctype>
#include <string>

#include "core/zmtp/detail.hpp"

namespace sluice::zmtp::detail {

namespace {

// RFC 23's valid socket type combinations.
struct Peers {
  std::string_view type, peers[3];
};
constexpr Peers kPeers[] = {{"REQ", {"REP", "ROUTER"}},
                            {"REP", {"REQ", "DEALER"}},
                            {"DEALER", {"REP", "DEALER", "ROUTER"}},
                            {"ROUTER", {"REQ", "DEALER", "ROUTER"}},
                            {"PUB", {"SUB", "XSUB"}},
                            {"XPUB", {"SUB", "XSUB"}},
                            {"SUB", {"PUB", "XPUB"}},
                            {"XSUB", {"PUB", "XPUB"}},
                            {"PUSH", {"PULL"}},
                            {"PULL", {"PUSH"}},
                            {"PAIR", {"PAIR"}}};

const Peers* find_type(std::string_view type) {
  const auto it = std::ranges::find(kPeers, type, &Peers::type);
  return it == std::end(kPeers) ? nullptr : it;
}

}  // namespace

bool known_socket_type(std::string_view type) { return find_type(type) != nullptr; }

std::uint64_t get_be(std::string_view bytes, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(bytes[i]);
  return v;
}

void put_be(std::string* out, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void append_frame(std::string* out, std::string_view body, unsigned char flags) {
  const bool is_long = body.size() > 255;
  out->push_back(static_cast<char>(flags | (is_long ? kLong : 0)));
  put_be(out, body.size(), is_long ? 8 : 1);
  out->append(body);
}

std::string command(std::string_view name, std::string_view data) {
  std::string body(1, static_cast<char>(name.size()));
  body.append(name).append(data);
  std::string out;
  append_frame(&out, body, kCommand);
  return out;
}

std::string property(std::string_view name, std::string_view value) {
  std::string out(1, static_cast<char>(name.size()));
  out.append(name);
  put_be(&out, value.size(), 4);
  return out.append(value);
}

bool split_command(std::string_view body, std::string_view* name, std::string_view* data) {
  if (body.empty() || body.size() - 1 < static_cast<unsigned char>(body[0])) return false;
  *name = body.substr(1, static_cast<unsigned char>(body[0]));
  *data = body.substr(1 + name->size());
  return true;
}

std::string greeting() {
  std::string g(kGreetingBytes, '\0');
  g[0] = '\xff';
  g[9] = '\x7f';
  g[10] = 3;
  g.replace(12, kNullMechanism.size(), kNullMechanism);
  return g;
}

// Checks as much of the peer's greeting as has arrived; returns what is wrong with it.
std::string greeting_error(std::string_view g) {
  if (g[0] != '\xff' || (g.size() >= 10 && g[9] != '\x7f')) return "not a ZMTP peer (bad greeting signature)";
  if (const auto major = static_cast<unsigned char>(g.size() >= 11 ? g[10] : 3); major < 3)
    return "unsupported ZMTP version " + std::to_string(major) + " (need 3)";
  if (g.size() == kGreetingBytes && g.substr(12, 20) != kNullMechanism) {
    const std::string_view mech = g.substr(12, 20);
    return "peer wants the " + std::string(mech.substr(0, mech.find('\0'))) +
           " security mechanism, only NULL is supported";
  }
  return "";
}

// Checks the properties of the peer's READY command; returns what is wrong with them.
std::string ready_error(std::string_view props, std::string_view own_type) {
  std::string_view peer_type;
  while (!props.empty()) {
    const std::size_t n = static_cast<unsigned char>(props[0]);
    if (n == 0 || props.size() < 5 + n || get_be(props.substr(1 + n), 4) > props.size() - 5 - n)
      return "malformed READY command";
    const std::string_view name = props.substr(1, n), value = props.substr(5 + n, get_be(props.substr(1 + n), 4));
    if (std::ranges::equal(name, std::string_view("socket-type"), {},
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); }))
      peer_type = value;
    props.remove_prefix(5 + n + value.size());
  }
  if (peer_type.empty()) return "peer's READY has no Socket-Type";
  const auto& peers = find_type(own_type)->peers;
  if (std::ranges::find(peers, peer_type) == std::end(peers))
    return "peer socket type " + std::string(peer_type) + " cannot talk to " + std::string(own_type);
  return "";
}

}  // namespace sluice::zmtp::detail
