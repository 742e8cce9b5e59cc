// The data model shared by the core, the CLI and plugins: jobs, nodes, partitions.
// Plugins see these through const references (read-only views); only the core mutates them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

// Seconds since the epoch / durations in seconds. Time limits use kUnlimited for "UNLIMITED"
// and kNoValue where nothing was requested.
using Time = std::int64_t;
inline constexpr std::int64_t kUnlimited = -1;
inline constexpr std::int64_t kNoValue = -2;

// Slurm's job states. COMPLETING (CG) is a job whose end is decided (Job::end_state) while its
// processes are still being killed and reaped; it holds its resources until they are gone.
enum class JobState : std::uint8_t {
  Pending,
  Running,
  Completing,
  Completed,
  Failed,
  Cancelled,
  Timeout,
  NodeFail,
  Preempted,
  OutOfMemory,
  Requeued,  // only in a job's run history (sacct -D): a run that ended by scontrol requeue
};
inline constexpr bool is_final(JobState s) {
  return s != JobState::Pending && s != JobState::Running && s != JobState::Completing;
}

// Slurm's long and short names: "PENDING"/"PD", "NODE_FAIL"/"NF", ...
inline const char* state_name(JobState s) {
  static constexpr const char* k[] = {"PENDING", "RUNNING",   "COMPLETING", "COMPLETED",     "FAILED",  "CANCELLED",
                                      "TIMEOUT", "NODE_FAIL", "PREEMPTED",  "OUT_OF_MEMORY", "REQUEUED"};
  return k[static_cast<int>(s)];
}
inline const char* state_code(JobState s) {
  static constexpr const char* k[] = {"PD", "R", "CG", "CD", "F", "CA", "TO", "NF", "PR", "OOM", "RQ"};
  return k[static_cast<int>(s)];
}
inline std::optional<JobState> parse_state(const std::string& in) {
  std::string s;
  for (char c : in) s += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (int i = 0; i <= static_cast<int>(JobState::Requeued); ++i) {
    auto st = static_cast<JobState>(i);
    if (s == state_name(st) || s == state_code(st)) return st;
  }
  return std::nullopt;
}

enum class DependKind : std::uint8_t { AfterOk, AfterAny, AfterNotOk, After };
struct Dependency {
  DependKind kind = DependKind::AfterOk;
  std::uint64_t job = 0;
};
inline std::string dependency_string(const std::vector<Dependency>& deps) {  // "afterok:3,afterany:4"
  static constexpr const char* k[] = {"afterok", "afterany", "afternotok", "after"};
  std::string out;
  for (const auto& d : deps) {
    if (!out.empty()) out += ',';
    out += k[static_cast<int>(d.kind)];
    out += ':' + std::to_string(d.job);
  }
  return out;
}

// --requeue / --no-requeue (sbatch(1)): whether the job may be requeued after preemption, a node
// failure or (where the requeue policy says so) a time limit. Unset: the requeue policy's default.
enum class RequeueFlag : std::uint8_t { Unset, Requeue, NoRequeue };

// --signal=[{R|B}:]SIG[@SECONDS] (sbatch(1)): the signal a job gets SECONDS before its time limit,
// and instead of SIGTERM when it is preempted, so that it can checkpoint. number 0: none asked.
struct SignalSpec {
  int number = 0;           // signal number (SIGUSR1 = 10 on Linux); 0: none
  Time seconds = 0;         // how long before the time limit, seconds (Slurm's default: 60)
  bool batch_only = false;  // "B:": only the batch shell gets it, not the job's other processes
  bool operator==(const SignalSpec&) const = default;
};

