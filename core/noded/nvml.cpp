#include "core/noded/nvml.hpp"

#include <dlfcn.h>

#include <numeric>

#include "core/slurm/gpu_inventory.hpp"

namespace sluice {
namespace {

// The C ABI of nvml.h, declared here (no build dependency on NVIDIA's headers).
using nvmlReturn_t = int;  // an enum in nvml.h; NVML_SUCCESS = 0
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr unsigned kNameBufferSize = 96;       // NVML_DEVICE_NAME_V2_BUFFER_SIZE
constexpr unsigned kUuidBufferSize = 96;       // NVML_DEVICE_UUID_V2_BUFFER_SIZE
constexpr int kTopologyMultipleSwitches = 20;  // NVML_TOPOLOGY_MULTIPLE (0 internal, 10 single switch)

struct nvmlPciInfo_t {   // nvmlPciInfo_st, as nvmlDeviceGetPciInfo_v3 fills it
  char busIdLegacy[16];  // NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];  // NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE: "00000000:3B:00.0"
};
struct nvmlMemory_t {  // nvmlMemory_st (v1), bytes
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct nvmlUtilization_t {  // nvmlUtilization_st, percent
  unsigned int gpu;
  unsigned int memory;
};

constexpr std::uint64_t kMiB = 1ull << 20;

}  // namespace

struct Nvml::Api {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*count)(unsigned int*) = nullptr;
  nvmlReturn_t (*handle)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*pci)(nvmlDevice_t, nvmlPciInfo_t*) = nullptr;
  nvmlReturn_t (*minor)(nvmlDevice_t, unsigned int*) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*common_ancestor)(nvmlDevice_t, nvmlDevice_t, int*) = nullptr;  // optional
  std::map<std::string, nvmlDevice_t> by_bus;                                   // filled by discover()

  std::string failed(const std::string& call, nvmlReturn_t rc) const {
    const char* words = error_string ? error_string(rc) : nullptr;
    return call + " failed: " + (words ? std::string(words) : "error " + std::to_string(rc));
  }
};

namespace {

template <class F>
bool resolve(void* dl, const char* symbol, F& out, bool required, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(dl, symbol));
  if (!out && required && missing.empty()) missing = symbol;
  return out != nullptr;
}

// Every function nvml.hpp lists; the name of the first required one missing.
std::string resolve_all(void* dl, Nvml::Api& a) {
  std::string missing;
  resolve(dl, "nvmlInit_v2", a.init, true, missing);
  resolve(dl, "nvmlShutdown", a.shutdown, true, missing);
  resolve(dl, "nvmlErrorString", a.error_string, true, missing);
  resolve(dl, "nvmlDeviceGetCount_v2", a.count, true, missing);
  resolve(dl, "nvmlDeviceGetHandleByIndex_v2", a.handle, true, missing);
  resolve(dl, "nvmlDeviceGetName", a.name, true, missing);
  resolve(dl, "nvmlDeviceGetUUID", a.uuid, true, missing);
  resolve(dl, "nvmlDeviceGetPciInfo_v3", a.pci, true, missing);
  resolve(dl, "nvmlDeviceGetMinorNumber", a.minor, true, missing);
  resolve(dl, "nvmlDeviceGetMemoryInfo", a.memory, true, missing);
  resolve(dl, "nvmlDeviceGetUtilizationRates", a.utilization, true, missing);
  resolve(dl, "nvmlDeviceGetTopologyCommonAncestor", a.common_ancestor, false, missing);
  return missing;
}

// The facts of device `i`; false and *why on an NVML error.
bool read_device(const Nvml::Api& a, unsigned i, nvmlDevice_t& dev, Gpu& g, std::string* why) {
  auto ok = [&](nvmlReturn_t rc, const char* call) {
    if (rc != kNvmlSuccess) *why = a.failed(std::string(call) + "(" + std::to_string(i) + ")", rc);
    return rc == kNvmlSuccess;
  };
  char name[kNameBufferSize] = {}, uuid[kUuidBufferSize] = {};
  nvmlPciInfo_t pci{};
  nvmlMemory_t mem{};
  unsigned minor = 0;
  if (!ok(a.handle(i, &dev), "nvmlDeviceGetHandleByIndex_v2") ||
      !ok(a.name(dev, name, sizeof name), "nvmlDeviceGetName") ||
      !ok(a.uuid(dev, uuid, sizeof uuid), "nvmlDeviceGetUUID") || !ok(a.pci(dev, &pci), "nvmlDeviceGetPciInfo_v3") ||
      !ok(a.minor(dev, &minor), "nvmlDeviceGetMinorNumber") || !ok(a.memory(dev, &mem), "nvmlDeviceGetMemoryInfo"))
    return false;
  name[sizeof name - 1] = uuid[sizeof uuid - 1] = pci.busId[sizeof pci.busId - 1] = '\0';
  g.name = name;
  g.uuid = uuid;
  g.pci_bus_id = normalize_bus_id(pci.busId);
  g.minor = minor;
  g.memory_mb = mem.total / kMiB;
  return true;
}

