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

// Splits a command line the way a POSIX shell would split words: whitespace separates,
// '...' and "..." quote, backslash escapes. Comments are not stripped.
std::vector<std::string> shell_split(std::string_view line);

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
