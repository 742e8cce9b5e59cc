#include "core/ctld/jobs.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "core/ctld/nodes.hpp"
#include "core/ctld/outbox.hpp"
#include "core/ctld/store.hpp"
#include "core/proto/messages.hpp"

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
};

Time wall_now() { return static_cast<Time>(::time(nullptr)); }

}  // namespace

const char* event_name(JobEventKind k) {
  static constexpr const char* kNames[] = {"placed",    "launch_confirmed", "completed",   "failed",
                                           "timed_out", "cancelled",        "node_failed", "lost"};
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

bool Jobs::handle(Job& j, const JobEvent& e) {
  const auto t = transition(j.state, e.kind);
  if (!t) {
    spdlog::debug("job={} ignored event {} in state {}", j.id, event_name(e.kind), state_name(j.state));
    return false;
  }
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
      break;
    case E::Cancelled:
      if (j.state == S::Running) j.term_signal = SIGTERM;
      j.end_state = S::Cancelled;
      break;
    case E::NodeFailed:
    case E::Lost: break;
  }
  const JobState to = t->to_end_state ? j.end_state : t->to;
  // A job's end time is when its end was decided: entering COMPLETING, or a final state directly.
  if ((to == S::Completing || is_final(to)) && (j.state == S::Pending || j.state == S::Running)) j.end_time = now;
  if (to == JobState::Failed && j.reason == "None") j.reason = "NonZeroExitCode";
  if (to == S::Timeout && j.state != S::Timeout) j.reason = "TimeLimit";
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
    const char* why = e.kind == E::NodeFailed ? "node_fail" : "cancel";
    for (const auto& a : j.alloc) out_.to_node(a.node, std::string(Kill::kType), to_body(Kill{j.id, sig, why}));
  }
  if (t->actions & kKillOrphan && !e.from_node.empty())
    out_.to_node(e.from_node, std::string(Kill::kType), to_body(Kill{j.id, SIGKILL, "orphan"}));
  if (t->actions & kRelease) nodes_.give_back(j.alloc, now);
  if (t->actions & kPersist) store_.put(j);
  if (t->actions & kReschedule) reschedule = true;
  if (t->actions & kEnded)
    spdlog::info("job={} ended state={} exit={}:{}", j.id, state_name(j.state), j.exit_code, j.term_signal);
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
