// scontrol update (NodeName=..., JobId=... TimeLimit=...), hold/uhold/release and
// requeue/requeuehold: the commands that change nodes and jobs, with Slurm 22.05's wording.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "cli/scontrol_cmd.hpp"
#include "core/proto/messages.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

void Scontrol::update(const std::vector<std::string>& argv) {
  std::string names, state, reason;
  bool node_entity = false, job_entity = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::size_t eq = argv[i].find('=');
    if (eq != std::string::npos && keyword(argv[i].substr(0, eq), "nodename", 3)) node_entity = true;
    if (eq != std::string::npos && keyword(argv[i].substr(0, eq), "jobid", 3)) job_entity = true;
  }
  if (job_entity) return update_job(argv);  // Slurm checks for a job first
  if (!node_entity) {
    return fail(
        "No valid entity in update command\nInput line must include \"NodeName\", \"PartitionName\", "
        "\"Reservation/ReservationName\", \"JobId\", or \"FrontendName\"");
  }
  int changes = 0;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (eq == std::string::npos) return fail("scontrol: error: Invalid input: " + arg + "  Request aborted");
    const std::string tag = arg.substr(0, eq);
    std::string val = arg.substr(eq + 1);
    if (keyword(tag, "nodename", 1)) {
      names = val;
    } else if (keyword(tag, "reason", 1)) {
      if (!val.empty() && val.front() == '"') val.erase(0, 1);
      if (!val.empty() && val.back() == '"') val.pop_back();
      reason = val, ++changes;
    } else if (keyword(tag, "state", 1)) {
      const auto state_is = [&](std::string_view word) {
        return val.size() <= word.size() && to_lower(val) == word.substr(0, std::max<std::size_t>(val.size(), 3));
      };
      static constexpr std::string_view kStates[] = {"noresp", "cancel_reboot", "drain",     "fail",    "future",
                                                     "resume", "power_down",    "power_up",  "undrain", "unknown",
                                                     "down",   "idle",          "allocated", "error",   "mixed"};
      const auto it = std::ranges::find_if(kStates, state_is);
      if (it == std::end(kStates)) {
        return fail("Invalid input: " + arg +
                    "\nRequest aborted\nValid states are: NoResp DRAIN FAIL FUTURE RESUME POWER_DOWN POWER_UP "
                    "UNDRAIN\nNot all states are valid given a node's prior state");
      }
      state = *it, ++changes;
    } else {
      return fail("Update of this parameter is not supported: " + arg + "\nRequest aborted");
    }
  }
  for (char& c : state) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if ((state == "DOWN" || state == "DRAIN" || state == "FAIL") && reason.empty())
    return fail("You must specify a reason when DOWNING or DRAINING a node. Request denied");
  if (changes == 0) return fail("No changes specified");
  const UpdateNode body{.names = names, .state = state, .reason = reason};
  if (!rpc_.call_or_perror(UpdateNode::kType, to_body(body), "slurm_update error")) exit_code_ = 1;
}

// The time limit of job `id` as the controller has it; nullopt after printing Slurm's
// "slurm_load_job error: ..." line.
std::optional<Time> Scontrol::current_time_limit(std::uint64_t id) {
  const auto reply = rpc_.call_or_perror("jobs", {{"ids", {id}}}, "slurm_load_job error");
  if (!reply) return std::nullopt;
  const auto jobs = reply->at("jobs").get<std::vector<Job>>();
  if (jobs.empty()) {
    fail("slurm_load_job error: Invalid job id specified");
    return std::nullopt;
  }
  return jobs.front().spec.time_limit;
}

