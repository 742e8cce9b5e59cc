#include "core/ctld/scheduler.hpp"

#include <algorithm>
#include <map>
#include <sluice/ledger.hpp>

#include "core/ctld/plugins.hpp"

namespace sluice {

bool dependencies_met(const Job& j, const DependencyFacts& deps, std::string& reason) {
  for (const auto& d : j.spec.depends) {
    auto it = deps.find(d.job);
    if (it == deps.end()) {
      reason = "DependencyNeverSatisfied";
      return false;
    }
    const JobState state = it->second;
    const bool done = is_final(state), started = state != JobState::Pending;
    switch (d.kind) {
      case DependKind::After:
        if (!started) return reason = "Dependency", false;
        break;
      case DependKind::AfterAny:
        if (!done) return reason = "Dependency", false;
        break;
      case DependKind::AfterOk:
        if (done && state != JobState::Completed) return reason = "DependencyNeverSatisfied", false;
        if (!done) return reason = "Dependency", false;
        break;
      case DependKind::AfterNotOk:
        if (done && state == JobState::Completed) return reason = "DependencyNeverSatisfied", false;
        if (!done) return reason = "Dependency", false;
        break;
    }
  }
  return true;
}

namespace {

// The decision for one job that is eligible (not held, dependencies met).
PassDecision place(const Job& j, std::vector<Node>& nodes, const std::vector<Partition>& partitions, PluginSet& plugins,
                   std::uint64_t& generation, bool& partition_blocked) {
  PassDecision d;
  d.job = j.id;
  const ClusterView cv{nodes, partitions, generation};
  Status st = plugins.gate(j, cv);
  if (st.code == Code::Ok) st = plugins.select(j, cv, d.alloc);
  if (st.code == Code::Ok && !d.alloc.empty()) {
    if (std::string why = placement_problem(j, cv, d.alloc); !why.empty()) {
      st = Status::error(plugins.plugin_name(SelectPolicy::kPoint) + ": invalid placement: " + why);
      d.blamed = true;
    } else {
      d.start = true;
      for (const auto& a : d.alloc)
        for (auto& n : nodes)
          if (n.name == a.node) allocate(n, a);
      if (generation) ++generation;
      return d;
    }
  } else if (st.code == Code::Error) {
    d.blamed = plugins.last_error_blamed();
  }
  if (st.code == Code::Error) {
    d.reason = "PluginError";
    d.fault = st.message;
    d.alloc.clear();
  } else if (st.code == Code::Reject) {
    d.reason = st.reason.empty() ? "ReqNodeNotAvail" : st.reason;
  } else if (!d.alloc.empty() || st.reason.empty() || st.reason == "Resources") {
    d.reason = partition_blocked ? "Priority" : "Resources";
    partition_blocked = true;
    d.alloc.clear();
  } else {
    d.reason = st.reason;
  }
  return d;
}

}  // namespace

std::vector<PassDecision> schedule_pass(const std::vector<const Job*>& pending, std::vector<Node>& nodes,
                                        const std::vector<Partition>& partitions, PluginSet& plugins,
                                        const DependencyFacts& deps, std::uint64_t generation) {
  std::vector<std::pair<std::uint32_t, const Job*>> order;  // (partition tier, job)
  order.reserve(pending.size());
  for (const Job* j : pending) {
    std::uint32_t tier = 0;
    for (const auto& p : partitions)
      if (p.name == j->spec.partition) tier = p.priority_tier;
    order.emplace_back(tier, j);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    if (a.second->priority != b.second->priority) return a.second->priority > b.second->priority;
    return a.second->id < b.second->id;
  });
  std::vector<PassDecision> out;
  out.reserve(order.size());
  std::map<std::string, bool> blocked;  // partition -> a higher job already waits for resources
  for (const auto& [tier, j] : order) {
    PassDecision d;
    d.job = j->id;
    if (j->spec.hold)
      d.reason = j->reason;
    else if (dependencies_met(*j, deps, d.reason))
      d = place(*j, nodes, partitions, plugins, generation, blocked[j->spec.partition]);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sluice
