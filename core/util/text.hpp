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

// Strict unsigned integer parse (whole string, no sign); nullopt otherwise.
std::optional<std::uint64_t> parse_uint(std::string_view s);

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);
// `s` with control characters, backslashes and bytes that are not UTF-8 written as \xHH, so that
// hostile input can be named in a message without damaging the terminal.
std::string printable(std::string_view s);

// Splits a command line the way a POSIX shell would split words: whitespace separates,
// '...' and "..." quote, backslash escapes. Comments are not stripped.
std::vector<std::string> shell_split(std::string_view line);

}  // namespace sluice
