// The #SBATCH block of a batch script, read as sbatch reads it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The words of a batch script's "#SBATCH" lines, read as sbatch reads them. Only lines that start
// with "#SBATCH" in column 1 count; the scan starts at the top (the #! line is a comment) and stops
// at the first line that is neither blank nor a comment. Words are separated by white space;
// '...' and "..." group (alike: each ends only at its own quote), a backslash takes the next
// character as it is, even within quotes, and an unquoted '#' ends the line (a comment).
// `error` is set, as Slurm's fatal message, for a quote left open ("line 3: Unmatched `"` in
// [ "x]") or a word that starts with ':' (heterogeneous job separators: "Unexpected `:`").
struct Directives {
  std::vector<std::string> words;
  std::string error;
};
Directives sbatch_directives(std::string_view script);

}  // namespace sluice
