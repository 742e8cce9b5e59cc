// The allocation ledger: the one definition of what a placement takes from a node and gives back,
// and of what a placement must respect (the select contract). The controller's scheduling pass,
// `scontrol whatif`, the benchmarks and the test kit all use these functions, so a plugin tested
// on the test kit is held to exactly the rules the controller applies.
//
// Units: CPUs are logical CPUs, memory is MB, GPUs are node-local GPU indices (Gpu::index).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <sluice/features.hpp>
#include <sluice/plugin.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// A node takes new work: it responds and is neither drained nor down.
inline bool node_usable(const Node& n) { return n.responding && !n.drain && !n.down_admin; }

// CPUs and memory (MB) not allocated to running jobs.
inline std::uint32_t free_cpus(const Node& n) { return n.cpus - std::min(n.cpus, n.alloc_cpus); }
inline std::uint64_t free_mem_mb(const Node& n) { return n.mem_mb - std::min(n.mem_mb, n.alloc_mem_mb); }

// Position of GPU `index` in n.gpus (and n.gpu_used); n.gpus.size() when the node has no such GPU.
inline std::size_t gpu_slot(const Node& n, std::uint32_t index) {
  for (std::size_t i = 0; i < n.gpus.size(); ++i)
    if (n.gpus[i].index == index) return i;
  return n.gpus.size();
}

// Indices of the GPUs of `type` ("" = any type) that no running job holds, in the node's order.
inline std::vector<std::uint32_t> free_gpus(const Node& n, std::string_view type = {}) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < n.gpus.size(); ++i)
    if ((type.empty() || n.gpus[i].type == type) && (i >= n.gpu_used.size() || !n.gpu_used[i]))
      out.push_back(n.gpus[i].index);
  return out;
}

// Why `a` cannot be taken from `n` now: CPUs or memory beyond what is free, a GPU index the node
// does not have, one listed twice, or one a running job holds. Empty when it can be taken.
inline std::string alloc_problem(const Node& n, const NodeAlloc& a) {
  const std::string where = "node " + n.name + ": ";
  if (a.cpus > free_cpus(n))
    return where + std::to_string(a.cpus) + " CPUs asked, " + std::to_string(free_cpus(n)) + " free";
  if (a.mem_mb > free_mem_mb(n))
    return where + std::to_string(a.mem_mb) + " MB asked, " + std::to_string(free_mem_mb(n)) + " MB free";
  for (std::size_t i = 0; i < a.gpus.size(); ++i) {
    const std::size_t slot = gpu_slot(n, a.gpus[i]);
    if (slot == n.gpus.size()) return where + "no GPU " + std::to_string(a.gpus[i]);
    if (std::count(a.gpus.begin(), a.gpus.begin() + static_cast<std::ptrdiff_t>(i), a.gpus[i]))
      return where + "GPU " + std::to_string(a.gpus[i]) + " listed twice";
    if (slot < n.gpu_used.size() && n.gpu_used[slot]) return where + "GPU " + std::to_string(a.gpus[i]) + " is in use";
  }
  return {};
}

// Takes `a` from `n`. Call only when alloc_problem(n, a) is empty.
inline void allocate(Node& n, const NodeAlloc& a) {
  n.gpu_used.resize(n.gpus.size(), false);
  n.alloc_cpus += a.cpus;
  n.alloc_mem_mb += a.mem_mb;
  ++n.running_jobs;
  for (auto g : a.gpus)
    if (std::size_t slot = gpu_slot(n, g); slot < n.gpus.size()) n.gpu_used[slot] = true;
}

// Gives `a` back to `n` (what it took; never below zero).
inline void release(Node& n, const NodeAlloc& a) {
  n.alloc_cpus -= std::min(n.alloc_cpus, a.cpus);
  n.alloc_mem_mb -= std::min(n.alloc_mem_mb, a.mem_mb);
  if (n.running_jobs) --n.running_jobs;
  for (auto g : a.gpus)
    if (std::size_t slot = gpu_slot(n, g); slot < n.gpu_used.size()) n.gpu_used[slot] = false;
}

// Forgets every allocation of `n` (before the running jobs' allocations are taken again).
inline void clear_allocations(Node& n) {
  n.alloc_cpus = 0;
  n.alloc_mem_mb = 0;
  n.running_jobs = 0;
  n.gpu_used.assign(n.gpus.size(), false);
}

// Node names in a -w/-x list as the CLI sends them: expanded, comma separated.
inline std::vector<std::string> split_node_names(std::string_view csv) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < csv.size()) {
    const std::size_t end = std::min(csv.find(',', pos), csv.size());
    std::string name(csv.substr(pos, end - pos));
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    pos = end + 1;
  }
  return out;
}

