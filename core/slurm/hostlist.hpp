// Slurm hostlist expressions: "a256-t4-[01-02],i256-a10-06" <-> list of names.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// Expands "a[01-03,07],b5" -> {a01,a02,a03,a07,b5}. Zero padding follows the range's width.
// Returns nullopt and sets *error (e.g. "unbalanced brackets", "bad range 5-3") on bad input.
std::optional<std::vector<std::string>> expand_hostlist(std::string_view expr, std::string* error = nullptr);

// Compresses names into the shortest Slurm-style expression, keeping first-seen order of prefixes:
// {a01,a02,a03,a07,b5} -> "a[01-03,07],b5". Duplicates are removed.
std::string compress_hostlist(const std::vector<std::string>& names);

}  // namespace sluice
