// The scheduling pass as a pure function: pending jobs, a copy of the nodes, the partitions, the
// plugins and the states of the jobs they depend on in; one decision per job out. The live pass,
// `scontrol whatif` and bench/decisions all call schedule_pass(); nothing else decides placements.
//
// Order: partition priority tier (higher first), then job priority (higher first), then job id.
// A held job keeps its reason; a job whose dependencies are not met waits with "Dependency" (or
// "DependencyNeverSatisfied"); partition.gate may hold it for partition reasons; select places it.
// Every placement is checked against the select contract (placement_problem, sluice/ledger.hpp)
// and taken from the node copy before the next job is considered, so later jobs see it.
//
// Preemption (when `preemption` is given and a preempt plugin is loaded): every job that waits for
// resources ("Resources", or "Priority" behind another) asks preempt.victims; the answer is checked (victims running,
// each once, not already stopped by this pass, mode Requeue or Cancel, grace >= 0) and holds only if select then places
// the job on the nodes with the victims' allocations released. The job waits with reason
// "Preempting" and its placement is reserved in the node copy beside the victims' (which still run),
// so later jobs of the pass can take neither. While victims stopped for a job are still ending (`stopping`), the
// job is not asked about again: its reservation is renewed the same way.
//
// Backfill (when `backfill` is given and `now` is known): a job that waits for resources gets a
// reservation at the earliest end time of the holding jobs (and earlier reservations) at which
// select places it, assuming every job runs to its time limit (its expected start). A job of lower
// priority then starts now only if it cannot delay any reservation: it ends before the reservation
// begins, or the reserved resources stay free of it. Otherwise it waits with reason "Priority".
#pragma once
#include <cstdint>
#include <sluice/model.hpp>
#include <sluice/preempt.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/model/job.hpp"

namespace sluice {

class PluginSet;

// The state of every job a pending job depends on; a job absent from the map is unknown.
using DependencyFacts = std::unordered_map<std::uint64_t, JobState>;

// What a pass needs to preempt: the RUNNING jobs that may be stopped, and for each pending job the
// victims already stopped for it that still hold their resources (COMPLETING).
struct PreemptionFacts {
  std::vector<const Job*> running;
  std::unordered_map<std::uint64_t, std::vector<const Job*>> stopping;
};

// What a pass needs for backfill (Slurm's sched/backfill): every job holding resources (RUNNING,
// COMPLETING). A running job is expected to end at start_time + time limit (never without a
// limit), a completing one now.
struct BackfillFacts {
  std::vector<const Job*> holding;
};

// Backfill bounds per pass: reservations made for blocked jobs, and the end times tried for each.
inline constexpr std::size_t kMaxReservations = 16;
inline constexpr std::size_t kMaxStartCandidates = 64;

struct PassDecision {
  std::uint64_t job = 0;
  bool start = false;
  Time expected_start = 0;             // when not started: when its reservation begins (squeue --start); 0: unknown
  std::vector<PreemptVictim> preempt;  // jobs to stop for it now (reason "Preempting")
  std::vector<NodeAlloc> alloc;        // when started: one part per node
  std::string reason;                  // when not started: Slurm's pending reason ("Resources", "Priority", ...)
  std::string fault;                   // a plugin failed: "<plugin>: <why>" (reason "PluginError")
  bool blamed = false;                 // ... and the failure belongs to this job (see PluginSet::last_error_blamed)
};

// Whether j's dependencies (--dependency, Slurm's after/afterany/afterok/afternotok) are met.
// False with `reason` "Dependency" (not yet) or "DependencyNeverSatisfied" (never).
bool dependencies_met(const Job& j, const DependencyFacts& deps, std::string& reason);

// One pass over `pending` (any order; sorted here). `nodes` is the caller's copy: placements are
// taken from it. `generation` is the nodes' ClusterView generation (0: unknown) and is advanced
// with each placement. `now` (seconds since the epoch): a job whose eligible_time is later waits
// with reason "BeginTime" (0: every job is eligible). `preemption`: nullptr, nobody is preempted.
std::vector<PassDecision> schedule_pass(const std::vector<const Job*>& pending, std::vector<Node>& nodes,
                                        const std::vector<Partition>& partitions, PluginSet& plugins,
                                        const DependencyFacts& deps, std::uint64_t generation, Time now = 0,
                                        const PreemptionFacts* preemption = nullptr,
                                        const BackfillFacts* backfill = nullptr);

// Why `d` (a preempt.victims answer for a job) cannot be applied: a victim not among `running`,
// listed twice, or already in `taken`, a mode other than Requeue/Cancel, a negative grace, or no
// victims. Empty when it can.
std::string preempt_problem(const PreemptDecision& d, const std::vector<const JobView*>& running,
                            const std::unordered_set<std::uint64_t>& taken);

}  // namespace sluice
