// The scheduling pass as a pure function: pending jobs, a copy of the nodes, the partitions, the
// plugins and the states of the jobs they depend on in; one decision per job out. The live pass,
// `scontrol whatif` and bench/decisions all call schedule_pass(); nothing else decides placements.
//
// Order: partition priority tier (higher first), then job priority (higher first), then job id.
// A held job keeps its reason; a job whose dependencies are not met waits with "Dependency" (or
// "DependencyNeverSatisfied"); partition.gate may hold it for partition reasons; select places it.
// Every placement is checked against the select contract (placement_problem, sluice/ledger.hpp)
// and taken from the node copy before the next job is considered, so later jobs see it.
#pragma once
#include <cstdint>
#include <sluice/model.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/job.hpp"

namespace sluice {

class PluginSet;

// The state of every job a pending job depends on; a job absent from the map is unknown.
using DependencyFacts = std::unordered_map<std::uint64_t, JobState>;

struct PassDecision {
  std::uint64_t job = 0;
  bool start = false;
  std::vector<NodeAlloc> alloc;  // when started: one part per node
  std::string reason;            // when not started: Slurm's pending reason ("Resources", "Priority", ...)
  std::string fault;             // a plugin failed: "<plugin>: <why>" (reason "PluginError")
  bool blamed = false;           // ... and the failure belongs to this job (see PluginSet::last_error_blamed)
};

// Whether j's dependencies (--dependency, Slurm's after/afterany/afterok/afternotok) are met.
// False with `reason` "Dependency" (not yet) or "DependencyNeverSatisfied" (never).
bool dependencies_met(const Job& j, const DependencyFacts& deps, std::string& reason);

// One pass over `pending` (any order; sorted here). `nodes` is the caller's copy: placements are
// taken from it. `generation` is the nodes' ClusterView generation (0: unknown) and is advanced
// with each placement.
std::vector<PassDecision> schedule_pass(const std::vector<const Job*>& pending, std::vector<Node>& nodes,
                                        const std::vector<Partition>& partitions, PluginSet& plugins,
                                        const DependencyFacts& deps, std::uint64_t generation);

}  // namespace sluice
