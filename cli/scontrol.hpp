// scontrol show job|node|partition: Slurm 22.05's "Key=value" records.
#pragma once
#include <optional>
#include <sluice/model.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/format.hpp"
#include "core/model/job.hpp"

namespace sluice::cli {

// `nodes` and `parts` supply GPU types (for -d) and partitions' preemption; either may be empty.
std::string show_job(const Job& j, Time now, const std::vector<Node>& nodes, const std::vector<Partition>& parts,
                     bool details, bool one_liner);
// `details` (-d) adds GresUsed= ("gpu:t4:2(IDX:0-1)") after Gres=, as Slurm sends it with -d only.
std::string show_node(const Node& n, bool details, bool one_liner);
std::string show_partition(const Partition& p, const std::vector<Node>& nodes, bool one_liner);

}  // namespace sluice::cli
