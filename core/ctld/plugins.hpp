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

  // partition.admit: on Ok the plugin's Admission, checked (admission_problem), is applied to the
  // job field by field; the plugin itself only ever sees a copy of the job.
  Status admit(Job& job, const ClusterView& c);
  Status gate(const Job& job, const ClusterView& c);
  Status feasible(const Job& job, const ClusterView& c);
  Status select(const Job& job, const ClusterView& c, std::vector<NodeAlloc>& out);
  std::string describe() const;  // "partition=<path> select=<path>"
  // The plugin name of an extension point ("select/select_gpu"); empty if none is loaded.
  std::string plugin_name(std::string_view point) const;

  // After a call answered Status::error: whether the failure belongs to the job it was about (the
  // plugin ran and crashed, threw, missed its deadline or failed), as opposed to a plugin that was
  // not available at all (an isolated host waiting to restart).
  bool last_error_blamed() const { return last_error_blamed_; }

 private:
  // One extension point: a plugin loaded in process, or the proxy of an isolated one.
  struct Slot {
    std::unique_ptr<LoadedPlugin> loaded;
    std::unique_ptr<Plugin> proxy;
    class PluginHost* host = nullptr;  // the proxy's host, when isolated
    std::string where;                 // path, or "isolated:<library>"
    Plugin* get() const { return proxy ? proxy.get() : loaded->object.get(); }
  };
  template <class F>
  Status guarded(const Slot& slot, const char* what, F&& f);
  bool last_error_blamed_ = false;
  Slot partition_, select_;
  PartitionPolicy* partition_api_ = nullptr;
  SelectPolicy* select_api_ = nullptr;
};

}  // namespace sluice
