#include "core/proto/zmtp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>

namespace sluice::zmtp {

namespace {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

constexpr std::size_t kGreetingBytes = 64;
constexpr std::size_t kReadChunk = 64 << 10;
constexpr std::size_t kMaxReadPerCall = 1 << 20;  // poll() wakes us again for the rest
constexpr unsigned char kMore = 0x01, kLong = 0x02, kCommand = 0x04;
constexpr std::string_view kNullMechanism("NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);

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

std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::nullopt_t report(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

Deadline deadline_after(int timeout_ms) {
  return timeout_ms < 0 ? Deadline::max() : Clock::now() + std::chrono::milliseconds(timeout_ms);
}

// poll() for one fd until the deadline: >0 ready, 0 timed out, <0 error (errno set).
int wait_fd(int fd, short events, Deadline deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    int ms = -1;
    if (deadline != Deadline::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      ms = static_cast<int>(std::clamp<decltype(left)>(left, 0, INT_MAX));
    }
    const int rc = ::poll(&p, 1, ms);
    if (rc >= 0 || errno != EINTR) return rc;
  }
}

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

void set_nodelay(int fd) {  // a no-op on AF_UNIX
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int dial_addr(const sockaddr* sa, socklen_t len, Deadline deadline, std::string* why) {
  const int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = errno_text(errno);
    return -1;
  }
  int err = ::connect(fd, sa, len) == 0 ? 0 : errno;
  if (err == EINPROGRESS || err == EINTR) {
    const int rc = wait_fd(fd, POLLOUT, deadline);
    socklen_t err_len = sizeof err;
    if (rc == 0)
      err = ETIMEDOUT;
    else if (rc < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
      err = errno;
  }
  if (err == 0) {
    set_nodelay(fd);
    return fd;
  }
  ::close(fd);
  *why = errno_text(err);
  return -1;
}

int dial(const std::string& endpoint, Deadline deadline, std::string* why) {
  if (endpoint.starts_with("ipc://")) {
    const std::string path = endpoint.substr(6);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) {
      *why = "bad ipc path";
      return -1;
    }
    path.copy(sa.sun_path, path.size());
    const bool abstract = path[0] == '@';
    if (abstract) sa.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
    return dial_addr(reinterpret_cast<const sockaddr*>(&sa), len, deadline, why);
  }
  const std::string host_port = endpoint.starts_with("tcp://") ? endpoint.substr(6) : "";
  const std::size_t colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : host_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port_number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || port_number <= 0 ||
      port_number > 65535) {
    *why = "bad endpoint (expected tcp://host:port or ipc://path)";
    return -1;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    *why = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (const addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next)
    fd = dial_addr(ai->ai_addr, ai->ai_addrlen, deadline, why);
  ::freeaddrinfo(res);
  return fd;
}

}  // namespace

Stream::Fd::Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}

Stream::Fd& Stream::Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd >= 0) ::close(fd);
    fd = std::exchange(o.fd, -1);
  }
  return *this;
}

Stream::Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

std::optional<Stream> Stream::connect(const std::string& endpoint, std::string_view socket_type, int timeout_ms,
                                      std::string* error, std::string_view identity) {
  const Deadline deadline = deadline_after(timeout_ms);
  std::string why;
  int fd = -1;
  if (!find_type(socket_type))
    why = "unknown socket type " + std::string(socket_type);
  else if (identity.size() > 255)
    why = "identity longer than 255 bytes";
  else
    fd = dial(endpoint, deadline, &why);
  if (fd < 0) return report(error, endpoint + ": " + why);
  Stream s(fd);
  if (s.handshake(socket_type, identity, deadline)) return s;
  return report(error, endpoint + ": ZMTP handshake: " + s.error_);
}

