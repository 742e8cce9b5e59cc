// Small text helpers shared by the CLI, the config loader and the daemons.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

std::vector<std::string> split(std::string_view s, char sep, bool keep_empty = false);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);

// Memory size with optional unit suffix K/M/G/T (case-insensitive, optional trailing B);
// a bare number is megabytes (as Slurm's --mem). Returns megabytes, nullopt on bad input.
std::optional<std::uint64_t> parse_mem_mb(std::string_view s);
// 4000 -> "4000M", 262144 -> "256G" (only whole G/T are abbreviated).
std::string format_mem_mb(std::uint64_t mb);

// Strict unsigned integer parse (whole string, no sign); nullopt otherwise.
std::optional<std::uint64_t> parse_uint(std::string_view s);

// GRES request: "gpu:2", "gpu:a10:1", "gpu" (count 1). nullopt (with *error) on anything else,
// e.g. "foo:1" -> "Invalid generic resource (gres) specification".
struct GresRequest {
  std::string type;
  std::uint32_t count = 1;
};
std::optional<GresRequest> parse_gres(std::string_view s, std::string* error = nullptr);

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);
// `s` with control characters, backslashes and bytes that are not UTF-8 written as \xHH, so that
// hostile input can be named in a message without damaging the terminal.
std::string printable(std::string_view s);

// Splits a #SBATCH/command line the way a POSIX shell would split words: whitespace separates,
// '...' and "..." quote, backslash escapes. Comments are not stripped.
std::vector<std::string> shell_split(std::string_view line);

// The options given by "#SBATCH" lines of a batch script, in order. Slurm reads them from the top
// of the script until the first line that is neither blank nor a comment (the #! line included).
// Text after a '#' that begins a word inside a directive line is a comment and dropped.
std::vector<std::string> sbatch_directives(std::string_view script);

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
