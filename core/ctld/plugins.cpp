#include "core/ctld/plugins.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/config/config.hpp"
#include "core/plugin/isolated.hpp"

namespace sluice {

std::unique_ptr<PluginSet> PluginSet::load(const Config& cfg, std::vector<std::string>& errors) {
  auto set = std::make_unique<PluginSet>();
  auto take = [&](const char* point, Slot& slot) {
    auto it = cfg.plugins.find(point);
    if (it == cfg.plugins.end()) {
      errors.push_back(std::string("plugins.") + point + ": not configured");
      return;
    }
    const PluginConfig& pc = it->second;
    if (pc.isolate) {
      auto host = std::make_unique<PluginHost>(cfg, pc);
      if (!host->start(errors)) return;
      slot.host = host.get();
      if (pc.point == PartitionPolicy::kPoint)
        slot.proxy = std::make_unique<IsolatedPartition>(std::move(host));
      else
        slot.proxy = std::make_unique<IsolatedSelect>(std::move(host));
      slot.where = "isolated:" + pc.library;
      return;
    }
    slot.loaded = load_plugin(cfg, pc, errors);
    if (!slot.loaded) return;
    if (!implements(*slot.loaded->object, point)) {
      errors.push_back(std::string("plugins.") + point + ": " + slot.loaded->path + " is not a " + point + " plugin");
      slot.loaded.reset();
      return;
    }
    slot.where = slot.loaded->path;
  };
  take(PartitionPolicy::kPoint, set->partition_);
  take(SelectPolicy::kPoint, set->select_);
  if (!errors.empty()) return nullptr;
  set->partition_api_ = dynamic_cast<PartitionPolicy*>(set->partition_.get());
  set->select_api_ = dynamic_cast<SelectPolicy*>(set->select_.get());
  return set;
}

template <class F>
Status PluginSet::guarded(const Slot& slot, const char* what, F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  Status st;
  try {
    st = f();
  } catch (const std::exception& e) {
    st = Status::error(std::string(what) + " threw: " + e.what());
  } catch (...) {
    st = Status::error(std::string(what) + " threw");
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  if (us > 10000) spdlog::warn("slow plugin call: {} took {} us", what, us);
  if (st.code == Code::Error) {
    // Callers report faults (once per pass, or in the reply to a submission); the detail is here.
    last_error_blamed_ = !slot.host || slot.host->last_call_ran();
    st.message = std::string(slot.get()->name()) + ": " + st.message;
    spdlog::debug("plugin fault: {}: {}", what, st.message);
  }
  return st;
}

Status PluginSet::admit(Job& job, const ClusterView& c) {
  Job submitted = job;  // the plugin sees a copy: nothing it does to it reaches the job
  Admission decided = asked(job);
  Status st = guarded(partition_, "partition.admit", [&] { return partition_api_->admit(submitted, c, decided); });
  if (!st.is_ok()) return st;
  if (std::string why = admission_problem(decided, c); !why.empty()) {
    last_error_blamed_ = true;
    return Status::error(std::string(partition_.get()->name()) + ": invalid admission: " + why);
  }
  apply_admission(job, decided);
  return st;
}
Status PluginSet::gate(const Job& job, const ClusterView& c) {
  return guarded(partition_, "partition.gate", [&] { return partition_api_->gate(job, c); });
}
Status PluginSet::feasible(const Job& job, const ClusterView& c) {
  return guarded(select_, "select.feasible", [&] { return select_api_->feasible(job, c); });
}
Status PluginSet::select(const Job& job, const ClusterView& c, std::vector<NodeAlloc>& out) {
  return guarded(select_, "select.select", [&] { return select_api_->select(job, c, out); });
}
std::string PluginSet::describe() const { return "partition=" + partition_.where + " select=" + select_.where; }
std::string PluginSet::plugin_name(std::string_view point) const {
  if (point == PartitionPolicy::kPoint) return std::string(partition_.get()->name());
  if (point == SelectPolicy::kPoint) return std::string(select_.get()->name());
  return {};
}

}  // namespace sluice
