// Slurm's job dependency strings (-d/--dependency). Printing is dependency_string() of the SDK's
// model (<sluice/model.hpp>), which plugins see too.
#pragma once
#include <optional>
#include <sluice/model.hpp>
#include <string_view>
#include <vector>

namespace sluice {

// "afterok:3:4,afterany:5", "after:7", "9" (a bare id means afterany); '?' instead of ',' as
// separator (Slurm's "any of"; read here as a list like ','). Job ids must be positive integers.
// nullopt on anything else (unknown kind, missing id, empty input), for which sbatch says
// "Invalid dependency specification".
std::optional<std::vector<Dependency>> parse_dependency(std::string_view s);

}  // namespace sluice
