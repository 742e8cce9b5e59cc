#include "core/noded/binding.hpp"

#include <algorithm>

namespace sluice {
namespace {

bool discovered(const Gpu& g) { return !g.pci_bus_id.empty() || !g.uuid.empty(); }

// The node's GPUs in PCI bus order (index order for GPUs whose bus id is not known).
std::vector<const Gpu*> pci_order(const Node& node) {
  std::vector<const Gpu*> order;
  for (const auto& g : node.gpus) order.push_back(&g);
  std::stable_sort(order.begin(), order.end(), [](const Gpu* a, const Gpu* b) {
    if (!a->pci_bus_id.empty() && !b->pci_bus_id.empty() && a->pci_bus_id != b->pci_bus_id)
      return a->pci_bus_id < b->pci_bus_id;
    return a->index < b->index;
  });
  return order;
}

std::string join_numbers(const std::vector<std::uint32_t>& v) {
  std::string out;
  for (auto x : v) out += (out.empty() ? "" : ",") + std::to_string(x);
  return out;
}

std::string typed(const std::string& type, std::uint32_t n) {
  return (type.empty() ? "" : type + ":") + std::to_string(n);
}

}  // namespace

GpuBinding gpu_binding(const NodeAlloc& alloc, const Node* node, bool isolated) {
  GpuBinding b;
  b.indices = alloc.gpus;
  std::sort(b.indices.begin(), b.indices.end());
  std::vector<std::uint32_t> ordinals;
  if (!node) {  // no inventory to order by: the indices as they are
    for (std::uint32_t i = 0; i < b.indices.size(); ++i) ordinals.push_back(isolated ? i : b.indices[i]);
    b.cuda_visible = join_numbers(ordinals);
    return b;
  }
  std::uint32_t rank = 0, own = 0;
  for (const Gpu* g : pci_order(*node)) {
    const bool held = std::binary_search(b.indices.begin(), b.indices.end(), g->index);
    if (held)
      ordinals.push_back(isolated ? own++ : rank);
    else
      b.denied_minors.push_back(discovered(*g) ? g->minor : g->index);
    ++rank;
  }
  b.cuda_visible = join_numbers(ordinals);
  return b;
}

void append_gpu_environment(const JobSpec& spec, bool batch, const GpuBinding& binding, bool node_has_gpus,
                            std::vector<std::string>& env) {
  auto set = [&](const char* k, const std::string& v) { env.push_back(std::string(k) + "=" + v); };
  if (binding.indices.empty()) {
    if (node_has_gpus) set("CUDA_VISIBLE_DEVICES", "");
    return;
  }
  const std::string indices = join_numbers(binding.indices);
  set("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
  set("CUDA_VISIBLE_DEVICES", binding.cuda_visible);
  set("GPU_DEVICE_ORDINAL", binding.cuda_visible);
  set("SLURM_JOB_GPUS", indices);
  if (!batch) set("SLURM_STEP_GPUS", indices);
  set("SLURM_GPUS_ON_NODE", std::to_string(binding.indices.size()));
  if (spec.gpus) set("SLURM_GPUS", typed(spec.gpu_type, spec.gpus));
  if (spec.gpus_per_node) set("SLURM_GPUS_PER_NODE", typed(spec.gpu_type, spec.gpus_per_node));
  if (spec.gpus_per_task) set("SLURM_GPUS_PER_TASK", typed(spec.gpu_type, spec.gpus_per_task));
  if (spec.cpus_per_gpu) set("SLURM_CPUS_PER_GPU", std::to_string(spec.cpus_per_gpu));
  if (spec.mem_per_gpu_mb) set("SLURM_MEM_PER_GPU", std::to_string(spec.mem_per_gpu_mb));
}

}  // namespace sluice
