// scontrol show job|node|partition: the records, as Slurm 22.05 prints them.
#include <algorithm>

#include "cli/describe.hpp"
#include "cli/gpus.hpp"
#include "cli/scontrol.hpp"
#include "core/slurm/mem.hpp"
#include "core/slurm/output_pattern.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

namespace {

using Lines = std::vector<std::string>;

std::string record(const Lines& l, bool one_liner) {
  return join(l, one_liner ? " " : "\n   ") + (one_liner ? "\n" : "\n\n");
}

// The type of the first GPU allocated on a node, "" when unknown.
std::string alloc_gpu_type(const NodeAlloc& a, const std::vector<Node>& nodes) {
  const auto n = std::ranges::find(nodes, a.node, &Node::name);
  if (n == nodes.end() || a.gpus.empty()) return "";
  const auto g = std::ranges::find(n->gpus, a.gpus.front(), &Gpu::index);
  return g == n->gpus.end() ? "" : g->type;
}

// -d: "JOB_GRES=gpu:t4:2" and one "  Nodes=n1 CPU_IDs=0-1 Mem=0 GRES=gpu:t4:2(IDX:0-1)" line per run
// of consecutive nodes that hold alike.
void job_details(const Job& j, const std::vector<Node>& nodes, Lines& l) {
  std::size_t gpus = 0;
  std::string job_type;
  std::vector<std::pair<std::string, std::string>> rows;  // (node, "CPU_IDs=... GRES=...")
  for (const auto& a : j.alloc) {
    gpus += a.gpus.size();
    const std::string type = alloc_gpu_type(a, nodes);
    if (!a.gpus.empty() && job_type.empty()) job_type = type;
    const std::string cpu_ids = a.cpus > 1 ? str_printf("0-%u", a.cpus - 1) : "0";
    const std::string g = a.gpus.empty() ? "" : gres_name(type, a.gpus.size()) + "(IDX:" + index_list(a.gpus) + ")";
    rows.emplace_back(a.node, "CPU_IDs=" + cpu_ids + " Mem=" + std::to_string(a.mem_mb) + " GRES=" + g);
  }
  l.push_back("JOB_GRES=" + (gpus ? gres_name(job_type, gpus) : std::string("(null)")));
  for (std::size_t i = 0; i < rows.size();) {
    std::vector<std::string> names;
    std::size_t k = i;
    for (; k < rows.size() && rows[k].second == rows[i].second; ++k) names.push_back(rows[k].first);
    l.push_back("  Nodes=" + sorted_hostlist(names) + " " + rows[i].second);
    i = k;
  }
}

// "TRES=cpu=2,mem=8G,node=1,billing=2,gres/gpu=1,gres/gpu:t4=1": what the job holds once placed,
// else what it asks for.
std::string job_tres(const Job& j, const std::vector<Node>& nodes) {
  const std::string cpus = std::to_string(job_cpus(j)), node_count = std::to_string(job_node_count(j));
  std::uint64_t mem = j.spec.mem_mb * j.spec.nodes;
  if (!j.alloc.empty()) {
    mem = 0;
    for (const auto& a : j.alloc) mem += a.mem_mb;
  }
  const std::string gpus = gpu_tres(j.alloc.empty() ? job_gpus_requested(j) : job_gpus_allocated(j, nodes));
  return "TRES=cpu=" + cpus + (mem ? ",mem=" + format_mem_mb(mem) : "") + ",node=" + node_count + ",billing=" + cpus +
         (gpus.empty() ? "" : "," + gpus);
}

// The batch job's StdErr/StdIn/StdOut lines.
void job_stdio(const Job& j, Lines& l) {
  const PatternVars vars{j.id, j.spec.name, user_of(j), "", j.spec.workdir};
  const std::string out =
      !j.stdout_path.empty()
          ? j.stdout_path
          : expand_output_pattern(j.spec.stdout_pattern.empty() ? "slurm-%j.out" : j.spec.stdout_pattern, vars);
  const std::string err = !j.stderr_path.empty()          ? j.stderr_path
                          : j.spec.stderr_pattern.empty() ? out
                                                          : expand_output_pattern(j.spec.stderr_pattern, vars);
  l.push_back("StdErr=" + err);
  l.push_back("StdIn=" + (j.spec.stdin_path.empty() ? std::string("/dev/null") : j.spec.stdin_path));
  l.push_back("StdOut=" + out);
}

// The optional lines after Power=, in Slurm's order: CpusPerTres, MemPerTres, TresPerJob,
// TresPerNode, TresPerTask.
void job_tres_requests(const Job& j, Lines& l) {
  const std::string gpu = "gres:gpu" + (j.spec.gpu_type.empty() ? "" : ":" + j.spec.gpu_type);
  if (j.spec.cpus_per_gpu) l.push_back("CpusPerTres=" + gpu + ":" + std::to_string(j.spec.cpus_per_gpu));
  if (j.spec.mem_per_gpu_mb) l.push_back("MemPerTres=" + gpu + ":" + std::to_string(j.spec.mem_per_gpu_mb));
  for (const auto& [key, value] : {std::pair{"TresPerJob=", tres_per_job(j)},
                                   {"TresPerNode=", tres_per_node(j)},
                                   {"TresPerTask=", tres_per_task(j)}})
    if (!value.empty()) l.push_back(key + value);
}

// From JobId= to Socks/Node=.
void job_head(const Job& j, Time now, const std::vector<Partition>& parts, bool details, Lines& l) {
  const Time limit = j.spec.time_limit;
  const std::string exit = str_printf("%d:%d", j.exit_code, j.term_signal);
  const auto part = std::ranges::find(parts, j.spec.partition, &Partition::name);
  l.push_back("JobId=" + std::to_string(j.id) + " JobName=" + j.spec.name);
  l.push_back(
      str_printf("UserId=%s(%u) GroupId=%s(%u) MCS_label=N/A", user_of(j).c_str(), j.uid, group_of(j).c_str(), j.gid));
  l.push_back(str_printf("Priority=%u Nice=0 Account=(null) QOS=(null)", j.priority));
  std::string reason = j.reason;  // one word, as Slurm prints it: "job_requeued_in_held_state"
  std::ranges::replace(reason, ' ', '_');
  l.push_back(std::string("JobState=") + state_name(j.state) + " Reason=" + reason +
              " Dependency=" + (j.spec.depends.empty() ? "(null)" : dependency_string(j.spec.depends)));
  l.push_back(str_printf("Requeue=%d Restarts=%u BatchFlag=%d Reboot=0 ExitCode=%s",
                         j.spec.requeue != RequeueFlag::NoRequeue && j.spec.batch, j.restarts, j.spec.batch,
                         exit.c_str()));
  if (details) l.push_back("DerivedExitCode=" + exit);
  l.push_back("RunTime=" + format_hms(job_time_used(j, now)) +
              " TimeLimit=" + (limit == kNoValue ? "Partition_Limit" : format_hms(limit)) +
              " TimeMin=" + (j.spec.time_min == kNoValue ? "N/A" : format_hms(j.spec.time_min)));
  l.push_back("SubmitTime=" + format_iso(j.submit_time) + " EligibleTime=" + format_iso(j.eligible_time));
  l.push_back("AccrueTime=" + format_iso(j.spec.hold ? 0 : j.eligible_time));
  l.push_back("StartTime=" + format_iso(j.start_time) + " EndTime=" + format_iso(job_end(j)) + " Deadline=N/A");
  if (part != parts.end() && part->preempt_mode != PreemptMode::Off && j.state != JobState::Pending)
    l.push_back("PreemptEligibleTime=" + format_iso(j.start_time) +
                " PreemptTime=" + format_iso(j.preempt_time, "None"));
  l.push_back("SuspendTime=None SecsPreSuspend=0 LastSchedEval=" +
              format_iso(j.start_time ? j.start_time : j.submit_time) + " Scheduler=Main");
}

}  // namespace

