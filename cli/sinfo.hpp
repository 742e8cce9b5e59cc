// sinfo: its %-letters and -O names, node states, the grouped report (Slurm 22.05).
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

}  // namespace sluice::cli
