// What jobs and nodes read as in every command's output: counts, node lists, users, GPU strings,
// state names. Values only; layout is format.hpp's and each command's.
#pragma once
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"

namespace sluice::cli {

// snprintf into a std::string (at most 127 characters).
template <typename... Args>
std::string str_printf(const char* fmt, Args... args) {
  char buf[128];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// "(null)" for an empty string, as Slurm prints unset text.
std::string or_null(const std::string& s);
// Names such as "n10" compare as ("n", 10), the way Slurm's hostlists sort.
bool host_less(const std::string& a, const std::string& b);
// Node names sorted as Slurm's hostlist_sort does (n2 before n10), then compressed: "n[1-4]".
std::string sorted_hostlist(std::vector<std::string> names);

// The job's nodes as a hostlist expression ("" before allocation).
std::string job_nodelist(const Job& j);
// Seconds the job has run: 0 while pending, up to `now` while running.
Time job_time_used(const Job& j, Time now);
// "gpu:t4:4" (types in first-seen order, comma separated); "(null)" without GPUs.
std::string node_gres(const Node& n);

// CPUs of the job: allocated ones once placed, else requested (ntasks x cpus-per-task).
std::uint32_t job_cpus(const Job& j);
// Nodes of the job: allocated once placed, else requested.
std::uint32_t job_node_count(const Job& j);
// The end Slurm reports: the real one once ended, else start + limit while the job runs; 0 if none.
Time job_end(const Job& j);
// The job's user and group names, the number when the name is unknown.
std::string user_of(const Job& j);
std::string group_of(const Job& j);
// "OFF", "CANCEL", "REQUEUE".
const char* preempt_name(PreemptMode m);
// Memory in Slurm's units ("4000M", "16G"), "0" for none.
std::string mem_or_zero(std::uint64_t mb);

// Job states as -t/--states takes them: long or compact names, any case.
struct StateFilter {
  std::optional<JobState> state;  // nullopt: a Slurm state Sluice never has
};
std::optional<StateFilter> parse_job_state(std::string_view name);
bool state_matches(const Job& j, const StateFilter& f);
// "pending,running,...": Slurm's list for "Valid job states include:".
extern const char* const kJobStateList;

}  // namespace sluice::cli
