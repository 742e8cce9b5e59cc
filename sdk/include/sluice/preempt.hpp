// Extension point "preempt": which running jobs to stop so that a pending job can start.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

struct PreemptDecision {
  std::vector<std::uint64_t> victims;  // running jobs to stop, in order
  PreemptMode mode = PreemptMode::Requeue;
  Time grace = 0;   // seconds between the warning signal and the kill
  int signal = 15;  // sent first (SIGTERM); a checkpointing job may ask for another
};

class PreemptPolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "preempt";
  // Ok with victims: stop them, then `pending` can run. Unschedulable: nothing worth stopping.
  virtual Status victims(const JobView& pending, const std::vector<const JobView*>& running, const ClusterView& cluster,
                         PreemptDecision& out) = 0;
};

}  // namespace sluice