std::optional<Stream> Stream::handshake_accepted(int fd, std::string_view socket_type, int timeout_ms,
                                                 std::string* error) {
  const Deadline deadline = deadline_after(timeout_ms);
  Stream s(fd);
  if (!find_type(socket_type)) return report(error, "unknown socket type " + std::string(socket_type));
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return report(error, errno_text(errno));
  set_nodelay(fd);
  if (s.handshake(socket_type, {}, deadline)) return s;
  return report(error, "ZMTP handshake: " + s.error_);
}

bool Stream::handshake(std::string_view socket_type, std::string_view identity, Deadline deadline) {
  if (!write_all(greeting(), deadline)) return false;
  // libzmq sends its greeting in parts; checking each part as it comes fails a non-ZMTP peer fast.
  for (const std::size_t n : {std::size_t{1}, std::size_t{10}, std::size_t{11}, kGreetingBytes}) {
    if (!fill(n, deadline)) return false;
    if (std::string why = greeting_error(std::string_view(in_).substr(0, n)); !why.empty()) return fail(why);
  }
  pos_ = kGreetingBytes;
  std::string props = property("Socket-Type", socket_type);
  if (!identity.empty()) props += property("Identity", identity);
  if (!write_all(command("READY", props), deadline)) return false;
  const std::optional<Frame> f = read_frame(deadline);
  if (!f) return false;
  std::string_view name, data;
  if (!(f->flags & kCommand) || !split_command(f->body, &name, &data)) return fail("expected a READY command");
  if (name == "ERROR") {
    return fail("peer refused: " +
                std::string(data.empty() ? "" : data.substr(1, static_cast<unsigned char>(data[0]))));
  }
  if (name != "READY") return fail("expected a READY command, got " + std::string(name));
  if (std::string why = ready_error(data, socket_type); !why.empty()) return fail(why);
  return true;
}

// Reads until `n` unparsed bytes are buffered, and no further.
bool Stream::fill(std::size_t n, Deadline deadline) {
  while (in_.size() - pos_ < n) {
    if (const int rc = wait_fd(fd(), POLLIN, deadline); rc <= 0) return fail(rc == 0 ? "timed out" : errno_text(errno));
    if (std::string why = read_raw(n - (in_.size() - pos_)); !why.empty()) return fail(why);
  }
  return true;
}

std::optional<Stream::Frame> Stream::read_frame(Deadline deadline) {
  std::size_t missing = 0;
  for (;;) {
    if (auto f = take_frame(kMaxMessageBytes, &missing)) return f;
    if (!error_.empty() || !fill(in_.size() - pos_ + missing, deadline)) return std::nullopt;
  }
}

// Reads up to `limit` bytes that are available now. Returns why the connection ended, or "" while it
// is open (an EOF right after some data is left for the next call).
std::string Stream::read_raw(std::size_t limit) {
  in_.erase(0, pos_);
  pos_ = 0;
  for (std::size_t total = 0; total < limit;) {
    const std::size_t old = in_.size(), want = std::min(kReadChunk, limit - total);
    ssize_t n = 0;
    int err = 0;
    in_.resize_and_overwrite(old + want, [&](char* p, std::size_t) {
      n = ::recv(fd(), p + old, want, 0);
      err = errno;
      return old + static_cast<std::size_t>(std::max<ssize_t>(n, 0));
    });
    if (n == 0) return total ? "" : "connection closed by peer";
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < want) return "";  // drained
    } else if (err == EAGAIN || err == EWOULDBLOCK) {
      return "";
    } else if (err != EINTR) {
      return errno_text(err);
    }
  }
  return "";
}