// update JobId=ID[,ID...] TimeLimit=[+|-]TIME, as Slurm's scontrol: TIME in Slurm's time syntax
// (-t's), "+" and "-" add to or take from each job's limit. One request per job; a refusal prints
// "<why> for job <id>" and, at the end, "slurm_update error: <why>".
void Scontrol::update_job(const std::vector<std::string>& argv) {
  std::string ids_text;
  std::optional<Time> limit;
  int sign = 0;  // TimeLimit=+T: 1, -T: -1
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (eq == std::string::npos) return fail("Invalid input: " + arg + "\nRequest aborted");
    const std::string tag = arg.substr(0, eq);
    std::string val = arg.substr(eq + 1);
    if (keyword(tag, "jobid", 3)) {
      ids_text = val;
    } else if (keyword(tag, "timelimit", 5)) {
      sign = starts_with(val, "+") ? 1 : starts_with(val, "-") ? -1 : 0;
      if (sign) val.erase(0, 1);
      limit = parse_time_limit(val);
      if (!limit || (sign && *limit == kUnlimited)) return fail("scontrol: error: Invalid TimeLimit value");
      if (sign && ids_text.empty()) return fail("scontrol: error: JobId must precede TimeLimit increment or decrement");
    } else {
      return fail("Update of this parameter is not supported: " + arg + "\nRequest aborted");
    }
  }
  if (!limit) return fail("No changes specified");
  std::vector<std::pair<std::uint64_t, Time>> updates;  // (job, its new limit)
  for (const auto& tok : split(ids_text, ',', true)) {
    const auto id = parse_uint(tok);
    if (!id || *id == 0) {
      fail("Invalid job id specified for job " + ids_text);
      return fail("slurm_update error: Invalid job id specified");
    }
    Time t = *limit;
    if (sign) {
      const auto current = current_time_limit(*id);
      if (!current) return;
      if (*current == kUnlimited || *current < 0)
        return fail("scontrol: error: Cannot increment/decrement TimeLimit when set to UNLIMITED.");
      if (sign < 0 && t > *current) {
        // Slurm counts in minutes; Sluice limits may hold seconds.
        const auto shown = [&](Time v) {
          return *limit % 60 || *current % 60 ? format_time_limit(v) : std::to_string(v / 60);
        };
        return fail("scontrol: error: TimeLimit decrement larger than current time limit (" + shown(t) + " > " +
                    shown(*current) + ")");
      }
      t = *current + sign * t;
    }
    updates.emplace_back(*id, t);
  }
  std::string last_error;
  for (const auto& [id, t] : updates) {
    try {
      rpc_.call(UpdateJob{.id = id, .time_limit = t});
    } catch (const RpcError& e) {
      last_error = e.what();
      fail(last_error + " for job " + std::to_string(id));
    }
  }
  if (!last_error.empty()) fail("slurm_update error: " + last_error);
}

void Scontrol::hold(const std::string& op, const std::string& arg) {
  std::string list = arg;
  for (std::string_view prefix : {"jobid=", "job="})
    if (starts_with(to_lower(list), prefix)) list = list.substr(prefix.size());
  std::vector<std::uint64_t> ids;
  for (const auto& tok : split(list, ',')) {
    const auto id = parse_uint(tok);
    if (!id) {
      fail("Invalid job id specified for job " + tok);
      return fail("slurm_suspend error: Invalid job id specified");
    }
    ids.push_back(*id);
  }
  const std::string type = keyword(op, "release", 3) ? "release" : "hold";
  std::string last_error;
  try {
    const Json reply = rpc_.call(type, to_body(JobIds{ids}));
    for (const auto& r : reply.at("results")) {
      if (!r.contains("error")) continue;
      last_error = r.at("error").get<std::string>();
      fail(last_error + " for job " + std::to_string(r.at("id").get<std::uint64_t>()));
    }
  } catch (const RpcError& e) {
    last_error = e.what();
    fail(last_error + " for job " + list);
  }
  if (!last_error.empty()) fail("slurm_suspend error: " + last_error);
}

// scontrol requeue/requeuehold <job_list>: Slurm prints nothing on success and one line per job
// it refused ("Invalid job id specified for job 99999"), exit code 1.
void Scontrol::requeue(bool hold, const std::string& arg) {
  std::string list = arg;
  for (std::string_view prefix : {"jobid=", "job="})
    if (starts_with(to_lower(list), prefix)) list = list.substr(prefix.size());
  if (starts_with(to_lower(list), "state=")) return fail("Invalid job id specified for job " + list);
  std::vector<std::uint64_t> ids;
  for (const auto& tok : split(list, ',')) {
    const auto id = parse_uint(tok);
    if (!id) return fail("Invalid job id specified for job " + tok);
    ids.push_back(*id);
  }
  try {
    const Json reply = rpc_.call(Requeue::kType, to_body(Requeue{ids, hold}));
    for (const auto& r : reply.at("results"))
      if (r.contains("error"))
        fail(r.at("error").get<std::string>() + " for job " + std::to_string(r.at("id").get<std::uint64_t>()));
  } catch (const RpcError& e) {
    fail(std::string(e.what()) + " for job " + list);
  }
}

}  // namespace sluice::cli
