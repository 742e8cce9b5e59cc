// sluice jobstats JOBID / seff JOBID: a job's basics in seff's words and the GPU usage NVML sampled
// (docs/gpu.md).
#pragma once
#include <string>

#include "core/proto/wire.hpp"

namespace sluice::cli {

// The report for `j` at `now` (seconds), `cluster` naming the cluster. seff's lines (Job ID,
// Cluster, User/Group, State with the exit code, Nodes, Cores per node, Job Wall-clock time), then
// the job's GPUs and, per sampled GPU, mean and maximum utilisation (%) and memory in use (MB,
// printed as seff prints memory: "512.00 MB", "1.50 GB"); "no samples" when there are none. A
// running job ends with seff's warning that its statistics may still change.
std::string jobstats_report(const Job& j, Time now, const std::string& cluster);

}  // namespace sluice::cli
