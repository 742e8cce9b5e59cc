// GPU use as the commands show it, in Slurm's spellings: GRES ("gpu:t4:2"), GRES in use with
// indices ("gpu:t4:2(IDX:0-1)"), TRES terms ("gres/gpu=2,gres/gpu:t4=2") and a job's requests
// ("gres:gpu:t4:1" of TresPerNode/TresPerJob/TresPerTask).
#pragma once
#include <cstdint>
#include <sluice/model.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/model/job.hpp"

namespace sluice::cli {

// The GPUs of one type on a node.
struct GpuTypeUse {
  std::string type;                   // "t4"; "" for GPUs configured without a type
  std::uint32_t total = 0;            // GPUs of this type
  std::vector<std::uint32_t> in_use;  // node-local indices held by jobs, ascending
};
// Per type, in the order the node lists its GPUs.
std::vector<GpuTypeUse> node_gpu_use(const Node& n);

// Slurm's bit_fmt of indices: {0,1,3} -> "0-1,3"; "N/A" when empty (as Slurm's IDX:N/A).
std::string index_list(const std::vector<std::uint32_t>& indices);

// "gpu:t4:2", or "gpu:2" without a type.
std::string gres_name(const std::string& type, std::uint64_t count);

// scontrol -d show node's GresUsed: "gpu:t4:2(IDX:0-1)" per type, comma separated, every type
// listed even when none is used ("gpu:a10:0(IDX:N/A)"); "" for a node without GPUs.
std::string node_gres_used(const Node& n);

// GPU counts: the total and, where known, per type (first-seen order).
struct GpuCount {
  std::uint64_t total = 0;
  std::vector<std::pair<std::string, std::uint64_t>> by_type;
};
// TRES terms: "gres/gpu=4,gres/gpu:t4=4" (typed terms only for named types); "" when total is 0.
std::string gpu_tres(const GpuCount& c);

// A node's configured GPUs and those in use.
GpuCount node_gpus(const Node& n);
GpuCount node_gpus_used(const Node& n);

// The GPUs a job holds: from its allocation, each GPU's type looked up in `nodes` (the job's
// --gpu type, else untyped, when the node is not there, as for sacct). Empty before allocation.
GpuCount job_gpus_allocated(const Job& j, const std::vector<Node>& nodes = {});
// The GPUs a job asked for: -G, else --gpus-per-node x nodes, else --gpus-per-task x tasks.
GpuCount job_gpus_requested(const Job& j);

// The job's GPU requests in Slurm's TRES-per-X form ("gres:gpu:t4:1"), "" when not requested
// that way: TresPerJob (-G/--gpus), TresPerNode (--gres, --gpus-per-node), TresPerTask
// (--gpus-per-task).
std::string tres_per_job(const Job& j);
std::string tres_per_node(const Job& j);
std::string tres_per_task(const Job& j);

}  // namespace sluice::cli
