// Extension point "partition": admit, route and normalise submissions; gate pending jobs.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

class PartitionPolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "partition";
  // At submission: pick the partition, fill defaults (time limit), or reject for good
  // (Reject with a Slurm-style message such as "Invalid partition name specified").
  virtual Status admit(Job& job, const ClusterView& cluster) = 0;
  // Before each placement attempt: Ok, or Unschedulable with a reason such as
  // "PartitionTimeLimit", "PartitionNodeLimit", "PartitionDown".
  virtual Status gate(const Job& job, const ClusterView& cluster) = 0;
};

}  // namespace sluice
