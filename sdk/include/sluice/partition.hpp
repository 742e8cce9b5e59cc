// Extension point "partition": admit, route and normalise submissions; gate pending jobs.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

// What admission decides for a submission. The core applies it field by field and checks it
// first: the partition must exist; the time limit must be kUnlimited or at least 1 second. Nothing
// else about the job (its id, user, uid, gid, group, state, request) can be changed by a plugin.
struct Admission {
  std::string partition;       // where the job goes (Slurm: -p, or the default partition)
  Time time_limit = kNoValue;  // seconds, kUnlimited, or kNoValue to keep what the job asked (-t)
};

// What the core starts an admission from: what the job asked.
inline Admission asked(const JobView& job) { return {job.spec.partition, job.spec.time_limit}; }

// Why the core refuses to apply `a` (a plugin fault), empty when it applies it.
inline std::string admission_problem(const Admission& a, const ClusterView& cluster) {
  if (!cluster.partition(a.partition)) return "admitted to unknown partition \"" + a.partition + "\"";
  if (a.time_limit != kUnlimited && a.time_limit != kNoValue && a.time_limit < 1)
    return "invalid time limit " + std::to_string(a.time_limit);
  return {};
}

// Applies an admission to the job, as the core does after admission_problem() found nothing.
inline void apply_admission(JobView& job, const Admission& a) {
  job.spec.partition = a.partition;
  if (a.time_limit != kNoValue) job.spec.time_limit = a.time_limit;
}

class PartitionPolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "partition";
  // At submission: pick the partition and fill defaults into `out`, which the core initialises
  // with what the job asked (its -p, which may be empty, and its -t). Ok: `out` holds the decision;
  // Reject: refused for good with a Slurm-style message such as "Invalid partition name
  // specified"; Error: the plugin failed (the submission is refused with the message).
  virtual Status admit(const JobView& job, const ClusterView& cluster, Admission& out) = 0;
  // Before each placement attempt: Ok, or Unschedulable with a reason such as
  // "PartitionTimeLimit", "PartitionNodeLimit", "PartitionDown".
  virtual Status gate(const JobView& job, const ClusterView& cluster) = 0;
};

}  // namespace sluice
