#include "core/ctld/plugins.hpp"

#include <spdlog/spdlog.h>

#include "core/config/config.hpp"
#include "core/plugin/guarded.hpp"
#include "core/plugin/isolated.hpp"
#include "core/plugin/points.hpp"

namespace sluice {

std::unique_ptr<PluginSet> PluginSet::load(const Config& cfg, std::vector<std::string>& errors) {
  auto set = std::make_unique<PluginSet>();
  for (const ExtensionPoint& ep : kExtensionPoints) {
    if (!loaded_by_controller(ep.side)) continue;
    const std::string point(ep.name);
    auto it = cfg.plugins.find(point);
    if (it == cfg.plugins.end()) {
      if (ep.required) errors.push_back("plugins." + point + ": not configured");
      continue;
    }
    const PluginConfig& pc = it->second;
    Slot slot;
    if (pc.isolate) {  // the config refuses isolate = true where the point has no proxy
      auto host = std::make_unique<PluginHost>(cfg, pc);
      if (!host->start(errors)) continue;
      slot.host = host.get();
      slot.proxy = make_isolated(point, std::move(host));
      slot.where = "isolated:" + pc.library;
    } else {
      slot.loaded = load_plugin(cfg, pc, errors);  // checks the interface, then the options
      if (!slot.loaded) continue;
      slot.where = slot.loaded->path;
    }
    set->slots_.emplace(point, std::move(slot));
  }
  if (!errors.empty()) return nullptr;
  set->partition_slot_ = &set->slots_.at(PartitionPolicy::kPoint);
  set->select_slot_ = &set->slots_.at(SelectPolicy::kPoint);
  set->partition_ = set->find<PartitionPolicy>(PartitionPolicy::kPoint);
  set->select_ = set->find<SelectPolicy>(SelectPolicy::kPoint);
  return set;
}

template <class F>
Status PluginSet::guarded(const Slot& slot, const char* what, F&& f) {
  Status st = guarded_call(*slot.get(), what, std::forward<F>(f));
  if (st.code == Code::Error) last_error_blamed_ = !slot.host || slot.host->last_call_ran();
  return st;
}

Status PluginSet::admit(Job& job, const ClusterView& c) {
  JobView submitted = job;  // the plugin sees a copy of the view: nothing it does reaches the job
  Admission decided = asked(job);
  Status st = guarded(*partition_slot_, "partition.admit", [&] { return partition_->admit(submitted, c, decided); });
  if (!st.is_ok()) return st;
  if (std::string why = admission_problem(decided, c); !why.empty()) {
    last_error_blamed_ = true;
    return Status::error(plugin_name(PartitionPolicy::kPoint) + ": invalid admission: " + why);
  }
  apply_admission(job, decided);
  return st;
}
Status PluginSet::gate(const Job& job, const ClusterView& c) {
  return guarded(*partition_slot_, "partition.gate", [&] { return partition_->gate(job, c); });
}
Status PluginSet::feasible(const Job& job, const ClusterView& c) {
  return guarded(*select_slot_, "select.feasible", [&] { return select_->feasible(job, c); });
}
Status PluginSet::select(const Job& job, const ClusterView& c, std::vector<NodeAlloc>& out) {
  return guarded(*select_slot_, "select.select", [&] { return select_->select(job, c, out); });
}

Status PluginSet::preempt(const Job& pending, const std::vector<const JobView*>& running, const ClusterView& c,
                          PreemptDecision& out) {
  auto it = slots_.find(PreemptPolicy::kPoint);
  PreemptPolicy* p = preempt();
  if (it == slots_.end() || !p) return Status::unschedulable("Resources");
  return guarded(it->second, "preempt.victims", [&] { return p->victims(pending, running, c, out); });
}
Status PluginSet::check_submit(const Job& job) {
  auto it = slots_.find(LaunchPolicy::kPoint);
  LaunchPolicy* p = find<LaunchPolicy>(LaunchPolicy::kPoint);
  if (it == slots_.end() || !p) return Status::ok();
  const JobView submitted = job;  // a copy: nothing the plugin does reaches the job
  return guarded(it->second, "launch.check_submit", [&] { return p->check_submit(submitted); });
}
Status PluginSet::on_end(const JobView& ended, const ClusterView& c, RequeueDecision& out) {
  auto it = slots_.find(RequeuePolicy::kPoint);
  RequeuePolicy* p = requeue();
  if (it == slots_.end() || !p) return Status::ok();
  return guarded(it->second, "requeue.on_end", [&] { return p->on_end(ended, c, out); });
}

std::map<std::string, std::string> PluginSet::sources() const {
  std::map<std::string, std::string> out;
  for (const auto& [point, slot] : slots_) out.emplace(point, slot.where);
  return out;
}

std::string PluginSet::describe() const {
  std::string out;
  for (const ExtensionPoint& ep : kExtensionPoints)  // in registry order
    if (auto it = slots_.find(std::string(ep.name)); it != slots_.end())
      out += (out.empty() ? "" : " ") + it->first + "=" + it->second.where;
  return out;
}

std::string PluginSet::plugin_name(std::string_view point) const {
  auto it = slots_.find(std::string(point));
  return it == slots_.end() ? std::string() : std::string(it->second.get()->name());
}

}  // namespace sluice
