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
  const auto t = transition(j.state, e.kind);
  bool applied = false;
  if (t && (t->actions & kEnded)) {
    JobEvent ended = e;
    ended.end = end_decision(j, t->to_end_state ? j.end_state : t->to, e);
    applied = jobs.handle(j, ended);
  } else {
    applied = jobs.handle(j, e);
  }
  if (jobs.reschedule) sched_needed = true, jobs.reschedule = false;
  if (applied && j.state != JobState::Running) next_step.erase(j.id);  // its steps are gone with its run
  return applied;
}

RequeueDecision CtlState::end_decision(const Job& j, JobState final_state, const JobEvent& e) {
  RequeueDecision d;
  if (final_state == JobState::Requeued) {  // scontrol requeue / requeuehold of a running job
    d.action = j.requeue_hold ? EndAction::Hold : EndAction::Requeue;
    if (j.requeue_hold) d.reason = kRequeuedHeld;
    return d;
  }
  if (final_state == JobState::Completed || final_state == JobState::Cancelled) return d;
  if (final_state == JobState::Preempted && j.preempt_mode != PreemptMode::Requeue) return d;
  if (!plugins->requeue()) return d;
  JobView ended = j;  // the plugin sees the run as it ended
  ended.state = final_state;
  if (e.kind == JobEventKind::Completed || e.kind == JobEventKind::Failed || e.kind == JobEventKind::TimedOut) {
    ended.exit_code = e.exit_code;
    ended.term_signal = e.signal;
  }
  const Status st = plugins->on_end(ended, view(), d);
  std::string why;
  if (st.code == Code::Error)
    why = st.message;
  else if (d.delay < 0)
    why = "negative requeue delay";
  else if (d.action != EndAction::Finalize && d.action != EndAction::Requeue && d.action != EndAction::Hold)
    why = "unknown end action";
  if (!why.empty()) {
    spdlog::error("job={} ends {}: requeue policy failed: {}", j.id, state_name(final_state), why);
    return {};
  }
  return d;
}

PreemptionFacts CtlState::preemption_facts() const {
  PreemptionFacts facts;
  for (const auto& [id, j] : jobs.all()) {
    if (j.state == JobState::Running) facts.running.push_back(&j);
    if (j.state == JobState::Completing && j.preempted_for) facts.stopping[j.preempted_for].push_back(&j);
  }
  return facts;
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
  next_eligible = 0;
  const Time t = now();
  for (const auto& [id, j] : jobs.all()) {
    if (j.state != JobState::Pending) continue;
    pending.push_back(&j);
    if (j.eligible_time > t && (!next_eligible || j.eligible_time < next_eligible)) next_eligible = j.eligible_time;
  }
  if (pending.empty()) return;
  std::vector<Node> copy = nodes.all();
  const PreemptionFacts preemption = preemption_facts();
  const BackfillFacts backfill{jobs.holding()};
  const auto decisions = schedule_pass(pending, copy, partitions, *plugins, dependency_facts(), nodes.generation(),
                                       now(), &preemption, &backfill);

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
    for (const auto& v : d.preempt) {
      Job* victim = jobs.find(v.job);
      if (!victim) continue;
      JobEvent e(JobEventKind::Preempted);
      e.preempt = v;
      e.preempted_for = j.id;
      handle(*victim, e);
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
    j.start_time = d.expected_start;  // a pending job's StartTime is its expected start (derived, not stored)
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