std::string show_job(const Job& j, Time now, const std::vector<Node>& nodes, const std::vector<Partition>& parts,
                     bool details, bool one_liner) {
  Lines l;
  job_head(j, now, parts, details, l);
  l.push_back("Partition=" + j.spec.partition +
              " AllocNode:Sid=" + (j.spec.submit_host.empty() ? "localhost" : j.spec.submit_host) + ":0");
  l.push_back("ReqNodeList=" + or_null(j.spec.nodelist) + " ExcNodeList=" + or_null(j.spec.exclude));
  l.push_back("NodeList=" + (j.alloc.empty() && !j.restarts ? "(null)" : job_nodelist(j)));
  if (!j.alloc.empty()) l.push_back("BatchHost=" + j.alloc.front().node);
  l.push_back("NumNodes=" + std::to_string(job_node_count(j)) + " NumCPUs=" + std::to_string(job_cpus(j)) +
              str_printf(" NumTasks=%u CPUs/Task=%u", j.spec.ntasks, j.spec.cpus_per_task) + " ReqB:S:C:T=0:0:*:*");
  l.push_back(job_tres(j, nodes));
  l.push_back("Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*");
  if (details && !j.alloc.empty()) job_details(j, nodes, l);
  l.push_back(str_printf("MinCPUsNode=%u MinMemoryNode=", j.spec.cpus_per_task) + mem_or_zero(j.spec.mem_mb) +
              " MinTmpDiskNode=0");
  l.push_back("Features=" + or_null(j.spec.constraint) + " DelayBoot=00:00:00");
  l.push_back("OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)");
  l.push_back("Command=" + (j.spec.batch || j.spec.argv.empty() ? "(null)" : join(j.spec.argv, " ")));
  l.push_back("WorkDir=" + j.spec.workdir);
  if (!j.system_comment.empty()) l.push_back("SystemComment=" + j.system_comment);
  if (j.spec.batch) job_stdio(j, l);
  l.push_back("Power=");
  job_tres_requests(j, l);
  // Slurm's line; the runtime's container id is not known to the controller.
  if (!j.spec.container.empty()) l.push_back("Container=" + j.spec.container + " ContainerID=(null)");
  l.emplace_back();
  return record(l, one_liner);
}

