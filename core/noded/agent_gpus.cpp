// The node agent's GPUs (docs/gpu.md): discovery through NVML when the node says gpu_detect =
// "nvml" (Slurm's AutoDetect=nvml), and sampling of every running job's GPUs wherever NVML loads.
// The controller decides what the discovered inventory means for the node (core/ctld/gpus.cpp);
// the agent applies the same rule to what its jobs see.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/noded/agent.hpp"
#include "core/slurm/gpu_inventory.hpp"
#include "core/util/text.hpp"

namespace sluice {

namespace {

std::string describe(const std::vector<Gpu>& gpus) {
  std::vector<std::string> parts;
  for (const Gpu& g : gpus)
    parts.push_back(std::to_string(g.index) + "=" + g.type + " \"" + g.name + "\" " + g.pci_bus_id + " " +
                    std::to_string(g.memory_mb) + "MB");
  return join(parts, ", ");
}

// The usage record of GPU `index` in `usage`, added when missing.
GpuUsage& usage_of(std::vector<GpuUsage>& usage, const std::string& node, const Gpu& g) {
  auto it = std::ranges::find(usage, g.index, &GpuUsage::index);
  if (it != usage.end()) return *it;
  GpuUsage u;
  u.node = node;
  u.index = g.index;
  u.type = g.type;
  u.mem_total_mb = g.memory_mb;
  usage.push_back(u);
  return usage.back();
}

}  // namespace

void Agent::discover_gpus() {
  const Node& conf = *cfg_->node(name_);
  const bool detect = cfg_->detects_gpus(name_);
  if (detect || !conf.gpus.empty()) {
    std::string why;
    nvml_ = Nvml::open(cfg_->agent.nvml_library, &why);
    if (nvml_) {
      if (auto found = nvml_->discover(cfg_->agent.gpu_types, &why))
        nvml_gpus_ = std::move(*found);
      else
        nvml_.reset();
    }
    if (!nvml_ && detect) {
      gpu_detect_error_ = why;
      spdlog::warn("gpu_detect=nvml: NVML not usable ({}); the configured inventory stands ({})", why,
                   gres_string(conf.gpus));
    } else if (!nvml_) {
      spdlog::info("GPU sampling off: NVML not usable ({})", why);
    } else if (detect) {
      gpus_detected_ = true;
      spdlog::info("gpu_detect=nvml: NVML found {} ({})", gres_string(nvml_gpus_), describe(nvml_gpus_));
      if (std::string m = conf.gpus.empty() ? "" : inventory_mismatch(conf.gpus, nvml_gpus_); !m.empty())
        spdlog::warn("gpu_detect=nvml: {}; the configured inventory stands and the controller drains the node", m);
    } else {
      spdlog::info("GPU sampling through NVML every {}s ({} GPUs)", cfg_->agent.gpu_sample_interval, nvml_gpus_.size());
    }
  }
  refresh_self();
}

// The rule of core/ctld/gpus.cpp: a discovered inventory replaces the configured one unless the
// entry lists GPUs that differ from it.
void Agent::refresh_self() {
  self_ = *cfg_->node(name_);
  if (gpus_detected_ && cfg_->detects_gpus(name_) &&
      (self_.gpus.empty() || inventory_mismatch(self_.gpus, nvml_gpus_).empty()))
    self_.gpus = nvml_gpus_;
}

void Agent::sample_gpus(Time now) {
  last_sample_ = now;
  for (auto& [id, t] : tasks_) {
    if (t.exited) continue;
    auto a = std::ranges::find(t.job.alloc, name_, &NodeAlloc::node);
    if (a == t.job.alloc.end() || a->gpus.empty()) continue;
    for (std::uint32_t index : a->gpus) {
      auto g = std::ranges::find(self_.gpus, index, &Gpu::index);
      if (g == self_.gpus.end()) continue;
      // A configured GPU has no bus id: index i is NVML's i-th GPU in PCI bus order.
      std::string bus = g->pci_bus_id;
      if (bus.empty() && index < nvml_gpus_.size()) bus = nvml_gpus_[index].pci_bus_id;
      std::string why;
      auto s = bus.empty() ? std::nullopt : nvml_->sample(bus, &why);
      if (!s) {
        if (sample_warned_.insert(bus + "#" + std::to_string(index)).second)
          spdlog::warn("GPU {} not sampled: {}", index, bus.empty() ? "NVML does not report it" : why);
        continue;
      }
      GpuUsage& u = usage_of(t.usage, name_, *g);
      if (!u.samples) u.first = now;
      ++u.samples;
      u.last = now;
      u.util_sum += s->util_pct;
      u.util_max = std::max(u.util_max, s->util_pct);
      u.util_last = s->util_pct;
      u.mem_sum_mb += s->mem_used_mb;
      u.mem_max_mb = std::max(u.mem_max_mb, s->mem_used_mb);
    }
    report_gpu_usage(id, t);
  }
}

void Agent::report_gpu_usage(std::uint64_t id, const Task& t) {
  if (t.usage.empty()) return;
  send(std::string(GpuUsageReport::kType), to_body(GpuUsageReport{instance_, id, t.usage}));
}

}  // namespace sluice
