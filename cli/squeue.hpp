// squeue: its %-letters and -O names, the text of a job, the sort order (Slurm 22.05).
#pragma once
#include <optional>
#include <sluice/model.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/format.hpp"
#include "core/model/job.hpp"

namespace sluice::cli {

inline constexpr std::string_view kSqueueFormat = "%.18i %.9P %.8j %.8u %.2t %.10M %.6D %R";
inline constexpr std::string_view kSqueueLongFormat = "%.18i %.9P %.8j %.8u %.8T %.10M %.9l %.6D %R";
inline constexpr std::string_view kSqueueSort = "P,t,-p";  // partition, state, priority (descending)
extern const std::span<const FieldName> kSqueueLongNames;

bool squeue_field_known(char code);
std::string squeue_header(const Format& f);
std::string squeue_line(const Job& j, const Format& f, Time now);
// Sorts as squeue does: by start time (latest first), then by the keys of `spec` ("P,t,-p"),
// stably, the first key most significant. Returns the first unknown key letter, if any.
std::optional<char> sort_jobs(std::vector<Job>& jobs, std::string_view spec, Time now);

}  // namespace sluice::cli
