// The [[partitions]] entries: the queues jobs are submitted to, over the nodes read before them.
#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config/sections.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/slurm/timefmt.hpp"

namespace sluice::config_reader {
namespace {

// A Slurm time limit ("6-00:00:00", "UNLIMITED", ...).
const toml::node* read_time(Section& s, std::string_view key, Time& out) {
  std::string text;
  const toml::node* n = s.read(key, text);
  if (!n) return nullptr;
  if (auto t = parse_time_limit(text)) {
    out = *t;
    return n;
  }
  s.error(*n, key, "invalid time " + in_quotes(text));
  return nullptr;
}

// allow_groups / allow_users: "ALL" (or absent) means everyone and is kept as an empty list.
void read_allow(Section& s, std::string_view key, std::vector<std::string>& out) {
  if (s.read(key, out) && std::ranges::find(out, "ALL") != out.end()) out.clear();
}

// Partition `p`'s nodes; records the partition in each node's `partitions`.
void read_partition_nodes(Section& s, Partition& p, std::vector<Node>& nodes) {
  const toml::node* n = s.read("nodes", p.nodes_expr);
  if (!n) return;
  std::vector<std::string> names;
  if (p.nodes_expr == "ALL") {
    for (const Node& node : nodes) names.push_back(node.name);
  } else if (auto list = read_hostlist(s, *n, "nodes", p.nodes_expr)) {
    names = std::move(*list);
  }
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    auto node = std::ranges::find(nodes, name, &Node::name);
    if (node == nodes.end()) {
      unknown.push_back(name);
    } else if (node->partitions.empty() || node->partitions.back() != p.name) {  // skips repeats
      node->partitions.push_back(p.name);
      p.nodes.push_back(name);
    }
  }
  if (!unknown.empty()) {
    s.error(*n, "nodes",
            (unknown.size() == 1 ? "unknown node " : "unknown nodes ") + in_quotes(compress_hostlist(unknown)));
  }
}

}  // namespace

void read_partitions(Section& root, Config& cfg) {
  std::map<std::string, std::string, std::less<>> names;  // partition name -> "partitions[i]"
  std::string default_path;
  for (Section& s : root.entries("partitions")) {
    Partition p;
    if (const toml::node* n = s.read("name", p.name, true)) {
      if (p.name.empty()) {
        s.error(*n, "name", "must not be empty");
      } else if (auto [it, fresh] = names.emplace(p.name, s.path()); !fresh) {
        s.error(*n, "name", "duplicate partition " + in_quotes(p.name) + " (also in " + it->second + ")");
      }
    }
    read_partition_nodes(s, p, cfg.nodes);
    if (const toml::node* n = s.read("default", p.is_default); n && p.is_default) {
      if (default_path.empty()) {
        default_path = s.path();
      } else {
        s.error(*n, "default", "more than one default partition (also " + default_path + ")");
      }
    }
    read_time(s, "max_time", p.max_time);
    if (const toml::node* n = read_time(s, "default_time", p.default_time);
        n && p.max_time != kUnlimited && (p.default_time == kUnlimited || p.default_time > p.max_time)) {
      s.error(*n, "default_time", "exceeds max_time");
    }
    s.read("priority_tier", p.priority_tier, 0);
    if (auto v = s.choice("preempt_mode", {"off", "requeue", "cancel"})) {
      p.preempt_mode = *v == "off" ? PreemptMode::Off : *v == "requeue" ? PreemptMode::Requeue : PreemptMode::Cancel;
    }
    s.read("grace_time", p.grace_time, 0);  // seconds, as Slurm's GraceTime
    if (auto v = s.choice("state", {"up", "down"})) p.up = *v == "up";
    s.read("max_nodes", p.max_nodes, 0);
    s.read("max_gpus_per_job", p.max_gpus_per_job, 0);
    read_allow(s, "allow_groups", p.allow_groups);
    read_allow(s, "allow_users", p.allow_users);
    s.finish();
    cfg.partitions.push_back(std::move(p));
  }
  if (default_path.empty() && !cfg.partitions.empty()) cfg.partitions.front().is_default = true;
}

}  // namespace sluice::config_reader
