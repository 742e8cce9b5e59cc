#include "core/ctld/jobs.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <sluice/ledger.hpp>

#include "core/ctld/nodes.hpp"
#include "core/ctld/outbox.hpp"
#include "core/ctld/store.hpp"
#include "core/proto/messages.hpp"
#include "core/util/time_math.hpp"

namespace sluice {

namespace {

using S = JobState;
using E = JobEventKind;

constexpr std::uint16_t kEnd = kRelease | kPersist | kReschedule | kEnded;

// (state, event) -> (state, actions). Anything not listed is ignored.
const std::vector<Transition> kTable = {
    {S::Pending, E::Placed, S::Running, kAllocate | kLaunch | kPersist},
    {S::Pending, E::Cancelled, S::Cancelled, kPersist | kReschedule | kEnded},
    {S::Running, E::LaunchConfirmed, S::Running, kPersist},
    {S::Running, E::Completed, S::Completed, kEnd},
    {S::Running, E::Failed, S::Failed, kEnd},
    {S::Running, E::TimedOut, S::Timeout, kEnd},
    {S::Running, E::Cancelled, S::Completing, kKill | kPersist},
    {S::Running, E::NodeFailed, S::NodeFail, kKill | kEnd},
    {S::Running, E::Lost, S::NodeFail, kEnd},
    {S::Running, E::Preempted, S::Completing, kPreemptKill | kPersist},
    {S::Running, E::Requeue, S::Completing, kKill | kPersist},
    // scancel of a job being preempted or requeued (in its grace time): it ends CANCELLED instead.
    {S::Completing, E::Cancelled, S::Completing, kKill | kPersist},
    // A COMPLETING job ends as decided when it entered COMPLETING, whatever its processes report.
    {S::Completing, E::Completed, S::Completing, kEnd, true},
    {S::Completing, E::Failed, S::Completing, kEnd, true},
    {S::Completing, E::TimedOut, S::Completing, kEnd, true},
    {S::Completing, E::NodeFailed, S::Completing, kEnd, true},
    {S::Completing, E::Lost, S::Completing, kEnd, true},
    // An agent confirms a launch of a job that has ended meanwhile: stop it there.
    {S::Completed, E::LaunchConfirmed, S::Completed, kKillOrphan},
    {S::Failed, E::LaunchConfirmed, S::Failed, kKillOrphan},
    {S::Cancelled, E::LaunchConfirmed, S::Cancelled, kKillOrphan},
    {S::Timeout, E::LaunchConfirmed, S::Timeout, kKillOrphan},
    {S::NodeFail, E::LaunchConfirmed, S::NodeFail, kKillOrphan},
    {S::Preempted, E::LaunchConfirmed, S::Preempted, kKillOrphan},
    {S::OutOfMemory, E::LaunchConfirmed, S::OutOfMemory, kKillOrphan},
    // scontrol requeue of a job that has ended (and is still known here).
    {S::Completed, E::Requeue, S::Pending, kRequeue | kPersist | kReschedule},
    {S::Failed, E::Requeue, S::Pending, kRequeue | kPersist | kReschedule},
    {S::Cancelled, E::Requeue, S::Pending, kRequeue | kPersist | kReschedule},
    {S::Timeout, E::Requeue, S::Pending, kRequeue | kPersist | kReschedule},
    {S::NodeFail, E::Requeue, S::Pending, kRequeue | kPersist | kReschedule},
    {S::Preempted, E::Requeue, S::Pending, kRequeue | kPersist | kReschedule},
    {S::OutOfMemory, E::Requeue, S::Pending, kRequeue | kPersist | kReschedule},
};

Time wall_now() { return static_cast<Time>(::time(nullptr)); }

Time grace_of(const Job& j) { return j.preempt_grace; }

}  // namespace

const char* event_name(JobEventKind k) {
  static constexpr const char* kNames[] = {"placed",    "launch_confirmed", "completed", "failed",    "timed_out",
                                           "cancelled", "node_failed",      "lost",      "preempted", "requeue"};
  return kNames[static_cast<int>(k)];
}

const std::vector<Transition>& transition_table() { return kTable; }

std::optional<Transition> transition(JobState from, JobEventKind event) {
  for (const auto& t : kTable)
    if (t.from == from && t.event == event) return t;
  return std::nullopt;
}

std::uint32_t base_priority(std::uint64_t id) {
  return static_cast<std::uint32_t>(std::max<std::int64_t>(1, 4294901760LL - static_cast<std::int64_t>(id)) &
                                    0xffffffff);
}

void Jobs::load(Time since) {
  for (auto& j : store_.load_jobs(since)) {
    const std::uint64_t id = j.id;
    jobs_.emplace(id, std::move(j));
  }
  next_id_ = store_.max_job_id() + 1;
}

Job* Jobs::find(std::uint64_t id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

std::vector<const Job*> Jobs::holding() const {
  std::vector<const Job*> out;
  for (const auto& [id, j] : jobs_)
    if (j.state == S::Running || j.state == S::Completing) out.push_back(&j);
  return out;
}

Job& Jobs::submit(Job j) {
  j.id = next_id_++;
  j.state = S::Pending;
  j.priority = j.spec.hold ? 0 : base_priority(j.id);
  if (j.spec.hold) j.reason = "JobHeldUser";
  store_.put(j);
  reschedule = true;
  spdlog::debug("submit job={} user={} partition={}", j.id, j.user, j.spec.partition);
  return jobs_.emplace(j.id, std::move(j)).first->second;
}

void Jobs::send_launch(const Job& j) {
  out_.to_node(j.alloc.front().node, std::string(Launch::kType), to_body(Launch{j, kill_wait_}));
}

void Jobs::send_kill(const Job& j) {
  Kill k{j.id, SIGTERM, "cancel"};
  if (j.end_state == S::Preempted && j.preempt_mode != PreemptMode::Off) {
    k.reason = "preempt";
    k.signal = j.spec.signal.number ? j.spec.signal.number : SIGTERM;
    k.batch_only = j.spec.signal.number && j.spec.signal.batch_only;
    k.grace = std::max<Time>(0, add_seconds(j.preempt_time, grace_of(j)) - wall_now());
  } else if (j.end_state == S::Requeued) {
    k.reason = "requeue";
  }
  for (const auto& a : j.alloc) out_.to_node(a.node, std::string(Kill::kType), to_body(k));
}

void Jobs::requeue(Job& j, const RequeueDecision& d, JobState run_end, Time now, bool stopped) {
  // The run that ended, as sacct -D lists it.
  Job run = j;
  run.state = run_end;
  run.end_state = run_end;
  store_.put_run(run);
  // Slurm: a job requeued from a run it was stopped in shows ExitCode 0:0; a finished job that is
  // requeued keeps its last exit code.
  if (stopped) j.exit_code = j.term_signal = 0;
  // What the next run keeps of this one.
  if (d.pin == RequeuePin::GpuType && j.spec.gpu_type.empty()) {
    for (const auto& a : j.alloc) {
      const Node* n = nodes_.find(a.node);
      if (!n || a.gpus.empty()) continue;
      if (std::size_t slot = gpu_slot(*n, a.gpus.front()); slot < n->gpus.size()) j.spec.gpu_type = n->gpus[slot].type;
      break;
    }
  } else if (d.pin == RequeuePin::Node && !j.alloc.empty()) {
    std::string names;
    for (const auto& a : j.alloc) names += (names.empty() ? "" : ",") + a.node;
    j.spec.nodelist = names;
  }
  if (d.append_output) j.spec.open_append = true;
  ++j.restarts;
  j.state = S::Pending;
  j.end_state = S::Pending;
  j.alloc.clear();
  j.launched = false;
  j.gpu_usage.clear();
  j.system_comment.clear();  // about the run that ended
  j.gpu_idle_since = 0;
  j.gpu_idle_flagged = false;
  j.preempt_mode = PreemptMode::Off;
  j.preempted_for = 0;
  j.preempt_time = 0;
  j.requeue_hold = false;
  j.start_time = 0;
  j.end_time = 0;
  // Slurm: a requeued job is submitted anew (SubmitTime), eligible after the requeue delay.
  j.submit_time = now;
  j.eligible_time = now + std::max<Time>(0, d.delay);
  if (d.action == EndAction::Hold) {
    j.spec.hold = true;
    j.priority = 0;
    j.reason = d.reason.empty() ? "JobHeldAdmin" : d.reason;
  } else {
    j.priority = base_priority(j.id);
    j.reason = j.eligible_time > now ? "BeginTime" : "None";
  }
  spdlog::info("job={} requeued (run {} ended {}){}", j.id, j.restarts, state_name(run_end),
               d.action == EndAction::Hold ? ", held: " + j.reason : "");
}

bool Jobs::handle(Job& j, const JobEvent& e) {
  const auto t = transition(j.state, e.kind);
  if (!t) {
    spdlog::debug("job={} ignored event {} in state {}", j.id, event_name(e.kind), state_name(j.state));
    return false;
  }
  // Only a job being preempted or requeued may still be cancelled while COMPLETING (the row is
  // per state; the end it is heading for decides).
  if (e.kind == E::Cancelled && j.state == S::Completing && j.end_state != S::Preempted && j.end_state != S::Requeued)
    return false;
  const Time now = wall_now();
  // The event's facts.
  switch (e.kind) {
    case E::Placed:
      j.alloc = e.alloc;
      j.reason = "None";
      j.start_time = now;
      j.launched = false;
      break;
    case E::LaunchConfirmed:
      if (j.state == S::Running) {
        j.launched = true;
        j.stdout_path = e.stdout_path;
        j.stderr_path = e.stderr_path;
      }
      break;
    case E::Completed:
    case E::Failed:
    case E::TimedOut:
      j.exit_code = e.exit_code;
      j.term_signal = e.signal;
      if (e.launch_failed) {  // it never ran: not the script's fault (Slurm's JobLaunchFailure)
        j.reason = "JobLaunchFailure";
        j.system_comment = e.launch_error;
      }
      break;
    case E::Cancelled:
      if (j.state == S::Running) j.term_signal = SIGTERM;
      j.end_state = S::Cancelled;
      break;
    case E::Preempted:
      j.end_state = S::Preempted;
      j.preempt_mode = e.preempt.mode;
      j.preempt_grace = e.preempt.grace;
      j.preempted_for = e.preempted_for;
      j.preempt_time = now;
      break;
    case E::Requeue:
      if (j.state == S::Running) {
        j.term_signal = SIGTERM;
        j.end_state = S::Requeued;
        j.requeue_hold = e.hold;
      }
      break;
    case E::NodeFailed:
    case E::Lost: break;
  }
  const JobState to = t->to_end_state ? j.end_state : t->to;
  const JobState was = j.state;
  if (j.state == S::Pending && is_final(to)) j.start_time = 0;  // a pending job's StartTime was an estimate
  // A job's end time is when its end was decided: entering COMPLETING, or a final state directly.
  if ((to == S::Completing || is_final(to)) && (j.state == S::Pending || j.state == S::Running)) j.end_time = now;
  if (to == JobState::Failed && j.reason == "None") j.reason = "NonZeroExitCode";
  if (to == S::Timeout && j.state != S::Timeout) j.reason = "TimeLimit";
  if (to == S::Preempted && j.state != S::Preempted) j.reason = "Preempted by job " + std::to_string(j.preempted_for);
  j.state = to;

  // Its side effects.
  if (t->actions & kAllocate) {
    if (std::string why = nodes_.take(j.alloc, now); !why.empty()) {
      // The scheduler checked the placement on a copy of these nodes; a mismatch is a bug.
      spdlog::error("job={} placement no longer fits: {}", j.id, why);
    }
  }
  if (t->actions & kLaunch) send_launch(j);
  if (t->actions & kKill) {
    const int sig = e.kind == E::NodeFailed ? SIGKILL : SIGTERM;
    const char* why = e.kind == E::NodeFailed ? "node_fail" : e.kind == E::Requeue ? "requeue" : "cancel";
    for (const auto& a : j.alloc) out_.to_node(a.node, std::string(Kill::kType), to_body(Kill{j.id, sig, why}));
  }
  if (t->actions & kPreemptKill) {
    send_kill(j);
    spdlog::info("job={} preempted for job={}: mode={} grace={}s", j.id, j.preempted_for,
                 j.preempt_mode == PreemptMode::Cancel ? "cancel" : "requeue", j.preempt_grace);
  }
  if (t->actions & kKillOrphan && !e.from_node.empty())
    out_.to_node(e.from_node, std::string(Kill::kType), to_body(Kill{j.id, SIGKILL, "orphan"}));
  if (t->actions & kRelease) nodes_.give_back(j.alloc, now);
  const bool requeued = (t->actions & kEnded && e.end.action != EndAction::Finalize) || t->actions & kRequeue;
  if (t->actions & kEnded && !requeued)
    spdlog::info("job={} ended state={} exit={}:{}", j.id, state_name(j.state), j.exit_code, j.term_signal);
  if (requeued) {
    RequeueDecision d = e.end;
    if (t->actions & kRequeue)
      d = {e.hold ? EndAction::Hold : EndAction::Requeue, RequeuePin::None, 0, true, e.hold ? kRequeuedHeld : ""};
    requeue(j, d, (t->actions & kRequeue) ? was : j.state, now, !(t->actions & kRequeue));
  }
  if (t->actions & kPersist) store_.put(j);
  if (t->actions & kReschedule) reschedule = true;
  return true;
}

std::optional<JobState> Jobs::state_of(std::uint64_t id) {
  if (const Job* j = find(id)) return j->state;
  if (auto it = settled_.find(id); it != settled_.end()) return it->second;
  auto stored = store_.get_job(id);
  if (!stored) return std::nullopt;
  settled_.emplace(id, stored->state);
  return stored->state;
}

void Jobs::expire(Time before) {
  std::erase_if(jobs_, [&](const auto& kv) { return is_final(kv.second.state) && kv.second.end_time < before; });
}

}  // namespace sluice