// Link groups from NVML's topology (union of GPUs under one PCIe switch tree); false when NVML
// cannot tell for some pair.
bool link_groups(const Nvml::Api& a, std::vector<Gpu>& gpus) {
  if (!a.common_ancestor) return false;
  std::vector<std::size_t> root(gpus.size());
  std::iota(root.begin(), root.end(), 0);
  auto find = [&](std::size_t x) {
    while (root[x] != x) x = root[x] = root[root[x]];
    return x;
  };
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    for (std::size_t j = i + 1; j < gpus.size(); ++j) {
      int level = 0;
      if (a.common_ancestor(a.by_bus.at(gpus[i].pci_bus_id), a.by_bus.at(gpus[j].pci_bus_id), &level) != kNvmlSuccess)
        return false;
      if (level <= kTopologyMultipleSwitches) root[find(j)] = find(i);
    }
  }
  std::map<std::size_t, std::int32_t> number;  // root -> group, in PCI order
  for (std::size_t i = 0; i < gpus.size(); ++i)
    gpus[i].link_group = number.emplace(find(i), static_cast<std::int32_t>(number.size())).first->second;
  return true;
}

}  // namespace

std::unique_ptr<Nvml> Nvml::open(const std::string& library, std::string* why) {
  dlerror();
  void* dl = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    const char* e = dlerror();
    *why = "cannot load " + library + ": " + (e ? e : "unknown error");
    return nullptr;
  }
  auto api = std::make_unique<Api>();
  if (std::string missing = resolve_all(dl, *api); !missing.empty()) {
    dlclose(dl);
    *why = library + " lacks " + missing;
    return nullptr;
  }
  if (nvmlReturn_t rc = api->init(); rc != kNvmlSuccess) {
    *why = api->failed("nvmlInit_v2", rc);
    dlclose(dl);
    return nullptr;
  }
  std::unique_ptr<Nvml> n(new Nvml());
  n->dl_ = dl;
  n->api_ = std::move(api);
  n->library_ = library;
  return n;
}

Nvml::~Nvml() {
  if (api_) api_->shutdown();
  if (dl_) dlclose(dl_);
}

std::optional<std::vector<Gpu>> Nvml::discover(const std::map<std::string, std::string>& types, std::string* why) {
  unsigned count = 0;
  if (nvmlReturn_t rc = api_->count(&count); rc != kNvmlSuccess) {
    *why = api_->failed("nvmlDeviceGetCount_v2", rc);
    return std::nullopt;
  }
  std::vector<Gpu> gpus(count);
  api_->by_bus.clear();
  for (unsigned i = 0; i < count; ++i) {
    nvmlDevice_t dev = nullptr;
    if (!read_device(*api_, i, dev, gpus[i], why)) return std::nullopt;
    if (!api_->by_bus.emplace(gpus[i].pci_bus_id, dev).second) {
      *why = "two GPUs report PCI bus id " + gpus[i].pci_bus_id;
      return std::nullopt;
    }
    gpus[i].type = gpu_type_of(gpus[i].name, types);
  }
  gpus = order_by_pci(std::move(gpus));
  if (!link_groups(*api_, gpus))
    for (Gpu& g : gpus) g.link_group = -1;
  return gpus;
}

std::optional<GpuSample> Nvml::sample(const std::string& bus_id, std::string* why) {
  auto it = api_->by_bus.find(normalize_bus_id(bus_id));
  if (it == api_->by_bus.end()) {
    *why = "no GPU at PCI bus id " + bus_id;
    return std::nullopt;
  }
  nvmlUtilization_t util{};
  nvmlMemory_t mem{};
  if (nvmlReturn_t rc = api_->utilization(it->second, &util); rc != kNvmlSuccess) {
    *why = api_->failed("nvmlDeviceGetUtilizationRates", rc);
    return std::nullopt;
  }
  if (nvmlReturn_t rc = api_->memory(it->second, &mem); rc != kNvmlSuccess) {
    *why = api_->failed("nvmlDeviceGetMemoryInfo", rc);
    return std::nullopt;
  }
  return GpuSample{util.gpu, mem.used / kMiB};
}

}  // namespace sluice
