// The [[nodes]] entries: each names its machines with a hostlist and gives what one of them has.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config/sections.hpp"
#include "core/slurm/mem.hpp"
#include "core/util/text.hpp"

namespace sluice::config_reader {
namespace {

using toml::node_type;

void read_memory(Section& s, std::uint64_t& out) {
  const toml::node* n = s.get("memory", node_type::none, true);
  if (!n) return;
  if (n->is_integer()) {
    s.read("memory", out, 1);
  } else if (const auto* text = n->as_string()) {
    const auto mb = parse_mem_mb(text->get());
    if (mb && *mb > 0) {
      out = *mb;
    } else {
      s.error(*n, "memory", "invalid memory size " + in_quotes(text->get()));
    }
  } else {
    s.error(*n, "memory", "expected string or integer, got " + type_name(n->type()));
  }
}

}  // namespace

void read_nodes(Section& root, std::vector<Node>& nodes) {
  std::map<std::string, std::string, std::less<>> origin;  // node name -> "nodes[i]"
  for (Section& s : root.entries("nodes")) {
    Node proto;
    std::string expr;
    const toml::node* names = s.read("names", expr, true);
    s.read("cpus", proto.cpus, 1, true);
    read_memory(s, proto.mem_mb);
    if (auto gpus = s.section("gpus")) {
      for (const auto& [type, value] : gpus->table()) {
        std::uint16_t count = 0;
        gpus->read(type.str(), count, 0);
        for (std::uint16_t i = 0; i < count; ++i) {
          proto.gpus.push_back({static_cast<std::uint32_t>(proto.gpus.size()), std::string(type.str())});
        }
      }
      gpus->finish();
    }
    s.read("features", proto.features);
    s.finish();
    if (!names) continue;
    auto list = read_hostlist(s, *names, "names", expr);
    if (list && list->empty()) s.error(*names, "names", "must not be empty");
    for (const std::string& name : list.value_or(std::vector<std::string>{})) {
      if (auto [it, fresh] = origin.emplace(name, s.path()); !fresh) {
        s.error(*names, "names", "duplicate node " + in_quotes(name) + " (also in " + it->second + ")");
        continue;
      }
      proto.name = name;
      nodes.push_back(proto);
    }
  }
}

}  // namespace sluice::config_reader
