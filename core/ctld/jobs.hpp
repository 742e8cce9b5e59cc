// A job's life. Handlers and ticks only say what happened to a job (a JobEvent); transition()
// is the one table that says what that means for its state and which side effects follow, and
// Jobs::handle is the one place that applies it: job fields, the allocation ledger, kills and
// launches to node agents, persistence.
//
//   PENDING --placed--> RUNNING --completed/failed/timed out--> COMPLETED / FAILED / TIMEOUT
//      |                   |--cancelled--> COMPLETING (end_state CANCELLED) --reaped--> CANCELLED
//      |                   |--preempted--> COMPLETING (end_state PREEMPTED) --reaped--> PREEMPTED
//      |                   |--requeue----> COMPLETING (end_state REQUEUED)  --reaped--> (requeued)
//      +--cancelled--> CANCELLED        +--node failed / lost--> NODE_FAIL
//   final state --requeue (scontrol requeue)--> PENDING
//
// Every end (a row with kEnded) carries an end decision (JobEvent::end, from the requeue policy;
// CtlState::handle asks it): Requeue or Hold records the run that ended (sacct -D) and returns the
// job to PENDING under the same id with its restart count + 1, instead of the final state.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <sluice/model.hpp>
#include <sluice/preempt.hpp>
#include <sluice/requeue.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/job.hpp"

namespace sluice {

class Store;
class Nodes;
class Outbox;

// The pending reason of a job requeued in held state (scontrol requeuehold), as Slurm words it.
inline constexpr const char* kRequeuedHeld = "job requeued in held state";

// What happened to a job.
enum class JobEventKind : std::uint8_t {
  Placed,           // the scheduling pass gave it resources (JobEvent::alloc)
  LaunchConfirmed,  // its node agent started it (output paths)
  Completed,        // its node agent reaped it: exit code 0, no signal
  Failed,           // ... non-zero exit code, a signal, or the launch failed
  TimedOut,         // ... after its time limit fired
  Cancelled,        // scancel: kill it (if running) and end it CANCELLED
  NodeFailed,       // a node it runs on went DOWN
  Lost,             // its node agent restarted without it, or lost it while it was completing
  Preempted,        // the scheduling pass stops it for a pending job (JobEvent::preempt)
  Requeue,          // scontrol requeue/requeuehold (JobEvent::hold)
};
const char* event_name(JobEventKind k);

struct JobEvent {
  explicit JobEvent(JobEventKind k) : kind(k) {}
  JobEventKind kind;
  std::vector<NodeAlloc> alloc;          // Placed
  std::string stdout_path, stderr_path;  // LaunchConfirmed
  int exit_code = 0, signal = 0;         // Completed/Failed/TimedOut: the end report
  bool launch_failed = false;            // Failed: the step never ran (reason JobLaunchFailure)
  std::string launch_error;              // Failed with launch_failed: why (the job's system comment)
  std::string from_node;                 // the agent that reported it (LaunchConfirmed, ends)
  PreemptVictim preempt;                 // Preempted: mode and grace (preempt.job unused)
  std::uint64_t preempted_for = 0;       // Preempted: the pending job it is stopped for
  bool hold = false;                     // Requeue: requeuehold
  RequeueDecision end;                   // ends (rows with kEnded): Finalize, or how it is requeued
};

// Side effects of a transition, as bits.
enum JobAction : std::uint16_t {
  kPersist = 1 << 0,      // write the job row (before any reply leaves)
  kAllocate = 1 << 1,     // take job.alloc in the node ledger
  kLaunch = 1 << 2,       // send the launch to the job's first node
  kKill = 1 << 3,         // send SIGTERM (SIGKILL for node failures) to every node of the job
  kRelease = 1 << 4,      // give job.alloc back to the ledger
  kKillOrphan = 1 << 5,   // the reporting agent runs a job that has ended: SIGKILL it there
  kReschedule = 1 << 6,   // resources or dependencies changed: a pass is owed
  kEnded = 1 << 7,        // the job reached a final state (logged, counted), unless requeued
  kPreemptKill = 1 << 8,  // send the preemption warning (--signal or SIGTERM) and grace to every node
  kRequeue = 1 << 9,      // back to PENDING under the same id (a finished job requeued)
};

// Where an event takes a job. `end_state`: the state the job's end_state names (a COMPLETING
// job's final state); `same`: the state does not change.
struct Transition {
  JobState from;
  JobEventKind event;
  JobState to;
  std::uint16_t actions;
  bool to_end_state = false;
};

// The row of the transition table for (from, event); nullopt when the event means nothing in that
// state (a duplicate end report, a cancel of a finished job), which callers ignore.
std::optional<Transition> transition(JobState from, JobEventKind event);
// Every row, for tests and documentation.
const std::vector<Transition>& transition_table();

// The job table: active jobs and recently finished ones, by id.
class Jobs {
 public:
  Jobs(Store& store, Nodes& nodes, Outbox& out) : store_(store), nodes_(nodes), out_(out) {}

  // Recovers jobs from the store: every job not final, plus those ended at or after `since`.
  void load(Time since);
  Job* find(std::uint64_t id);
  std::map<std::uint64_t, Job>& all() { return jobs_; }
  const std::map<std::uint64_t, Job>& all() const { return jobs_; }
  // Jobs that hold resources: RUNNING and COMPLETING.
  std::vector<const Job*> holding() const;

  // Takes a new, admitted job: gives it the next id and a priority and persists it.
  Job& submit(Job j);

  // Applies `e` to `j`: its state through transition(), its fields, and every side effect.
  // Returns false (and changes nothing) when the event does not apply in j's state.
  bool handle(Job& j, const JobEvent& e);

  // A dependency's state: in memory, or the final state of a job that left memory (read from the
  // store once and remembered). nullopt for an unknown job.
  std::optional<JobState> state_of(std::uint64_t id);
  // Forgets final jobs that ended before `before` (they stay in the store for sacct).
  void expire(Time before);

  // Launch message for a running job, with the time an agent waits between SIGTERM and SIGKILL.
  void send_launch(const Job& j);
  // The kill a COMPLETING job's nodes should have had (resent after an agent re-registers).
  void send_kill(const Job& j);
  void set_kill_wait(Time seconds) { kill_wait_ = seconds; }
  // Set by handle() when a pass is owed; the loop clears it.
  bool reschedule = false;

 private:
  Store& store_;
  Nodes& nodes_;
  Outbox& out_;
  // Back to PENDING under the same id, as `d` says; `run_end` is how the run ended (recorded);
  // `stopped`: the run was ended by its requeue decision (its exit code is not the job's).
  void requeue(Job& j, const RequeueDecision& d, JobState run_end, Time now, bool stopped);
  Time kill_wait_ = 30;
  std::map<std::uint64_t, Job> jobs_;
  std::unordered_map<std::uint64_t, JobState> settled_;
  std::uint64_t next_id_ = 1;
};

// Slurm's priority for a job: older jobs first; 0 while held.
std::uint32_t base_priority(std::uint64_t id);

}  // namespace sluice
