// Slurm's output file patterns (sbatch/srun -o, -e).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

// Output file patterns (-o/-e): %j job id, %x job name, %u user, %N first node, %n node index (0),
// %t task id (0), %A array master id (= job id), %a array index ("4294967294" as Slurm when not an
// array), %% a literal percent. A number between % and the letter zero-pads ("%5j").
// Relative results are taken relative to `workdir`.
struct PatternVars {
  std::uint64_t job_id = 0;
  std::string job_name, user, node;
  std::string workdir;
};
std::string expand_output_pattern(std::string_view pattern, const PatternVars& v);

}  // namespace sluice
