#include "core/ctld/state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <map>

namespace sluice {

CtlState::CtlState(std::shared_ptr<const Config> config, std::unique_ptr<PluginSet> plugin_set)
    : cfg(std::move(config)),
      plugins(std::move(plugin_set)),
      store(cfg->controller.state_dir, cfg->controller.sync),
      nodes(cfg->nodes),
      partitions(cfg->partitions),
      jobs(store, nodes, out) {
  nodes.restore_admin(store.load_node_admin());
  jobs.set_kill_wait(cfg->controller.kill_wait);
  // Recover every job that is not final, plus recently finished ones for squeue and dependencies;
  // the running ones hold their resources again.
  jobs.load(now() - cfg->controller.min_job_age);
  for (const auto& e : nodes.rebuild_usage(jobs.holding())) spdlog::error("recovery: {}", e);
}

Time CtlState::now() const { return static_cast<Time>(::time(nullptr)); }

bool CtlState::handle(Job& j, const JobEvent& e) {
  const bool applied = jobs.handle(j, e);
  if (jobs.reschedule) sched_needed = true, jobs.reschedule = false;
  return applied;
}

DependencyFacts CtlState::dependency_facts() {
  DependencyFacts facts;
  for (const auto& [id, j] : jobs.all()) {
    if (j.state != JobState::Pending) continue;
    for (const auto& d : j.spec.depends)
      if (!facts.contains(d.job))
        if (auto st = jobs.state_of(d.job)) facts.emplace(d.job, *st);
  }
  return facts;
}

void CtlState::schedule() {
  sched_needed = false;
  plugin_trouble = false;
  std::vector<const Job*> pending;
  for (const auto& [id, j] : jobs.all())
    if (j.state == JobState::Pending) pending.push_back(&j);
  if (pending.empty()) return;
  std::vector<Node> copy = nodes.all();
  const auto decisions = schedule_pass(pending, copy, partitions, *plugins, dependency_facts(), nodes.generation());

  std::map<std::string, std::pair<std::size_t, std::string>> faults;  // plugin fault -> (jobs, first job)
  for (const auto& d : decisions) {
    Job& j = *jobs.find(d.job);
    if (d.start) {
      plugin_faults.erase(j.id);
      JobEvent e(JobEventKind::Placed);
      e.alloc = d.alloc;
      handle(j, e);
      continue;
    }
    if (!d.fault.empty()) {
      plugin_trouble = true;
      auto& [count, first] = faults[d.fault];
      if (count++ == 0) first = std::to_string(j.id);
      if (d.blamed && ++plugin_faults[j.id] >= kMaxPluginFaults) {
        // One job that keeps breaking a plugin must not stop scheduling for everyone.
        const std::string plugin = d.fault.substr(0, d.fault.find(':'));
        j.spec.hold = true;
        j.priority = 0;
        j.reason = "PluginFault(" + plugin + ")";
        plugin_faults.erase(j.id);
        store.put(j);
        spdlog::error("job={} held: plugin {} failed on it {} times in a row", j.id, plugin, kMaxPluginFaults);
        continue;
      }
    } else {
      plugin_faults.erase(j.id);
    }
    if (!j.spec.hold && j.reason != d.reason) {
      j.reason = d.reason;
      store.put(j);
    }
  }
  // The pass numbered its node copies after the live generation; move past all of them.
  nodes.changed();
  for (const auto& [fault, what] : faults)
    spdlog::error("plugin fault in this pass: {} ({} jobs, first job={})", fault, what.first, what.second);
}

void CtlState::node_down(Node& n, const std::string& why) {
  for (auto& [id, j] : jobs.all()) {
    if (j.state != JobState::Running && j.state != JobState::Completing) continue;
    if (std::ranges::any_of(j.alloc, [&](const NodeAlloc& a) { return a.node == n.name; }))
      handle(j, JobEvent(JobEventKind::NodeFailed));
  }
  nodes.changed();
  spdlog::warn("node={} down: {}", n.name, why);
  sched_needed = true;
}

}  // namespace sluice
