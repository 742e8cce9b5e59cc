// Slurm time syntax: parsing time limits and printing durations and timestamps as Slurm does.
#pragma once
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <string_view>

namespace sluice {

// Time limit as typed to -t/--time or written in config, in seconds. Forms: "M", "M:S", "H:M:S",
// "D-H", "D-H:M", "D-H:M:S"; "UNLIMITED"/"INFINITE" -> kUnlimited. A bare number is minutes.
// Returns nullopt for anything else (negative, garbage, out of range).
std::optional<Time> parse_time_limit(std::string_view s);

// Whether time limit `a` is longer than `b`, both in seconds or kUnlimited (longer than any number
// of seconds, and not longer than itself). False when either is kNoValue (nothing to compare).
bool longer_limit(Time a, Time b);

// As squeue's TIME_LIMIT / sinfo's TIMELIMIT: "UNLIMITED", "6-00:00:00", "12:00:00", "1:00", "0:30".
// (Days as D-HH:MM:SS, else H:MM:SS when >= 1 hour, else M:SS.)
std::string format_time_limit(Time secs);

// As squeue's TIME column (elapsed): "0:00", "24:20", "6:45:14", "1-02:03:04".
std::string format_elapsed(Time secs);

// As scontrol's RunTime/TimeLimit: "00:00:14", "12:00:00", "6-00:00:00"; kUnlimited -> "UNLIMITED".
std::string format_hms(Time secs);

// Local time as "2026-11-26T03:52:18"; 0 -> "Unknown" (scontrol) unless `none` is given.
std::string format_iso(Time t, const char* none = "Unknown");

// "Thu Nov 26 03:52:09 2026" (squeue -l / sinfo -l header line).
std::string format_ctime(Time t);

}  // namespace sluice
