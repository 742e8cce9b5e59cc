// NVML, the NVIDIA Management Library, loaded by sluiced at run time with dlopen: GPU discovery
// (Slurm's AutoDetect=nvml) and utilisation sampling. Nothing is needed at build time: NVML's
// headers are not in Debian, so nvml.cpp declares the few C types and functions it calls itself,
// with the layouts of NVIDIA's nvml.h (NVML API 11+; driver 450 and later).
//
// Functions used: nvmlInit_v2, nvmlShutdown, nvmlErrorString, nvmlDeviceGetCount_v2,
// nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetName, nvmlDeviceGetUUID, nvmlDeviceGetPciInfo_v3,
// nvmlDeviceGetMinorNumber, nvmlDeviceGetMemoryInfo, nvmlDeviceGetUtilizationRates, and, when the
// library has it, nvmlDeviceGetTopologyCommonAncestor (link groups). The tests load a stand-in
// library with the same exports (tests/fixtures/fake_nvml.cpp) through this same path.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <vector>

namespace sluice {

// One sample of one GPU.
struct GpuSample {
  std::uint32_t util_pct = 0;     // % of the last sample period the GPU was busy (nvmlUtilization_t.gpu)
  std::uint64_t mem_used_mb = 0;  // device memory in use, MB (MiB: bytes / 2^20)
};

class Nvml {
 public:
  // Loads `library` (a name the dynamic loader searches for, e.g. "libnvidia-ml.so.1", or a path),
  // resolves every function listed above and calls nvmlInit_v2. On failure returns nullptr and sets
  // *why: "cannot load libnvidia-ml.so.1: <dlerror>", "libnvidia-ml.so.1 lacks nvmlInit_v2",
  // "nvmlInit_v2 failed: Driver Not Loaded" (nvmlErrorString's words).
  static std::unique_ptr<Nvml> open(const std::string& library, std::string* why);
  ~Nvml();  // nvmlShutdown, dlclose
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  // Every GPU NVML reports, as the node's inventory: ordered by PCI bus id and numbered 0..n-1 in
  // that order (Gpu::index; CUDA_DEVICE_ORDER=PCI_BUS_ID numbers them the same way), with name,
  // UUID, PCI bus id ("00000000:3B:00.0"), minor number (/dev/nvidia<minor>), memory (MB), the type
  // from gpu_type_of(name, types) (core/slurm/gpu_inventory.hpp) and link_group: GPUs whose closest
  // common PCI ancestor is a PCIe switch (NVML_TOPOLOGY_MULTIPLE or closer) share a group, numbered
  // from 0 in PCI order; -1 for all when NVML cannot tell. On an NVML error returns nullopt and sets
  // *why ("nvmlDeviceGetUUID(1) failed: Unknown Error").
  std::optional<std::vector<Gpu>> discover(const std::map<std::string, std::string>& types, std::string* why);

  // Utilisation (%) and memory in use (MB) of the GPU with PCI bus id `bus_id` (any form
  // normalize_bus_id accepts). nullopt and *why on an NVML error or an unknown bus id.
  std::optional<GpuSample> sample(const std::string& bus_id, std::string* why);

  struct Api;  // the resolved functions (nvml.cpp)

 private:
  Nvml() = default;
  void* dl_ = nullptr;
  std::unique_ptr<Api> api_;
  std::string library_;
};

}  // namespace sluice