// ---- Helpers for select policies: what every placement needs, so that a policy only ranks. ----

// One node's part of a job: CPUs, memory (MB) and GPUs (a count; indices are chosen later).
struct Share {
  std::uint64_t cpus = 1;
  std::uint64_t mem_mb = 0;
  std::uint32_t gpus = 0;
  bool operator==(const Share&) const = default;
};

// The job's shares on `count` nodes, as Slurm splits a request. Node i (from 0) gets:
// - tasks: -n spread evenly, the remainder to the first nodes (-N2 -n3: 2+1 tasks);
// - GPUs: the most of --gres=gpu:N / --gpus-per-node (per node), -G split like the tasks (-N2 -G3:
//   2+1), and --gpus-per-task x its tasks;
// - CPUs: its tasks x -c; with --cpus-per-gpu instead its GPUs x --cpus-per-gpu, and at least one
//   per task (Slurm's --cpus-per-gpu replaces -c); at least 1 in every case, so a node with no task
//   still gets one CPU;
// - memory (MB): --mem; without --mem, its GPUs x --mem-per-gpu (Slurm: --mem wins; the CLI refuses
//   both together).
// Each share demands at least as much as the next in every resource.
inline std::vector<Share> shares(const JobSpec& s, std::size_t count) {
  const std::uint64_t tasks = std::max<std::uint32_t>(1, s.ntasks);
  std::vector<Share> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t node_tasks = tasks / count + (i < tasks % count);
    const std::uint64_t split = s.gpus / count + (i < s.gpus % count);
    const std::uint64_t gpus = std::max({std::uint64_t{s.gpus_per_node}, split, node_tasks * s.gpus_per_task});
    out[i].gpus = static_cast<std::uint32_t>(std::min<std::uint64_t>(gpus, std::numeric_limits<std::uint32_t>::max()));
    out[i].cpus = s.cpus_per_gpu ? std::max(node_tasks, gpus * s.cpus_per_gpu) : node_tasks * s.cpus_per_task;
    out[i].cpus = std::max<std::uint64_t>(1, out[i].cpus);
    out[i].mem_mb = s.mem_mb ? s.mem_mb : gpus * s.mem_per_gpu_mb;
  }
  return out;
}

// Whether `n` can hold `s` with GPUs of `gpu_type` ("" = any): `now` on what is free, else ever
// (on its configured hardware).
inline bool fits(const Node& n, const Share& s, std::string_view gpu_type, bool now) {
  const std::uint64_t cpus = now ? free_cpus(n) : n.cpus, mem = now ? free_mem_mb(n) : n.mem_mb;
  if (cpus < s.cpus || mem < s.mem_mb) return false;
  std::uint64_t gpus = 0;
  for (std::size_t i = 0; i < n.gpus.size() && gpus < s.gpus; ++i)
    gpus += (gpu_type.empty() || n.gpus[i].type == gpu_type) && (!now || i >= n.gpu_used.size() || !n.gpu_used[i]);
  return gpus >= s.gpus;
}

// Whether node `n` belongs to partition `p`: by the node's own short list of partitions (the
// config and the test kit keep Node::partitions and Partition::nodes in step), so a check costs a
// comparison or two instead of a scan of the partition's node list.
inline bool in_partition(const Node& n, const Partition& p) {
  return std::find(n.partitions.begin(), n.partitions.end(), p.name) != n.partitions.end();
}

// The nodes of the job's partition it may use (not excluded by -x), split into those it lists
// (-w) and the others, in configuration order. False when a listed node is not among them.
inline bool candidate_nodes(const JobView& job, const Partition& p, const ClusterView& cluster,
                            std::vector<const Node*>& listed, std::vector<const Node*>& others) {
  const std::vector<std::string> names = split_node_names(job.spec.nodelist),
                                 excluded = split_node_names(job.spec.exclude);
  for (const Node& n : cluster.nodes) {
    if (!in_partition(n, p) || std::find(excluded.begin(), excluded.end(), n.name) != excluded.end()) continue;
    (std::find(names.begin(), names.end(), n.name) != names.end() ? listed : others).push_back(&n);
  }
  return listed.size() == names.size();
}

