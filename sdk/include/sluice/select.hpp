// Extension point "select": which nodes, how many CPUs, which GPU indices.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

class SelectPolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "select";
  // Could this job ever run on this cluster's configured hardware (ignoring current load)?
  // Reject with "Requested node configuration is not available" when not.
  virtual Status feasible(const JobView& job, const ClusterView& cluster) = 0;
  // Place the job on currently free resources. Ok: `out` holds one NodeAlloc per node.
  // Unschedulable("Resources") when it must wait.
  virtual Status select(const JobView& job, const ClusterView& cluster, std::vector<NodeAlloc>& out) = 0;
};

}  // namespace sluice
