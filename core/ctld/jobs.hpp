// A job's life. Handlers and ticks only say what happened to a job (a JobEvent); transition()
// is the one table that says what that means for its state and which side effects follow, and
// Jobs::handle is the one place that applies it: job fields, the allocation ledger, kills and
// launches to node agents, persistence.
//
//   PENDING --placed--> RUNNING --completed/failed/timed out--> COMPLETED / FAILED / TIMEOUT
//      |                   |--cancelled--> COMPLETING (end_state CANCELLED) --reaped--> CANCELLED
//      +--cancelled--> CANCELLED        +--node failed / lost--> NODE_FAIL
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/job.hpp"

namespace sluice {

class Store;
class Nodes;
class Outbox;

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
};
const char* event_name(JobEventKind k);

struct JobEvent {
  explicit JobEvent(JobEventKind k) : kind(k) {}
  JobEventKind kind;
  std::vector<NodeAlloc> alloc;          // Placed
  std::string stdout_path, stderr_path;  // LaunchConfirmed
  int exit_code = 0, signal = 0;         // Completed/Failed/TimedOut: the end report
  std::string from_node;                 // the agent that reported it (LaunchConfirmed, ends)
};

// Side effects of a transition, as bits.
enum JobAction : std::uint16_t {
  kPersist = 1 << 0,     // write the job row (before any reply leaves)
  kAllocate = 1 << 1,    // take job.alloc in the node ledger
  kLaunch = 1 << 2,      // send the launch to the job's first node
  kKill = 1 << 3,        // send SIGTERM (SIGKILL for node failures) to every node of the job
  kRelease = 1 << 4,     // give job.alloc back to the ledger
  kKillOrphan = 1 << 5,  // the reporting agent runs a job that has ended: SIGKILL it there
  kReschedule = 1 << 6,  // resources or dependencies changed: a pass is owed
  kEnded = 1 << 7,       // the job reached a final state (logged, counted)
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
  void set_kill_wait(Time seconds) { kill_wait_ = seconds; }
  // Set by handle() when a pass is owed; the loop clears it.
  bool reschedule = false;

 private:
  Store& store_;
  Nodes& nodes_;
  Outbox& out_;
  Time kill_wait_ = 30;
  std::map<std::uint64_t, Job> jobs_;
  std::unordered_map<std::uint64_t, JobState> settled_;
  std::uint64_t next_id_ = 1;
};

// Slurm's priority for a job: older jobs first; 0 while held.
std::uint32_t base_priority(std::uint64_t id);

}  // namespace sluice
