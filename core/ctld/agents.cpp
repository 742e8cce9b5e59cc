// Node agents: registration (with reconciliation of the jobs each side knows), heartbeats, launch
// confirmations and end reports, and the once-a-second tick that notices silent nodes. Every
// body is decoded with its schema (core/proto/messages.hpp): a missing required field is refused
// (logged by the loop), never read as a default.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/ctld/gpus.hpp"
#include "core/ctld/handlers.hpp"
#include "core/proto/messages.hpp"

namespace sluice {

namespace {

bool runs_on(const Job& j, const std::string& node) {
  return std::ranges::any_of(j.alloc, [&](const NodeAlloc& a) { return a.node == node; });
}

// What an agent's end report means for the job.
JobEventKind end_event(const JobEnded& e) {
  if (e.timed_out) return JobEventKind::TimedOut;
  if (e.launch_failed || e.exit_code != 0 || e.signal != 0) return JobEventKind::Failed;
  return JobEventKind::Completed;
}

// An end report, acknowledged whether or not the job is still known.
void job_ended(CtlState& s, const std::string& node, const JobEnded& e) {
  s.out.to_node(node, std::string(AckEnd::kType), to_body(AckEnd{e.id, e.run}));
  Job* j = s.jobs.find(e.id);
  if (!j) return;
  if (e.run != j->restarts) {  // an earlier run of a requeued job, already accounted for
    spdlog::debug("job={} ignored the end of run {} (now run {})", e.id, e.run, j->restarts);
    return;
  }
  JobEvent ev(end_event(e));
  ev.exit_code = e.exit_code;
  ev.signal = e.signal;
  ev.launch_failed = e.launch_failed;
  ev.launch_error = e.launch_error;
  ev.from_node = node;
  s.handle(*j, ev);
}

}  // namespace

void on_register(CtlState& s, const Request& r, const Json& b) {
  const std::string& name = r.node;
  const Register reg = parse_body<Register>(b);
  Node& n = *s.nodes.find(name);
  const bool was_responding = n.responding;
  s.nodes.registered(name, reg.instance, s.now());
  n.boot_time = reg.boot_time;
  n.agent_start_time = reg.start_time;
  n.hostname = reg.hostname;
  n.addr = reg.addr;
  n.os = reg.os;
  n.arch = reg.arch;
  n.version = reg.version;
  // Jobs the agent runs that we consider finished (or never heard of): stop them.
  for (std::size_t i = 0; i < reg.running.size(); ++i) {
    const std::uint64_t id = reg.running[i];
    const Job* j = s.jobs.find(id);
    // The run the agent has (an older agent does not say: take it for the current one).
    const std::uint32_t run = i < reg.running_runs.size() ? reg.running_runs[i] : (j ? j->restarts : 0);
    if (!j || is_final(j->state) || j->state == JobState::Pending || run != j->restarts || !runs_on(*j, name)) {
      Kill orphan{id, SIGKILL, "orphan"};
      orphan.run = run;
      s.out.to_node(name, std::string(Kill::kType), to_body(orphan));
    } else if (j->state == JobState::Completing)
      s.jobs.send_kill(*j);                  // its kill may never have left (a controller restart): again; agents dedup
    else if (j->state == JobState::Running)  // a limit changed (scontrol update) while the agent was away
      s.out.to_node(name, std::string(SetTimeLimit::kType), to_body(SetTimeLimit{id, j->spec.time_limit}));
  }
  // Jobs we think run there that the agent does not know (in their current run).
  auto reported = [&](const Job& j) {
    for (std::size_t i = 0; i < reg.running.size(); ++i)
      if (reg.running[i] == j.id && (i >= reg.running_runs.size() || reg.running_runs[i] == j.restarts)) return true;
    return std::ranges::any_of(reg.finished, [&](const JobEnded& f) { return f.id == j.id && f.run == j.restarts; });
  };
  for (auto& [id, j] : s.jobs.all()) {
    if ((j.state != JobState::Running && j.state != JobState::Completing) || !runs_on(j, name) || reported(j)) continue;
    if (j.state == JobState::Running && !j.launched) {
      s.jobs.send_launch(j);  // never confirmed: launch again (agents ignore launches they have seen)
    } else {
      if (j.state == JobState::Running) spdlog::warn("job={} lost on node={} (agent restarted)", id, name);
      s.handle(j, JobEvent(JobEventKind::Lost));  // a COMPLETING job has nothing left to reap
    }
  }
  for (const auto& f : reg.finished) job_ended(s, name, f);
  // gpu_detect = "nvml": the inventory NVML found, or a drain; after the jobs the agent lost have
  // given their GPUs back.
  adopt_gpus(s, n, reg);
  s.out.to_node(name, std::string(Registered::kType), to_body(Registered{s.cfg->controller.heartbeat_interval}));
  spdlog::info("node={} registered instance={} ({}running={})", name, reg.instance, was_responding ? "" : "was down, ",
               reg.running.size());
  s.sched_needed = true;
}

void on_heartbeat(CtlState& s, const Request& r, const Json& b) {
  const Heartbeat hb = parse_body<Heartbeat>(b);
  if (!s.nodes.heartbeat_known(r.node, hb.instance)) {
    s.out.to_node(r.node, "reregister", Json::object());  // we restarted, or it was marked down
    return;
  }
  Node& n = *s.nodes.find(r.node);
  n.last_seen = s.now();
  n.cpu_load = hb.load;
  n.free_mem_mb = hb.free_mem_mb;
}

void on_job_started(CtlState& s, const Request& r, const Json& b) {
  const JobStarted started = parse_body<JobStarted>(b);
  Job* j = s.jobs.find(started.id);
  if (!j) return;
  if (started.run != j->restarts) {  // an earlier run started late (after its job was requeued): stop it
    Kill orphan{started.id, SIGKILL, "orphan"};
    orphan.run = started.run;
    s.out.to_node(r.node, std::string(Kill::kType), to_body(orphan));
    return;
  }
  JobEvent e(JobEventKind::LaunchConfirmed);
  e.stdout_path = started.stdout_path;
  e.stderr_path = started.stderr_path;
  e.from_node = r.node;
  s.handle(*j, e);
}

void on_job_ended(CtlState& s, const Request& r, const Json& b) { job_ended(s, r.node, parse_body<JobEnded>(b)); }

void tick(CtlState& s) {
  const Time now = s.now();
  if (s.plugin_trouble) s.sched_needed = true;                           // a plugin failed: try again once a second
  if (s.next_eligible && now >= s.next_eligible) s.sched_needed = true;  // a requeue delay is over
  for (const auto& name : s.nodes.expire(now, s.cfg->controller.node_timeout))
    s.node_down(*s.nodes.find(name),
                "not responding for more than " + std::to_string(s.cfg->controller.node_timeout) + "s");
  // Launches that were not confirmed (lost message, agent restarting): send again; agents dedup.
  for (auto& [id, j] : s.jobs.all())
    if (j.state == JobState::Running && !j.launched && now - j.start_time >= 3 && (now - j.start_time) % 3 == 0)
      s.jobs.send_launch(j);
  check_idle_gpus(s);
  // Finished jobs leave memory after min_job_age (they stay in the store for sacct).
  s.jobs.expire(now - s.cfg->controller.min_job_age);
}

}  // namespace sluice