// What a submission asks for. Filled by the CLI, normalised by the partition plugin.
struct JobSpec {
  std::string name;
  std::string partition;             // empty: the partition plugin picks the default
  Time time_limit = kNoValue;        // seconds
  Time time_min = kNoValue;          // --time-min, seconds: the least limit the job accepts
  std::uint32_t nodes = 1;           // -N
  std::uint32_t ntasks = 1;          // -n
  std::uint32_t cpus_per_task = 1;   // -c
  std::uint64_t mem_mb = 0;          // --mem, per node; 0: none requested
  std::uint32_t gpus = 0;            // -G / --gpus: total over the job
  std::uint32_t gpus_per_node = 0;   // --gres=gpu[:type]:N, --gpus-per-node=[type:]N
  std::uint32_t gpus_per_task = 0;   // --gpus-per-task=[type:]N
  std::string gpu_type;              // empty: any type; one type for all of the job's GPUs
  std::uint32_t cpus_per_gpu = 0;    // --cpus-per-gpu: CPUs per allocated GPU; 0: none requested
  std::uint64_t mem_per_gpu_mb = 0;  // --mem-per-gpu, MB per allocated GPU; 0: none requested
  std::string constraint;            // -C/--constraint: node features, "a40", "a40|a10", "gpu&a40"
  std::string nodelist;              // -w (hostlist expression)
  std::string exclude;               // -x
  std::string workdir;               // -D or the submit directory
  std::string stdout_pattern;        // -o; empty: slurm-%j.out for batch jobs
  std::string stderr_pattern;        // -e; empty: same file as stdout
  std::string stdin_path;            // -i; empty: /dev/null for batch jobs
  bool open_append = false;          // --open-mode=append
  std::string script;                // batch script text (sbatch)
  std::vector<std::string> argv;     // command (srun); for batch: script arguments
  std::vector<std::string> env;      // "K=V", exported to the job
  std::vector<Dependency> depends;
  bool hold = false;
  RequeueFlag requeue = RequeueFlag::Unset;
  SignalSpec signal;        // --signal
  bool batch = true;        // sbatch; false: srun (interactive I/O)
  std::string io_endpoint;  // srun: its I/O channel (zmq endpoint): output to it; stdin, window size from it
  std::string submit_host;
  std::string comment;
  bool pty = false;            // srun --pty: the step runs on a pseudo-terminal of the node
  std::uint16_t pty_rows = 0;  // srun --pty: the submitting terminal's rows at submit; 0: unknown
  std::uint16_t pty_cols = 0;  // srun --pty: its columns at submit; 0: unknown
  std::string container;       // --container=IMAGE: the image the launch plugin runs the job in
  std::string container_mode;  // --container-mode: "exec" (empty means exec), "run" or "shell"
};

struct NodeAlloc {
  std::string node;
  std::uint32_t cpus = 0;
  std::uint64_t mem_mb = 0;
  std::vector<std::uint32_t> gpus;  // node-local GPU indices
};

// A job as plugins see it: identity, request, state and allocation. The controller's own
// bookkeeping (launch confirmation, the end a COMPLETING job will take, output paths) lives in the
// core's Job (core/model/job.hpp), which derives from this, so it can change without touching the
// SDK's ABI.
struct JobView {
  std::uint64_t id = 0;
  std::uint32_t uid = 0, gid = 0;
  std::string user, group;
  JobSpec spec;
  JobState state = JobState::Pending;
  std::string reason;  // "None", "Resources", "Priority", "Dependency", ...
  std::uint32_t priority = 0;
  Time submit_time = 0, eligible_time = 0, start_time = 0, end_time = 0;
  std::vector<NodeAlloc> alloc;
  int exit_code = 0;           // WEXITSTATUS
  int term_signal = 0;         // signal that ended it, 0 if none
  std::uint32_t restarts = 0;  // times requeued (SLURM_RESTART_COUNT)
  Time preempt_time = 0;       // when it was chosen as a preemption victim; 0: never (this run)
};

