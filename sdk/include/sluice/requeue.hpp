// Extension point "requeue": what a job's end means.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

enum class EndAction : std::uint8_t {
  Finalize,  // record the end state
  Requeue,   // back to pending with the same id, restart count + 1
  Hold,      // back to pending, held
};

struct RequeueDecision {
  EndAction action = EndAction::Finalize;
  bool pin_gpu_type = false;  // a requeued job keeps the GPU type it ran on
  Time delay = 0;             // seconds before it is eligible again
};

class RequeuePolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "requeue";
  // `ended` is the job as it ended (state: the end state it would get if finalized).
  virtual Status on_end(const JobView& ended, const ClusterView& cluster, RequeueDecision& out) = 0;
};

}  // namespace sluice
