// Node agents: registration (with reconciliation of the jobs each side knows), heartbeats, launch
// confirmations and end reports, and the once-a-second tick that notices silent nodes.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/ctld/handlers.hpp"

namespace sluice {

namespace {

bool runs_on(const Job& j, const std::string& node) {
  return std::ranges::any_of(j.alloc, [&](const NodeAlloc& a) { return a.node == node; });
}

// What an agent's end report means for the job.
JobEventKind end_event(const Json& b) {
  if (b.value("timed_out", false)) return JobEventKind::TimedOut;
  if (b.value("launch_failed", false) || b.value("exit_code", 0) != 0 || b.value("signal", 0) != 0)
    return JobEventKind::Failed;
  return JobEventKind::Completed;
}

}  // namespace

void on_register(CtlState& s, const Request& r, const Json& b) {
  const std::string& name = r.node;
  Node& n = *s.nodes.find(name);
  const std::string inst = b.value("instance", std::string());
  const bool was_responding = n.responding;
  s.nodes.registered(name, inst, s.now());
  n.boot_time = b.value("boot_time", Time{0});
  n.agent_start_time = b.value("start_time", Time{0});
  n.hostname = b.value("hostname", std::string());
  n.addr = b.value("addr", std::string());
  n.os = b.value("os", std::string());
  n.arch = b.value("arch", std::string());
  n.version = b.value("version", std::string());
  const auto running = b.value("running", std::vector<std::uint64_t>{});
  // Jobs the agent runs that we consider finished (or never heard of): stop them.
  for (auto id : running) {
    const Job* j = s.jobs.find(id);
    if (!j || is_final(j->state)) s.out.to_node(name, "kill", {{"id", id}, {"signal", SIGKILL}, {"reason", "orphan"}});
  }
  // Jobs we think run there that the agent does not know.
  std::vector<std::uint64_t> finished;
  for (const auto& f : b.value("finished", Json::array())) finished.push_back(f.value("id", std::uint64_t{0}));
  for (auto& [id, j] : s.jobs.all()) {
    if ((j.state != JobState::Running && j.state != JobState::Completing) || !runs_on(j, name)) continue;
    if (std::ranges::find(running, id) != running.end() || std::ranges::find(finished, id) != finished.end()) continue;
    if (j.state == JobState::Running && !j.launched) {
      s.jobs.send_launch(j);  // never confirmed: launch again (agents ignore launches they have seen)
    } else {
      if (j.state == JobState::Running) spdlog::warn("job={} lost on node={} (agent restarted)", id, name);
      s.handle(j, JobEvent(JobEventKind::Lost));  // a COMPLETING job has nothing left to reap
    }
  }
  for (const auto& f : b.value("finished", Json::array())) on_job_ended(s, r, f);
  s.out.to_node(name, "registered", {{"heartbeat_interval", s.cfg->controller.heartbeat_interval}});
  spdlog::info("node={} registered instance={} ({}running={})", name, inst, was_responding ? "" : "was down, ",
               running.size());
  s.sched_needed = true;
}

void on_heartbeat(CtlState& s, const Request& r, const Json& b) {
  if (!s.nodes.heartbeat_known(r.node, b.value("instance", std::string()))) {
    s.out.to_node(r.node, "reregister", Json::object());  // we restarted, or it was marked down
    return;
  }
  Node& n = *s.nodes.find(r.node);
  n.last_seen = s.now();
  n.cpu_load = b.value("load", 0.0);
  n.free_mem_mb = b.value("free_mem_mb", std::uint64_t{0});
}

void on_job_started(CtlState& s, const Request& r, const Json& b) {
  Job* j = s.jobs.find(b.at("id").get<std::uint64_t>());
  if (!j) return;
  JobEvent e(JobEventKind::LaunchConfirmed);
  e.stdout_path = b.value("stdout", std::string());
  e.stderr_path = b.value("stderr", std::string());
  e.from_node = r.node;
  s.handle(*j, e);
}

void on_job_ended(CtlState& s, const Request& r, const Json& b) {
  const auto id = b.at("id").get<std::uint64_t>();
  s.out.to_node(r.node, "ack_end", {{"id", id}});
  Job* j = s.jobs.find(id);
  if (!j) return;
  JobEvent e(end_event(b));
  e.exit_code = b.value("exit_code", 0);
  e.signal = b.value("signal", 0);
  e.from_node = r.node;
  s.handle(*j, e);
}

void tick(CtlState& s) {
  const Time now = s.now();
  if (s.plugin_trouble) s.sched_needed = true;  // a plugin failed: try again once a second
  for (const auto& name : s.nodes.expire(now, s.cfg->controller.node_timeout))
    s.node_down(*s.nodes.find(name),
                "not responding for more than " + std::to_string(s.cfg->controller.node_timeout) + "s");
  // Launches that were not confirmed (lost message, agent restarting): send again; agents dedup.
  for (auto& [id, j] : s.jobs.all())
    if (j.state == JobState::Running && !j.launched && now - j.start_time >= 3 && (now - j.start_time) % 3 == 0)
      s.jobs.send_launch(j);
  // Finished jobs leave memory after min_job_age (they stay in the store for sacct).
  s.jobs.expire(now - s.cfg->controller.min_job_age);
}

}  // namespace sluice