// One GPU of a node. `index` is the node-local index jobs are given (CUDA_VISIBLE_DEVICES); the
// rest is known when the node discovers its GPUs (gpu_detect = "nvml") or the config says it.
struct Gpu {
  Gpu() = default;
  Gpu(std::uint32_t index_, std::string type_) : index(index_), type(std::move(type_)) {}
  std::uint32_t index = 0;
  std::string type;              // "t4", "a10", ...
  std::string name;              // the device's own name, "Tesla T4"; empty: not discovered
  std::string uuid;              // "GPU-8f6c..."; empty: unknown
  std::string pci_bus_id;        // "00000000:3B:00.0"; empty: unknown
  std::uint32_t minor = 0;       // /dev/nvidia<minor>
  std::uint64_t memory_mb = 0;   // device memory, MB; 0: unknown
  std::int32_t link_group = -1;  // GPUs of one group are close (one PCI switch or NVLink island); -1: unknown
};

enum class NodeBase : std::uint8_t { Idle, Mixed, Allocated };

struct Node {
  std::string name;
  std::uint32_t cpus = 0;
  std::uint64_t mem_mb = 0;
  std::vector<Gpu> gpus;
  std::vector<std::string> partitions;  // names of the partitions listing it (Partition::nodes agrees)
  std::string features;                 // comma-separated, as -C/--constraint names them: "gpu,a40"
  std::uint32_t weight = 1;             // Slurm's Weight: nodes of lower weight are chosen first
  // Live state, kept by the core.
  bool responding = false;  // registered and heartbeating
  bool drain = false;
  bool down_admin = false;
  std::string reason;
  std::string reason_user;
  Time reason_time = 0;
  std::uint32_t alloc_cpus = 0;
  std::uint64_t alloc_mem_mb = 0;
  std::vector<bool> gpu_used;  // by GPU index
  std::uint32_t running_jobs = 0;
  Time boot_time = 0, agent_start_time = 0, last_seen = 0, last_busy = 0;
  std::string addr, hostname, os, arch, version;
  double cpu_load = 0;
  std::uint64_t free_mem_mb = 0;
};
inline NodeBase node_base(const Node& n) {
  if (n.running_jobs == 0 && n.alloc_cpus == 0) return NodeBase::Idle;
  if (n.alloc_cpus >= n.cpus) return NodeBase::Allocated;
  return NodeBase::Mixed;
}
// Slurm's node state word: "idle", "mix", "alloc", "down*", "drain", "drng" ...
inline std::string node_state_short(const Node& n) {
  const NodeBase b = node_base(n);
  if (n.down_admin) return n.responding ? "down" : "down*";
  if (!n.responding) return n.drain ? "drain*" : "down*";
  if (n.drain) return b == NodeBase::Idle ? "drain" : "drng";
  return b == NodeBase::Idle ? "idle" : b == NodeBase::Mixed ? "mix" : "alloc";
}
// "IDLE", "MIXED", "ALLOCATED", "DOWN+NOT_RESPONDING", "IDLE+DRAIN", "MIXED+DRAIN" ...
inline std::string node_state_long(const Node& n) {
  const NodeBase b = node_base(n);
  std::string s = b == NodeBase::Idle ? "IDLE" : b == NodeBase::Mixed ? "MIXED" : "ALLOCATED";
  if (n.down_admin || !n.responding) s = "DOWN";
  if (n.drain) s += "+DRAIN";
  if (!n.responding) s += "+NOT_RESPONDING";
  return s;
}

enum class PreemptMode : std::uint8_t { Off, Requeue, Cancel };

struct Partition {
  std::string name;
  std::vector<std::string> nodes;  // expanded
  std::string nodes_expr;          // as configured
  bool is_default = false;
  bool up = true;
  Time max_time = kUnlimited;
  Time default_time = kNoValue;
  std::uint32_t priority_tier = 1;
  PreemptMode preempt_mode = PreemptMode::Off;
  Time grace_time = 0;                    // Slurm's GraceTime: seconds a preempted job of this partition gets between
                                          // its warning signal and the kill
  std::uint32_t max_nodes = 0;            // 0: unlimited
  std::uint32_t max_gpus_per_job = 0;     // 0: unlimited
  std::vector<std::string> allow_groups;  // empty: ALL
  std::vector<std::string> allow_users;   // empty: ALL
};

}  // namespace sluice
