// Pure text formatting for squeue, sinfo, scontrol and sacct: jobs, nodes and partitions in, Slurm
// 22.05's exact text out. Nothing here talks to the controller except perror_call.
#pragma once
#include <optional>
#include <sluice/model.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/client.hpp"

namespace sluice::cli {

// ---- Shared helpers ------------------------------------------------------------------------------

// Calls the controller; on failure prints "<what>: <message>" on stderr (Slurm's slurm_perror) and
// returns nullopt.
std::optional<Json> perror_call(Client& c, const std::string& type, const Json& body, const std::string& what);

// Slurm's _print_str: pads `s` to `width` (right-justified when `right`) and, when `cut`, cuts it
// to `width`. Width 0 prints `s` as it is.
std::string pad(std::string_view s, int width, bool right, bool cut = true);

// Node names sorted as Slurm's hostlist_sort does (n2 before n10), then compressed: "n[1-4]".
std::string sorted_hostlist(std::vector<std::string> names);

// The job's nodes as a hostlist expression ("" before allocation).
std::string job_nodelist(const Job& j);
// Seconds the job has run: 0 while pending, up to `now` while running.
Time job_time_used(const Job& j, Time now);
// "gpu:t4:4" (types in first-seen order, comma separated); "(null)" without GPUs.
std::string node_gres(const Node& n);

// ---- The %-format engine (squeue -o, sinfo -o) and the -O/--Format long form --------------------

struct Field {
  char code = 0;       // the %-letter
  int width = 0;       // 0: the value's own width
  bool right = false;  // "%.9P": right-justified
  std::string suffix;  // literal text up to the next field
  std::string token;   // the field as written ("%.9P "), printed as is when the letter is unknown
};
struct Format {
  std::string prefix;  // literal text before the first field
  std::vector<Field> fields;
};
// "%.18i %.9P %8j": "%[.][width]<letter><suffix>..."; text before the first '%' is the prefix.
Format parse_format(std::string_view spec);

struct FieldName {
  const char* name;  // case-insensitive, as given to -O
  char code;
};
// "jobid:.18 ,name:8,state": "name[:[.]width][suffix]" items, comma separated; width 20 when no
// ':' is given. Unknown names are appended to *unknown and left out.
Format parse_long_format(std::string_view spec, std::span<const FieldName> names, std::vector<std::string>* unknown);

// ---- squeue --------------------------------------------------------------------------------------

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

// Job states as -t/--states takes them: long or compact names, any case.
struct StateFilter {
  std::optional<JobState> state;  // nullopt: a Slurm state Sluice never has
};
std::optional<StateFilter> parse_job_state(std::string_view name);
bool state_matches(const Job& j, const StateFilter& f);
// "pending,running,...": Slurm's list for "Valid job states include:".
extern const char* const kJobStateList;

// ---- sinfo ---------------------------------------------------------------------------------------

inline constexpr std::string_view kSinfoFormat = "%9P %.5a %.10l %.6D %.6t %N";
inline constexpr std::string_view kSinfoLongFormat = "%9P %.5a %.10l %.10s %.4r %.8h %.10g %.6D %.11T %N";
inline constexpr std::string_view kSinfoNodeFormat = "%N %.6D %.9P %6t";
inline constexpr std::string_view kSinfoNodeLongFormat = "%N %.6D %.9P %.11T %4c %.8z %.6m %.8d %.6w %.8f %20E";
inline constexpr std::string_view kSinfoSummaryFormat = "%9P %.5a %.10l %.16F %N";
inline constexpr std::string_view kSinfoReasonFormat = "%20E %9u %19H %N";
inline constexpr std::string_view kSinfoReasonLongFormat = "%20E %12U %19H %6t %N";
extern const std::span<const FieldName> kSinfoLongNames;

bool sinfo_field_known(char code);

// Node states as sinfo -t takes them ("idle", "mix", "drain", ...; unique prefixes).
enum class NodeStateFilter : std::uint8_t { None, Down, Idle, Alloc, Mixed, Drain, Drained, Draining, NoRespond };
std::optional<NodeStateFilter> parse_node_state(std::string_view name);
extern const char* const kNodeStateList;

struct SinfoOptions {
  bool node_oriented = false;           // -N: one line per node and partition
  bool list_reasons = false;            // -R: partitions do not matter
  bool part_width_auto = false;         // default formats: %P as wide as the longest name
  bool node_width_auto = false;         // default -N formats: %N as wide as the longest list
  std::vector<std::string> partitions;  // -p; empty: all
  std::vector<std::string> nodes;       // -n, expanded; empty: all
  std::vector<NodeStateFilter> states;  // -t; empty: all
  bool states_and = false;              // -t a&b
  bool responding_only = false;         // -r
  bool dead_only = false;               // -d
  std::string sort;                     // -S; empty: Slurm's default
  std::string cluster;                  // %V
};
// The whole report, header (unless `header` is false) and one line per group of nodes.
std::string sinfo_report(const std::vector<Node>& nodes, const std::vector<Partition>& parts, const Format& f,
                         const SinfoOptions& o, bool header);

// ---- scontrol show -------------------------------------------------------------------------------

// `nodes` and `parts` supply GPU types (for -d) and partitions' preemption; either may be empty.
std::string show_job(const Job& j, Time now, const std::vector<Node>& nodes, const std::vector<Partition>& parts,
                     bool details, bool one_liner);
std::string show_node(const Node& n, bool one_liner);
std::string show_partition(const Partition& p, const std::vector<Node>& nodes, bool one_liner);

// ---- sacct ---------------------------------------------------------------------------------------

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
