// The controller's plugin set: every controller-side extension point of the registry
// (core/plugin/points.hpp) that is required or configured, loaded in process or isolated, and the
// one place the controller calls them (through guarded_call: timed, exceptions contained).
#pragma once
#include <map>
#include <memory>
#include <sluice/launch.hpp>
#include <sluice/partition.hpp>
#include <sluice/preempt.hpp>
#include <sluice/requeue.hpp>
#include <sluice/select.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"
#include "core/plugin/loader.hpp"

namespace sluice {

struct Config;
class PluginHost;

class PluginSet {
 public:
  // Loads every controller-side point of `cfg` (options validated at load); nullptr with `errors`
  // filled on any failure.
  static std::unique_ptr<PluginSet> load(const Config& cfg, std::vector<std::string>& errors);

  // partition.admit: on Ok the plugin's Admission, checked (admission_problem), is applied to the
  // job field by field; the plugin itself only ever sees a copy of the job.
  Status admit(Job& job, const ClusterView& c);
  Status gate(const Job& job, const ClusterView& c);
  Status feasible(const Job& job, const ClusterView& c);
  Status select(const Job& job, const ClusterView& c, std::vector<NodeAlloc>& out);
  // preempt.victims and requeue.on_end, guarded; Unschedulable / Finalize when no such plugin is
  // configured. The answers are checked by their callers (schedule_pass, CtlState::end_decision).
  Status preempt(const Job& pending, const std::vector<const JobView*>& running, const ClusterView& c,
                 PreemptDecision& out);
  Status on_end(const JobView& ended, const ClusterView& c, RequeueDecision& out);
  // launch.check_submit on a copy of a job being submitted, guarded; Ok when no launch plugin is
  // configured. Reject (or Error) refuses the submission with the status's message.
  Status check_submit(const Job& job);

  // "partition=<path> select=<path>[ preempt=<path>]...": where each loaded point comes from.
  std::string describe() const;
  // Point -> where its plugin comes from (a path, or "isolated:<library>"), for loaded points only.
  std::map<std::string, std::string> sources() const;
  // The plugin name of a loaded point ("select/select_gpu"); empty when nothing is loaded there.
  std::string plugin_name(std::string_view point) const;
  // The optional points' policies, nullptr when not configured.
  PreemptPolicy* preempt() const { return find<PreemptPolicy>(PreemptPolicy::kPoint); }
  RequeuePolicy* requeue() const { return find<RequeuePolicy>(RequeuePolicy::kPoint); }
  LaunchPolicy* launch() const { return find<LaunchPolicy>(LaunchPolicy::kPoint); }

  // After a call answered Status::error: whether the failure belongs to the job it was about (the
  // plugin ran and crashed, threw, missed its deadline or failed), as opposed to a plugin that was
  // not available at all (an isolated host waiting to restart).
  bool last_error_blamed() const { return last_error_blamed_; }

 private:
  // One extension point: a plugin loaded in process, or the proxy of an isolated one.
  struct Slot {
    std::unique_ptr<LoadedPlugin> loaded;
    std::unique_ptr<Plugin> proxy;
    PluginHost* host = nullptr;  // the proxy's host, when isolated
    std::string where;           // path, or "isolated:<library>"
    Plugin* get() const { return proxy ? proxy.get() : loaded->object.get(); }
  };
  template <class Policy>
  Policy* find(std::string_view point) const {
    auto it = slots_.find(std::string(point));
    return it == slots_.end() ? nullptr : dynamic_cast<Policy*>(it->second.get());
  }
  template <class F>
  Status guarded(const Slot& slot, const char* what, F&& f);

  std::map<std::string, Slot> slots_;  // by point
  // The required points, resolved once (every pending job asks them in every pass).
  const Slot* partition_slot_ = nullptr;
  const Slot* select_slot_ = nullptr;
  PartitionPolicy* partition_ = nullptr;
  SelectPolicy* select_ = nullptr;
  bool last_error_blamed_ = false;
};

}  // namespace sluice