std::string show_node(const Node& n, bool details, bool one_liner) {
  const bool heard = n.last_seen != 0;
  Lines l;
  l.push_back("NodeName=" + n.name + " " + (n.arch.empty() ? "" : "Arch=" + n.arch + " ") +
              str_printf("CoresPerSocket=%u ", n.cpus));
  l.push_back(str_printf("CPUAlloc=%u CPUEfctv=%u CPUTot=%u CPULoad=", n.alloc_cpus, n.cpus, n.cpus) +
              (heard ? str_printf("%.2f", n.cpu_load) : "N/A"));
  l.push_back("AvailableFeatures=" + or_null(n.features));
  l.push_back("ActiveFeatures=" + or_null(n.features));
  const std::string used = details ? node_gres_used(n) : "";  // Slurm sends GresUsed with -d only
  l.push_back("Gres=" + node_gres(n) + (used.empty() ? "" : " GresUsed=" + used));
  l.push_back("NodeAddr=" + (n.addr.empty() ? n.name : n.addr) + " NodeHostName=" +
              (n.hostname.empty() ? n.name : n.hostname) + (n.version.empty() ? " " : " Version=" + n.version));
  if (!n.os.empty()) l.push_back("OS=" + n.os + " ");
  l.push_back(str_printf("RealMemory=%llu AllocMem=%llu FreeMem=", static_cast<unsigned long long>(n.mem_mb),
                         static_cast<unsigned long long>(n.alloc_mem_mb)) +
              (heard ? std::to_string(n.free_mem_mb) : "N/A") + " Sockets=1 Boards=1");
  l.push_back("State=" + node_state_long(n) + " ThreadsPerCore=1 TmpDisk=0 Weight=" + std::to_string(n.weight) +
              " Owner=N/A MCS_label=N/A");
  if (!n.partitions.empty()) l.push_back("Partitions=" + join(n.partitions, ",") + " ");
  l.push_back("BootTime=" + format_iso(n.boot_time, "None") +
              " SlurmdStartTime=" + format_iso(n.agent_start_time, "None"));
  l.push_back("LastBusyTime=" + format_iso(n.last_busy));
  const std::string cfg_gpus = gpu_tres(node_gpus(n)), used_gpus = gpu_tres(node_gpus_used(n));
  l.push_back(str_printf("CfgTRES=cpu=%u,mem=", n.cpus) + format_mem_mb(n.mem_mb) + str_printf(",billing=%u", n.cpus) +
              (cfg_gpus.empty() ? "" : "," + cfg_gpus));
  std::vector<std::string> alloc;
  if (n.alloc_cpus) alloc.push_back(str_printf("cpu=%u", n.alloc_cpus));
  if (n.alloc_mem_mb) alloc.push_back("mem=" + format_mem_mb(n.alloc_mem_mb));
  if (!used_gpus.empty()) alloc.push_back(used_gpus);
  l.push_back("AllocTRES=" + join(alloc, ","));
  l.push_back("CapWatts=n/a");
  l.push_back("CurrentWatts=0 AveWatts=0");
  l.push_back("ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s");
  if (!n.reason.empty())
    l.push_back("Reason=" + n.reason +
                (n.reason_time ? " [" + n.reason_user + "@" + format_iso(n.reason_time) + "]" : ""));
  return record(l, one_liner);
}