// The next whole frame in the buffer, consumed. nullopt when `*missing` more bytes are needed, or on a
// protocol error (error_ set).
std::optional<Stream::Frame> Stream::take_frame(std::size_t limit, std::size_t* missing) {
  const std::string_view in = std::string_view(in_).substr(pos_);
  *missing = 2;
  if (in.empty()) return std::nullopt;
  const auto flags = static_cast<unsigned char>(in[0]);
  if ((flags & ~(kMore | kLong | kCommand)) || ((flags & kMore) && (flags & kCommand))) {
    fail("invalid frame flags " + std::to_string(flags));
    return std::nullopt;
  }
  const std::size_t header = flags & kLong ? 9 : 2;
  if (in.size() < header) {
    *missing = header - in.size();
    return std::nullopt;
  }
  const std::uint64_t size = get_be(in.substr(1), header - 1);
  if (size > limit) {
    fail("message exceeds the " + std::to_string(kMaxMessageBytes >> 20) + " MiB limit");
    return std::nullopt;
  }
  if (in.size() - header < size) {
    *missing = header + size - in.size();
    return std::nullopt;
  }
  pos_ += header + size;
  return Frame{flags, in.substr(header, size)};
}

// Moves every complete message in the buffer to ready_.
void Stream::parse() {
  std::size_t missing = 0;
  while (const std::optional<Frame> f = take_frame(kMaxMessageBytes - partial_bytes_, &missing)) {
    if (f->flags & kCommand) {  // after the handshake only PING (ZMTP 3.1 heartbeat) needs an answer
      std::string_view name, data;
      if (split_command(f->body, &name, &data) && name == "PING" && data.size() >= 2 &&
          !write_all(command("PONG", data.substr(2)), deadline_after(1000)))
        return;
      continue;
    }
    if (partial_.size() == kMaxFrames) {
      fail("message has more than " + std::to_string(kMaxFrames) + " frames");
      return;
    }
    partial_.emplace_back(f->body);
    partial_bytes_ += f->body.size();
    if (!(f->flags & kMore)) {
      ready_.push_back(std::move(partial_));
      partial_.clear();
      partial_bytes_ = 0;
    }
  }
}

bool Stream::write_all(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno != EINTR) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(errno_text(errno));
      if (const int rc = wait_fd(fd(), POLLOUT, deadline); rc <= 0)
        return fail(rc == 0 ? "send timed out" : errno_text(errno));
    }
  }
  return true;
}

bool Stream::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool Stream::send(const std::vector<std::string>& frames, int timeout_ms) {
  if (frames.empty()) fail("cannot send a message without frames");
  if (!error_.empty()) return false;
  std::string out;
  for (std::size_t i = 0; i < frames.size(); ++i) append_frame(&out, frames[i], i + 1 < frames.size() ? kMore : 0);
  return write_all(out, deadline_after(timeout_ms));
}

std::optional<std::vector<std::string>> Stream::recv(int timeout_ms, bool* timed_out) {
  if (timed_out) *timed_out = false;
  const Deadline deadline = deadline_after(timeout_ms);
  while (ready_.empty() && error_.empty()) {
    const int rc = wait_fd(fd(), POLLIN, deadline);
    if (rc == 0) {
      if (timed_out) *timed_out = true;
      return std::nullopt;
    }
    if (rc < 0)
      fail(errno_text(errno));
    else
      read_available();
  }
  return next_message();
}

bool Stream::read_available() {
  if (!error_.empty()) return false;
  if (std::string why = read_raw(kMaxReadPerCall); !why.empty()) return fail(why);
  parse();
  return error_.empty();
}

std::optional<std::vector<std::string>> Stream::next_message() {
  if (ready_.empty()) return std::nullopt;
  std::vector<std::string> m = std::move(ready_.front());
  ready_.pop_front();
  return m;
}

int listen_tcp(const std::string& host, int* port, std::string* error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), "0", &hints, &res); rc != 0) {
    report(error, "cannot resolve " + host + ": " + ::gai_strerror(rc));
    return -1;
  }
  std::string why;
  int fd = -1;
  for (const addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) break;
    why = errno_text(errno);
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (fd >= 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    *port = ntohs(sa.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
    return fd;
  }
  if (fd >= 0) {
    why = errno_text(errno);
    ::close(fd);
  }
  report(error, host + ": " + why);
  return -1;
}

}  // namespace sluice::zmtp
