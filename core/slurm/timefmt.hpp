// Slurm time syntax: parsing time limits and printing durations and timestamps as Slurm does.
#pragma once
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <string_view>

namespace sluice {

// Time limit as typed to -t/--time or written in config, in seconds. Forms: "M", "M:S", "H:M:S",
// "D-H", "D-H:M", "D-H:M:S"; "UNLIMITED", "INFINITE" and "-1" -> kUnlimited (Slurm's
// time_str2mins). A bare number is minutes. Seconds are kept as given: Slurm's rounding up to
// whole minutes is round_up_limit's. Returns nullopt for anything else (other negatives, garbage,
// out of range). "0" is 0: the callers that read it as UNLIMITED (sbatch/srun -t) say so.
std::optional<Time> parse_time_limit(std::string_view s);

// A job's time limit (or --time-min) in seconds rounded up to a whole number of `unit` seconds, as
// Slurm keeps limits in whole minutes (unit 60: "10:30" -> 11:00, "5-1:2:3" -> 5-01:03:00).
// kUnlimited, kNoValue and 0 are returned as they are; so is everything when `unit` <= 1. A value
// too large to round saturates at the largest multiple of `unit`.
Time round_up_limit(Time secs, Time unit);

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
