// Extension point "preempt": which running jobs to stop so that a pending job can start (Slurm's
// PreemptType, preempt/partition_prio). The core asks only for a pending job the select policy
// could not place, and only about running jobs no earlier decision of the same pass already stops.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

// One job to stop. The core sends it its warning signal (the job's --signal, else SIGTERM; with
// "B:" to the batch shell only), waits `grace` seconds, then kills it as scancel does (SIGTERM,
// SIGKILL after the controller's kill_wait).
struct PreemptVictim {
  std::uint64_t job = 0;
  // Requeue: the requeue policy decides what the stopped job becomes (back to PENDING under the
  // same id, or PREEMPTED when it may not be requeued). Cancel: it ends PREEMPTED. Off is invalid.
  PreemptMode mode = PreemptMode::Requeue;
  Time grace = 0;  // seconds between the warning signal and the kill, >= 0
};

struct PreemptDecision {
  std::vector<PreemptVictim> victims;  // the running jobs to stop, each once
};

class PreemptPolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "preempt";
  // `pending` could not be placed on `cluster` as it is. `running`: the RUNNING jobs that may be
  // stopped (each holds its allocation in `cluster`). Answer Ok with the smallest set of victims
  // whose resources let `pending` start, or Unschedulable (with a reason) and no victims when no
  // set would help. The core checks the answer: each victim running and listed once, a valid
  // mode and grace, and a placement for `pending` once the victims' allocations are released;
  // a set that fails any check stops nobody.
  virtual Status victims(const JobView& pending, const std::vector<const JobView*>& running, const ClusterView& cluster,
                         PreemptDecision& out) = 0;
};

}  // namespace sluice
