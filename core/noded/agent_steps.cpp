// Job steps inside an allocation, and what srun (or salloc) asks on a task's channel.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <sluice/launch.hpp>

#include "core/noded/agent.hpp"
#include "core/noded/step.hpp"

namespace sluice {

namespace {
Time now() { return static_cast<Time>(::time(nullptr)); }
}  // namespace

void Agent::launch_step(const Job& job, std::uint32_t step) {
  const std::pair key{job.id, step};
  if (steps_.count(key)) return;  // a resent launch
  auto owner = tasks_.find(job.id);
  StepContext ctx{name_,
                  cfg_->cluster_name,
                  spool_,
                  &self_,
                  launch_ ? dynamic_cast<LaunchPolicy*>(launch_->object.get()) : nullptr,
                  nullptr,
                  step,
                  owner != tasks_.end() ? owner->second.cgroup_procs : -1};
  Task t;
  t.job = job;
  t.started = now();
  if (!job.spec.io_endpoint.empty()) t.io = std::make_unique<StepIo>(ctx_, job.id, job.spec.io_endpoint, name_, now());
  std::string refused;
  if (owner == tasks_.end() || owner->second.exited) refused = "the allocation has no running process on " + name_;
  const PreparedStep prepared = refused.empty() ? prepare_step(job, ctx) : PreparedStep{};
  if (refused.empty()) refused = prepared.refused;
  const SpawnedStep spawned = refused.empty() ? spawn_step(job, prepared) : SpawnedStep{};
  t.cgroup_procs = prepared.cgroup_procs;
  t.pid = spawned.pid;
  if (t.io) t.io->attach(spawned.pid, spawned.out_fd, spawned.err_fd, spawned.in_fd, spawned.pty);
  Task& tr = steps_.emplace(key, std::move(t)).first->second;
  if (spawned.pid < 0) {
    const std::string why = !refused.empty() ? refused : spawned.error;
    spdlog::error("job={} step={} launch failed: {}", job.id, step, why);
    notice(tr, "sluiced: error: " + why + "\n");
    tr.exited = true;
    tr.status = 1 << 8;
    finish_step(key);
    return;
  }
  spdlog::info("job={} step={} launched pid={}", job.id, step, spawned.pid);
}

void Agent::finish_step(std::pair<std::uint64_t, std::uint32_t> key) {
  auto it = steps_.find(key);
  if (it == steps_.end()) return;
  Task& t = it->second;
  JobEnded end{key.first, 0, 0, false, t.pid < 0, {}, t.job.restarts};
  if (WIFEXITED(t.status)) end.exit_code = WEXITSTATUS(t.status);
  if (WIFSIGNALED(t.status)) end.signal = WTERMSIG(t.status);
  if (t.io) t.io->send_exit(end);
  if (t.cgroup_procs >= 0) ::close(t.cgroup_procs);  // the allocation's cgroup stays
  spdlog::info("job={} step={} ended exit={} signal={}", key.first, key.second, end.exit_code, end.signal);
  steps_.erase(it);
}

void Agent::signal_steps(std::uint64_t job, int sig, Time kill_at) {
  for (auto it = steps_.lower_bound({job, 0}); it != steps_.end() && it->first.first == job; ++it) {
    Task& t = it->second;
    if (t.exited || t.pid <= 0) continue;
    ::kill(-t.pid, SIGCONT);
    ::kill(-t.pid, sig);
    if (kill_at && !t.kill_at) t.kill_at = kill_at;
  }
}

void Agent::on_channel(Task& t, Time at) {
  StepIo& io = *t.io;
  if (io.take_terminate() && !t.exited) terminate(t, at);  // srun aborts the step
  if (io.released() >= 0 && t.released < 0 && !t.exited) {
    t.released = io.released();  // salloc's command ended: the allocation's holder goes
    ::kill(-t.pid, SIGKILL);
  }
  if (io.lost() && !io.lost_handled) {
    // Slurm ends a step whose srun is gone (killed, its terminal closed): as a hang-up.
    io.lost_handled = true;
    if (t.exited) return;
    spdlog::warn("job={} ends: {}", t.job.id, io.why());
    ::kill(-t.pid, SIGHUP);
    terminate(t, at);
  }
}

}  // namespace sluice
