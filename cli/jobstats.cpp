// sluice jobstats JOBID, and the same as `seff JOBID`.
#include "cli/jobstats.hpp"

#include <cstdio>
#include <map>

#include "cli/commands.hpp"
#include "cli/describe.hpp"
#include "cli/rpc.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

namespace {

// seff's memory: "512.00 MB", "1.50 GB".
std::string mem(double mb) {
  char buf[64];
  if (mb >= 1024)
    std::snprintf(buf, sizeof buf, "%.2f GB", mb / 1024);
  else
    std::snprintf(buf, sizeof buf, "%.2f MB", mb);
  return buf;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v);
  return buf;
}

// "2 (g1: 0,1)": the job's GPUs by node.
std::string gpu_list(const Job& j) {
  std::size_t total = 0;
  std::vector<std::string> parts;
  for (const NodeAlloc& a : j.alloc) {
    if (a.gpus.empty()) continue;
    total += a.gpus.size();
    std::vector<std::string> idx;
    for (auto g : a.gpus) idx.push_back(std::to_string(g));
    parts.push_back(a.node + ": " + join(idx, ","));
  }
  return std::to_string(total) + (parts.empty() ? "" : " (" + join(parts, "; ") + ")");
}

std::string gpu_lines(const Job& j) {
  std::string out;
  for (const GpuUsage& u : j.gpu_usage) {
    if (!u.samples) continue;
    const double n = u.samples;
    out += "GPU " + std::to_string(u.index) + " on " + u.node + (u.type.empty() ? "" : " (" + u.type + ")") + ", " +
           std::to_string(u.samples) + " sample" + (u.samples == 1 ? "" : "s") + ":\n";
    out += "    Utilization: mean " + pct(static_cast<double>(u.util_sum) / n) + ", max " + std::to_string(u.util_max) +
           "%\n";
    out += "    Memory Utilized: mean " + mem(static_cast<double>(u.mem_sum_mb) / n) + ", max " +
           mem(static_cast<double>(u.mem_max_mb));
    if (u.mem_total_mb)
      out += " (" + pct(100.0 * static_cast<double>(u.mem_max_mb) / static_cast<double>(u.mem_total_mb)) + " of " +
             mem(static_cast<double>(u.mem_total_mb)) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace

std::string jobstats_report(const Job& j, Time now, const std::string& cluster) {
  std::string out = "Job ID: " + std::to_string(j.id) + "\n";
  out += "Cluster: " + cluster + "\n";
  out += "User/Group: " + (j.user.empty() ? std::to_string(j.uid) : j.user) + "/" +
         (j.group.empty() ? std::to_string(j.gid) : j.group) + "\n";
  out += std::string("State: ") + state_name(j.state);
  if (is_final(j.state)) out += " (exit code " + std::to_string(j.exit_code) + ")";
  out += "\n";
  out += "Nodes: " + std::to_string(j.alloc.empty() ? j.spec.nodes : j.alloc.size()) + "\n";
  out += "Cores per node: " + std::to_string(j.alloc.empty() ? j.spec.cpus_per_task : j.alloc.front().cpus) + "\n";
  out += "Job Wall-clock time: " + format_hms(job_time_used(j, now)) + "\n";
  out += "GPUs: " + gpu_list(j) + "\n";
  const std::string lines = gpu_lines(j);
  if (gpu_list(j) != "0") {
    if (lines.empty())
      out +=
          "GPU usage: no samples (GPUs are sampled through NVML on the job's node every gpu_sample_interval; "
          "none were reported for this job)\n";
    out += lines;
  }
  if (j.gpu_idle_since)
    out += "GPUs idle since " + format_iso(j.gpu_idle_since) + (j.gpu_idle_flagged ? " (reason GpusIdle)" : "") + "\n";
  if (j.state == JobState::Running || j.state == JobState::Completing)
    out += "WARNING: Efficiency statistics may be misleading for RUNNING jobs.\n";
  return out;
}

int jobstats(int argc, char** argv) {
  const char* prog = argc > 0 && std::string_view(argv[0]).ends_with("seff") ? "seff" : "jobstats";
  if (argc != 2 || std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help") {
    std::fprintf(stderr, "Usage: %s JOBID\n", prog);
    return argc == 2 ? 0 : 1;
  }
  const auto id = parse_uint(argv[1]);
  if (!id || *id == 0) {
    error(prog, std::string("Invalid job id: ") + argv[1]);
    return 1;
  }
  auto rpc = Rpc::open(prog);
  if (!rpc) return kExitError;
  auto reply = rpc->call_or_error("jobs", {{"ids", {*id}}});
  if (!reply) return kExitError;
  const Json& jobs = (*reply)["jobs"];
  if (!jobs.is_array() || jobs.empty()) {
    error(prog, "Invalid job id specified");
    return 1;
  }
  const Job j = jobs.front().get<Job>();
  std::fputs(jobstats_report(j, reply->value("now", Time{0}), rpc->config().cluster_name).c_str(), stdout);
  return 0;
}

}  // namespace sluice::cli