std::string show_partition(const Partition& p, const std::vector<Node>& nodes, bool one_liner) {
  std::uint32_t cpus = 0;
  std::uint64_t mem = 0;
  for (const Node& n : nodes)
    if (std::ranges::find(p.nodes, n.name) != p.nodes.end()) cpus += n.cpus, mem += n.mem_mb;
  const std::string node_count = std::to_string(p.nodes.size()), cpu_count = std::to_string(cpus);
  const auto time = [](Time t) { return t == kNoValue ? std::string("NONE") : format_hms(t); };
  std::vector<std::string> l;
  l.push_back("PartitionName=" + p.name);
  l.push_back("AllowGroups=" + (p.allow_groups.empty() ? "ALL" : join(p.allow_groups, ",")) +
              (p.allow_users.empty() ? "" : " AllowUsers=" + join(p.allow_users, ",")) +
              " AllowAccounts=ALL AllowQos=ALL");
  l.push_back(std::string("AllocNodes=ALL Default=") + (p.is_default ? "YES" : "NO") + " QoS=N/A");
  l.push_back("DefaultTime=" + time(p.default_time) +
              " DisableRootJobs=NO ExclusiveUser=NO GraceTime=" + std::to_string(p.grace_time) + " Hidden=NO");
  l.push_back("MaxNodes=" + (p.max_nodes ? std::to_string(p.max_nodes) : "UNLIMITED") + " MaxTime=" + time(p.max_time) +
              " MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED");
  l.push_back("Nodes=" + (p.nodes_expr.empty() ? sorted_hostlist(p.nodes) : p.nodes_expr));
  l.push_back(
      str_printf("PriorityJobFactor=1 PriorityTier=%u RootOnly=NO ReqResv=NO OverSubscribe=NO", p.priority_tier));
  l.push_back(std::string("OverTimeLimit=NONE PreemptMode=") + preempt_name(p.preempt_mode));
  l.push_back(std::string("State=") + (p.up ? "UP" : "DOWN") + " TotalCPUs=" + cpu_count + " TotalNodes=" + node_count +
              " SelectTypeParameters=NONE");
  l.push_back("JobDefaults=(null)");
  l.push_back("DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED");
  l.push_back("TRES=cpu=" + cpu_count + (mem ? ",mem=" + format_mem_mb(mem) : "") + ",node=" + node_count +
              ",billing=" + cpu_count);
  return join(l, one_liner ? " " : "\n   ") + (one_liner ? "\n" : "\n\n");
}

}  // namespace sluice::cli
