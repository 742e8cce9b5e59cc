// --export (sbatch, srun): which of the caller's environment the job gets, as Slurm 22.05 documents it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The job's environment from `--export=SPEC` and the caller's environment `caller` ("NAME=value"
// entries, as environ holds them). SPEC, comma-separated, as Slurm's sbatch and srun take it:
//   "ALL" or ""          every variable of the caller;
//   "NONE"               only the caller's SLURM_* variables;
//   "[ALL,]NAME,NAME=v"  the caller's SLURM_* variables, each NAME with the caller's value (left out
//                        when the caller has none), each NAME=v with that value; with ALL, every
//                        variable of the caller besides.
// Precedence (Slurm's man pages: "If ALL is specified, then all user environment variables will
// be loaded and will take precedence over any explicitly given environment variables"): a
// variable the caller exports (all of them with ALL, its SLURM_* ones otherwise) keeps the
// caller's value; NAME=v applies to the others, the last NAME=v of a name winning. Each name
// appears once in the result, in the order of its first appearance (the caller's order first).
std::vector<std::string> export_environment(std::string_view spec, const std::vector<std::string>& caller);

}  // namespace sluice
