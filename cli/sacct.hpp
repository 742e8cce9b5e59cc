// sacct: its fields, widths and the parsable forms (Slurm 22.05).
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

inline constexpr std::string_view kSacctFormat = "jobid,jobname,partition,account,alloccpus,state,exitcode";
inline constexpr std::string_view kSacctBriefFormat = "jobid,state,exitcode";

struct AcctField {
  std::string name;  // as Slurm spells it: "JobID"
  int width = 0;     // negative: left-justified
};
// "jobid,jobname%20,state": names are matched by prefix, case-insensitively. Returns nullopt and
// sets *bad to the unknown item.
std::optional<std::vector<AcctField>> parse_acct_fields(std::string_view spec, std::string* bad);

enum class Parsable : std::uint8_t { No, Ending, NoEnding };  // default, -p (trailing '|'), -P
std::string sacct_header(const std::vector<AcctField>& fields, Parsable p);
std::string sacct_line(const Job& j, const std::vector<AcctField>& fields, Parsable p, Time now);

}  // namespace sluice::cli