namespace detail {

// Why usable node `n` of the job's partition cannot take `a`, part of a placement for `s` (its
// parsed constraint `c`): the per-node rules of placement_problem below. Empty when none.
inline std::string node_alloc_problem(const JobSpec& s, const Constraint& c, const Node& n, const NodeAlloc& a) {
  const std::string where = "node " + a.node + ": ";
  if (!c.matches(n)) return "node " + a.node + " lacks the features asked (-C " + s.constraint + ")";
  if (a.cpus == 0) return where + "no CPUs";
  const std::uint64_t gpus = a.gpus.size();
  if (s.cpus_per_gpu && a.cpus < gpus * s.cpus_per_gpu)
    return where + std::to_string(a.cpus) + " CPUs given, " + std::to_string(gpus * s.cpus_per_gpu) +
           " asked (--cpus-per-gpu)";
  const std::uint64_t mem = s.mem_mb ? s.mem_mb : gpus * s.mem_per_gpu_mb;
  if (a.mem_mb < mem)
    return where + std::to_string(a.mem_mb) + " MB given, " + std::to_string(mem) + " asked" +
           (s.mem_mb ? "" : " (--mem-per-gpu)");
  if (gpus < s.gpus_per_node)
    return where + std::to_string(gpus) + " GPUs given, " + std::to_string(s.gpus_per_node) + " asked per node";
  for (auto g : a.gpus) {
    const std::size_t slot = gpu_slot(n, g);
    if (slot < n.gpus.size() && !s.gpu_type.empty() && n.gpus[slot].type != s.gpu_type)
      return where + "GPU " + std::to_string(g) + " is " + n.gpus[slot].type + ", " + s.gpu_type + " asked";
  }
  return alloc_problem(n, a);
}

}  // namespace detail

// The select contract: why `placement` (a select() answer for `job`) cannot be applied to
// `cluster` now; empty when it can. A placement must
// - name at least max(1, -N) nodes and every -w node, each once, none of -x;
// - use only nodes that exist, are usable (node_usable), belong to the job's partition and
//   satisfy its -C/--constraint (features.hpp);
// - give each node at least 1 CPU, --cpus-per-gpu x its GPUs CPUs, and its memory: --mem (MB per
//   node), else --mem-per-gpu x its GPUs;
// - give in total at least ntasks x cpus-per-task CPUs (with --cpus-per-gpu: ntasks);
// - give each node at least --gres=gpu:N GPUs and in total at least max(-G, ntasks x
//   --gpus-per-task) GPUs, all of the requested type when one was given;
// - fit what is free on every node (alloc_problem).
inline std::string placement_problem(const JobView& job, const ClusterView& cluster,
                                     const std::vector<NodeAlloc>& placement) {
  const JobSpec& s = job.spec;
  if (placement.empty()) return "no nodes";
  if (placement.size() < std::max<std::uint32_t>(1, s.nodes))
    return std::to_string(placement.size()) + " nodes given, " + std::to_string(s.nodes) + " asked (-N)";
  Constraint constraint;
  if (std::string why = parse_constraint(s.constraint, constraint); !why.empty())
    return "invalid constraint \"" + s.constraint + "\": " + why;
  const Partition* part = cluster.partition(s.partition);
  const std::vector<std::string> listed = split_node_names(s.nodelist), excluded = split_node_names(s.exclude);
  std::uint64_t cpus = 0, gpus = 0;
  for (std::size_t i = 0; i < placement.size(); ++i) {
    const NodeAlloc& a = placement[i];
    const Node* n = nullptr;
    for (const Node& candidate : cluster.nodes)
      if (candidate.name == a.node) n = &candidate;
    if (!n) return "no node \"" + a.node + "\"";
    for (std::size_t k = 0; k < i; ++k)
      if (placement[k].node == a.node) return "node " + a.node + " given twice";
    if (!node_usable(*n)) return "node " + a.node + " is not usable (down, drained or not responding)";
    if (!part || !in_partition(*n, *part)) return "node " + a.node + " is not in partition " + s.partition;
    if (std::find(excluded.begin(), excluded.end(), a.node) != excluded.end())
      return "node " + a.node + " is excluded (-x)";
    if (std::string why = detail::node_alloc_problem(s, constraint, *n, a); !why.empty()) return why;
    cpus += a.cpus;
    gpus += a.gpus.size();
  }
  for (const auto& name : listed)
    if (std::none_of(placement.begin(), placement.end(), [&](const NodeAlloc& a) { return a.node == name; }))
      return "node " + name + " asked (-w) but not given";
  const std::uint64_t tasks = std::max<std::uint32_t>(1, s.ntasks);
  const std::uint64_t want_cpus = s.cpus_per_gpu ? tasks : tasks * s.cpus_per_task;
  if (cpus < want_cpus) return std::to_string(cpus) + " CPUs given, " + std::to_string(want_cpus) + " asked";
  if (gpus < s.gpus) return std::to_string(gpus) + " GPUs given, " + std::to_string(s.gpus) + " asked (-G)";
  if (gpus < tasks * s.gpus_per_task)
    return std::to_string(gpus) + " GPUs given, " + std::to_string(tasks * s.gpus_per_task) +
           " asked (--gpus-per-task)";
  return {};
}

}  // namespace sluice
