#include "core/proto/wire.hpp"

namespace sluice {

std::string encode(const Message& m) {
  Json j = {{"v", kProtocolVersion}, {"type", m.type}, {"body", m.body}};
  if (!m.cred.empty()) j["cred"] = m.cred;
  return j.dump();
}

std::optional<Message> decode(std::string_view bytes, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Message> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (bytes.size() > kMaxMessageBytes) return fail("message too large");
  Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return fail("not a JSON object");
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer()) return fail("missing protocol version");
  if (v->get<int>() != kProtocolVersion)
    return fail("protocol version mismatch: got " + v->dump() + ", expected " + std::to_string(kProtocolVersion));
  auto t = j.find("type");
  if (t == j.end() || !t->is_string() || t->get_ref<const std::string&>().empty()) return fail("missing type");
  Message m;
  m.type = t->get<std::string>();
  if (auto b = j.find("body"); b != j.end()) {
    if (!b->is_object()) return fail("body is not an object");
    m.body = std::move(*b);
  }
  if (auto c = j.find("cred"); c != j.end()) {
    if (!c->is_string()) return fail("cred is not a string");
    m.cred = c->get<std::string>();
  }
  return m;
}

std::string encode_reply(const Json& body) {
  return Json{{"v", kProtocolVersion}, {"type", "reply"}, {"ok", true}, {"body", body}}.dump();
}

std::string encode_error(std::string_view error) {
  return Json{{"v", kProtocolVersion}, {"type", "reply"}, {"ok", false}, {"error", error}}.dump();
}

void to_json(Json& j, const Gpu& g) {
  j = Json{{"index", g.index}, {"type", g.type}};
  if (!g.name.empty()) j["name"] = g.name;
  if (!g.uuid.empty()) j["uuid"] = g.uuid;
  if (!g.pci_bus_id.empty()) j["pci_bus_id"] = g.pci_bus_id, j["minor"] = g.minor;
  if (g.memory_mb) j["memory_mb"] = g.memory_mb;
  if (g.link_group >= 0) j["link_group"] = g.link_group;
}

void from_json(const Json& j, Gpu& g) {
  const Gpu d;
  g.index = j.value("index", d.index);
  g.type = j.value("type", d.type);
  g.name = j.value("name", d.name);
  g.uuid = j.value("uuid", d.uuid);
  g.pci_bus_id = j.value("pci_bus_id", d.pci_bus_id);
  g.minor = j.value("minor", d.minor);
  g.memory_mb = j.value("memory_mb", d.memory_mb);
  g.link_group = j.value("link_group", d.link_group);
}

// Node's fields, for to_json/from_json below.
// clang-format off
#define SLUICE_NODE_FIELDS(X)                                                                             \
  X(name) X(cpus) X(mem_mb) X(gpus) X(partitions) X(features) X(weight) X(responding) X(drain)            \
  X(down_admin) X(reason) X(reason_user) X(reason_time) X(alloc_cpus) X(alloc_mem_mb) X(gpu_used)          \
  X(running_jobs) X(boot_time) X(agent_start_time) X(last_seen) X(last_busy) X(addr) X(hostname) X(os)     \
  X(arch) X(version) X(cpu_load) X(free_mem_mb)
// clang-format on

namespace {
template <class T>
bool is_default(const T& v, const T& d) {
  return v == d;
}
bool is_default(const std::vector<Gpu>& v, const std::vector<Gpu>&) { return v.empty(); }
}  // namespace

void to_json(Json& j, const Node& n) {
  static const Node d;
  j = Json::object();
#define SLUICE_PUT(f) \
  if (!is_default(n.f, d.f)) j[#f] = n.f;
  SLUICE_NODE_FIELDS(SLUICE_PUT)
#undef SLUICE_PUT
}

void from_json(const Json& j, Node& n) {
  const Node d;
#define SLUICE_GET(f) n.f = j.value(#f, d.f);
  SLUICE_NODE_FIELDS(SLUICE_GET)
#undef SLUICE_GET
}

#undef SLUICE_NODE_FIELDS

}  // namespace sluice
