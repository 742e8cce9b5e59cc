// The [[nodes]] entries: each names its machines with a hostlist and gives what one of them has.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <sluice/features.hpp>
#include <string>
#include <vector>

#include "core/config/sections.hpp"
#include "core/slurm/mem.hpp"
#include "core/util/text.hpp"

namespace sluice::config_reader {
namespace {

using toml::node_type;

bool has_feature_in(std::string_view csv, std::string_view name) {
  for (std::string_view f : split_features(csv))
    if (f == name) return true;
  return false;
}

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

// "features": an array of names (["gpu", "a40"]) or one comma-separated string ("gpu,a40"), kept
// comma separated in Node::features. Each name must be usable in a -C expression.
void read_features(Section& s, std::string& out) {
  const toml::node* n = s.get("features", node_type::none);
  if (!n) return;
  std::vector<std::pair<std::string, const toml::node*>> names;  // name, where it was written
  if (const auto* text = n->as_string()) {
    for (std::string_view f : split_features(text->get())) names.emplace_back(std::string(f), n);
  } else if (const auto* array = n->as_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (const auto* f = (*array)[i].as_string())
        names.emplace_back(f->get(), &(*array)[i]);
      else
        s.error((*array)[i], "features[" + std::to_string(i) + "]",
                "expected string, got " + type_name((*array)[i].type()));
    }
  } else {
    return s.error(*n, "features", "expected array of strings or string, got " + type_name(n->type()));
  }
  std::string joined;
  for (const auto& [name, at] : names) {
    if (!valid_feature_name(name)) {
      s.error(*at, "features",
              "invalid feature " + in_quotes(name) + " (a name without blanks and without & | ( ) [ ] * ! ,)");
      continue;
    }
    if (has_feature_in(joined, name)) continue;  // listed twice: once is enough
    joined += (joined.empty() ? "" : ",") + name;
  }
  out = joined;
}

}  // namespace

void read_nodes(Section& root, std::vector<Node>& nodes, std::set<std::string>& detect) {
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
    read_features(s, proto.features);
    s.read("weight", proto.weight, 0);
    const bool nvml = s.choice("gpu_detect", {"nvml", "off"}) == "nvml";
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
      if (nvml) detect.insert(name);
    }
  }
}

}  // namespace sluice::config_reader
