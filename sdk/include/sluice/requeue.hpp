// Extension point "requeue": what a job's end means (Slurm's --requeue, JobRequeue,
// MaxBatchRequeue). Asked once per run that ends PREEMPTED (in requeue mode), NODE_FAIL, TIMEOUT,
// FAILED or OUT_OF_MEMORY; a run that completed or was cancelled is simply final. Without a
// requeue plugin every end is final.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

enum class EndAction : std::uint8_t {
  Finalize,  // record the end state
  Requeue,   // back to PENDING under the same id, restart count + 1 (SLURM_RESTART_COUNT)
  Hold,      // back to PENDING under the same id, restart count + 1, held until scontrol release
};

// What a requeued job keeps of the run that ended, so that its checkpoint stays usable.
enum class RequeuePin : std::uint8_t {
  None,
  GpuType,  // an untyped GPU request becomes a request for the type the run had (--gres=gpu:TYPE:N)
  Node,     // the job asks for the node(s) the run had (-w)
};

struct RequeueDecision {
  EndAction action = EndAction::Finalize;
  RequeuePin pin = RequeuePin::None;
  Time delay = 0;             // Requeue/Hold: seconds before it is eligible again (reason BeginTime), >= 0
  bool append_output = true;  // Requeue/Hold: the next run appends to the job's output files
  std::string reason;         // Hold: the pending reason shown ("JobHoldMaxRequeue"); empty: "JobHeldAdmin"
};

class RequeuePolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "requeue";
  // `ended` is the job as its run ended: `state` is the final state it takes unless requeued,
  // `restarts` the runs requeued before this one, `spec.requeue` the user's --requeue/--no-requeue.
  virtual Status on_end(const JobView& ended, const ClusterView& cluster, RequeueDecision& out) = 0;
};

}  // namespace sluice
