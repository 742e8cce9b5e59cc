// Loads the configured plugin set with Boost.DLL and is the one place the core calls plugins:
// every call is timed, exceptions are contained, and slow calls are logged.
#pragma once
#include <memory>
#include <sluice/partition.hpp>
#include <sluice/select.hpp>
#include <string>
#include <vector>

#include "core/plugin/loader.hpp"

namespace sluice {

struct Config;

class PluginSet {
 public:
  // Loads every extension point of `cfg`; nullptr with `errors` filled on any failure.
  static std::unique_ptr<PluginSet> load(const Config& cfg, std::vector<std::string>& errors);

  Status admit(Job& job, const ClusterView& c);
  Status gate(const Job& job, const ClusterView& c);
  Status feasible(const Job& job, const ClusterView& c);
  Status select(const Job& job, const ClusterView& c, std::vector<NodeAlloc>& out);
  std::string describe() const;  // "partition=<path> select=<path>"

 private:
  template <class F>
  Status guarded(const char* what, F&& f);
  // One extension point: a plugin loaded in process, or the proxy of an isolated one.
  struct Slot {
    std::unique_ptr<LoadedPlugin> loaded;
    std::unique_ptr<Plugin> proxy;
    std::string where;  // path, or "isolated:<library>"
    Plugin* get() const { return proxy ? proxy.get() : loaded->object.get(); }
  };
  Slot partition_, select_;
  PartitionPolicy* partition_api_ = nullptr;
  SelectPolicy* select_api_ = nullptr;
};

}  // namespace sluice
