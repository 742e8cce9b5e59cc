// Slurm's memory sizes (--mem, --mem-per-cpu, RealMemory): megabytes in, megabytes out.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// Memory size with optional unit suffix K/M/G/T (case-insensitive, optional trailing B);
// a bare number is megabytes (as Slurm's --mem). Returns megabytes, nullopt on bad input.
std::optional<std::uint64_t> parse_mem_mb(std::string_view s);
// 4000 -> "4000M", 262144 -> "256G" (only whole G/T are abbreviated).
std::string format_mem_mb(std::uint64_t mb);

}  // namespace sluice
