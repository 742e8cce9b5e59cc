#include "cli/gpus.hpp"

#include <algorithm>

#include "core/util/text.hpp"

namespace sluice::cli {
namespace {

void add(GpuCount& c, const std::string& type, std::uint64_t n) {
  c.total += n;
  if (type.empty() || n == 0) return;
  auto it = std::ranges::find(c.by_type, type, &std::pair<std::string, std::uint64_t>::first);
  if (it == c.by_type.end())
    c.by_type.emplace_back(type, n);
  else
    it->second += n;
}

std::string gres_request(const Job& j, std::uint32_t count) {
  return count ? "gres:" + gres_name(j.spec.gpu_type, count) : std::string();
}

}  // namespace

std::vector<GpuTypeUse> node_gpu_use(const Node& n) {
  std::vector<GpuTypeUse> out;
  for (const Gpu& g : n.gpus) {
    auto it = std::ranges::find(out, g.type, &GpuTypeUse::type);
    if (it == out.end()) it = out.insert(out.end(), GpuTypeUse{g.type, 0, {}});
    ++it->total;
    if (g.index < n.gpu_used.size() && n.gpu_used[g.index]) it->in_use.push_back(g.index);
  }
  for (auto& t : out) std::ranges::sort(t.in_use);
  return out;
}

std::string index_list(const std::vector<std::uint32_t>& indices) {
  std::string out;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t k = i;
    while (k + 1 < indices.size() && indices[k + 1] == indices[k] + 1) ++k;
    out += (out.empty() ? "" : ",") + std::to_string(indices[i]) + (k > i ? "-" + std::to_string(indices[k]) : "");
    i = k + 1;
  }
  return out.empty() ? "N/A" : out;
}

std::string gres_name(const std::string& type, std::uint64_t count) {
  return "gpu:" + (type.empty() ? "" : type + ":") + std::to_string(count);
}

std::string node_gres_used(const Node& n) {
  std::vector<std::string> parts;
  for (const auto& t : node_gpu_use(n))
    parts.push_back(gres_name(t.type, t.in_use.size()) + "(IDX:" + index_list(t.in_use) + ")");
  return join(parts, ",");
}

std::string gpu_tres(const GpuCount& c) {
  if (c.total == 0) return "";
  std::string out = "gres/gpu=" + std::to_string(c.total);
  for (const auto& [type, n] : c.by_type) out += ",gres/gpu:" + type + "=" + std::to_string(n);
  return out;
}

GpuCount node_gpus(const Node& n) {
  GpuCount c;
  for (const auto& t : node_gpu_use(n)) add(c, t.type, t.total);
  return c;
}

GpuCount node_gpus_used(const Node& n) {
  GpuCount c;
  for (const auto& t : node_gpu_use(n)) add(c, t.type, t.in_use.size());
  return c;
}

GpuCount job_gpus_allocated(const Job& j, const std::vector<Node>& nodes) {
  GpuCount c;
  for (const NodeAlloc& a : j.alloc) {
    const auto n = std::ranges::find(nodes, a.node, &Node::name);
    for (std::uint32_t idx : a.gpus) {
      std::string type = j.spec.gpu_type;
      if (n != nodes.end())
        if (auto g = std::ranges::find(n->gpus, idx, &Gpu::index); g != n->gpus.end()) type = g->type;
      add(c, type, 1);
    }
  }
  return c;
}

GpuCount job_gpus_requested(const Job& j) {
  const JobSpec& s = j.spec;
  const std::uint64_t n = s.gpus            ? s.gpus
                          : s.gpus_per_node ? std::uint64_t{s.gpus_per_node} * s.nodes
                          : s.gpus_per_task ? std::uint64_t{s.gpus_per_task} * s.ntasks
                                            : 0;
  GpuCount c;
  add(c, s.gpu_type, n);
  return c;
}

std::string tres_per_job(const Job& j) { return gres_request(j, j.spec.gpus); }
std::string tres_per_node(const Job& j) { return gres_request(j, j.spec.gpus_per_node); }
std::string tres_per_task(const Job& j) { return gres_request(j, j.spec.gpus_per_task); }

}  // namespace sluice::cli
