#include "cli/describe.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "core/slurm/hostlist.hpp"
#include "core/slurm/mem.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

namespace {

// Job state names, long and compact, and the JobState each stands for (nullopt: a Slurm state
// Sluice never has).
struct StateName {
  const char* name;
  const char* code;
  std::optional<JobState> state;
};
constexpr StateName kStateNames[] = {
    {"PENDING", "PD", JobState::Pending},       {"RUNNING", "R", JobState::Running},
    {"SUSPENDED", "S", std::nullopt},           {"COMPLETED", "CD", JobState::Completed},
    {"CANCELLED", "CA", JobState::Cancelled},   {"FAILED", "F", JobState::Failed},
    {"TIMEOUT", "TO", JobState::Timeout},       {"NODE_FAIL", "NF", JobState::NodeFail},
    {"PREEMPTED", "PR", JobState::Preempted},   {"BOOT_FAIL", "BF", std::nullopt},
    {"DEADLINE", "DL", std::nullopt},           {"OUT_OF_MEMORY", "OOM", JobState::OutOfMemory},
    {"COMPLETING", "CG", JobState::Completing}, {"CONFIGURING", "CF", std::nullopt},
    {"RESIZING", "RS", std::nullopt},           {"RESV_DEL_HOLD", "RD", std::nullopt},
    {"REQUEUED", "RQ", std::nullopt},           {"REQUEUE_FED", "RF", std::nullopt},
    {"REQUEUE_HOLD", "RH", std::nullopt},       {"REVOKED", "RV", std::nullopt},
    {"SIGNALING", "SI", std::nullopt},          {"SPECIAL_EXIT", "SE", std::nullopt},
    {"STAGE_OUT", "SO", std::nullopt},          {"STOPPED", "ST", std::nullopt},
};

}  // namespace

std::string or_null(const std::string& s) { return s.empty() ? "(null)" : s; }

bool host_less(const std::string& a, const std::string& b) {
  const auto split_num = [](const std::string& s) {
    std::size_t i = s.size();
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') --i;
    const std::string digits = s.substr(i);
    return std::pair{s.substr(0, i), digits.empty() ? -1LL : std::stoll(digits.substr(0, 18))};
  };
  return split_num(a) < split_num(b);
}

std::uint32_t job_cpus(const Job& j) {
  if (j.alloc.empty()) return j.spec.ntasks * j.spec.cpus_per_task;
  std::uint32_t n = 0;
  for (const auto& a : j.alloc) n += a.cpus;
  return n;
}

std::uint32_t job_node_count(const Job& j) {
  return j.alloc.empty() ? j.spec.nodes : static_cast<std::uint32_t>(j.alloc.size());
}

Time job_end(const Job& j) {
  if (j.end_time) return j.end_time;
  if (j.start_time && j.spec.time_limit >= 0) return j.start_time + j.spec.time_limit;
  return 0;
}

std::string user_of(const Job& j) { return j.user.empty() ? std::to_string(j.uid) : j.user; }
std::string group_of(const Job& j) { return j.group.empty() ? std::to_string(j.gid) : j.group; }

const char* preempt_name(PreemptMode m) {
  return m == PreemptMode::Requeue ? "REQUEUE" : m == PreemptMode::Cancel ? "CANCEL" : "OFF";
}

std::string mem_or_zero(std::uint64_t mb) { return mb ? format_mem_mb(mb) : "0"; }

std::string sorted_hostlist(std::vector<std::string> names) {
  std::ranges::stable_sort(names, host_less);
  return compress_hostlist(names);
}

std::string job_nodelist(const Job& j) {
  std::vector<std::string> names;
  for (const auto& a : j.alloc) names.push_back(a.node);
  return sorted_hostlist(std::move(names));
}

Time job_time_used(const Job& j, Time now) {
  if (j.start_time == 0 || j.state == JobState::Pending) return 0;
  const Time end = j.state == JobState::Running || j.end_time == 0 ? now : j.end_time;
  return std::max<Time>(0, end - j.start_time);
}

std::string node_gres(const Node& n) {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& g : n.gpus) {
    auto it = std::ranges::find(counts, g.type, &std::pair<std::string, int>::first);
    if (it == counts.end())
      counts.emplace_back(g.type, 1);
    else
      ++it->second;
  }
  std::vector<std::string> parts;
  for (const auto& [type, count] : counts)
    parts.push_back("gpu:" + (type.empty() ? "" : type + ":") + std::to_string(count));
  return parts.empty() ? "(null)" : join(parts, ",");
}

const char* const kJobStateList =
    "pending,running,suspended,completed,cancelled,failed,timeout,node_fail,preempted,boot_fail,deadline,"
    "out_of_memory,completing,configuring,resizing,resv_del_hold,requeued,requeue_fed,requeue_hold,revoked,"
    "signaling,special_exit,stage_out,stopped";

std::optional<StateFilter> parse_job_state(std::string_view name) {
  const std::string upper = [&] {
    std::string s(name);
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }();
  for (const auto& s : kStateNames)
    if (upper == s.name || upper == s.code) return StateFilter{s.state};
  return std::nullopt;
}

bool state_matches(const Job& j, const StateFilter& f) { return f.state && j.state == *f.state; }

}  // namespace sluice::cli
