// A job step on this node, in three stages: prepare (paths, user and groups, the batch script,
// the SLURM_* environment, the node-side launch plugin) -> spawn (vfork/exec as the job's user,
// in its own session) -> the agent reports (agent.cpp). Preparing does all the work that may
// allocate or call NSS; spawning only runs a plan made before the vfork.
#pragma once
#include <sys/types.h>

#include <sluice/launch.hpp>
#include <sluice/model.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"
#include "core/noded/binding.hpp"
#include "core/noded/devices.hpp"

namespace sluice {

// What the node knows that the step needs.
struct StepContext {
  std::string node;          // this node's name (SLURMD_NODENAME, %N)
  std::string cluster_name;  // SLURM_CLUSTER_NAME
  std::string spool;         // where batch scripts are written
  const Node* node_config = nullptr;
  LaunchPolicy* launch = nullptr;    // the node-side launch plugin, if any
  DeviceControl* devices = nullptr;  // GPU device isolation; nullptr or Mode::Off: none
  std::uint32_t step_id = 0;         // SLURM_STEP_ID of an srun step (0 for srun's own job)
  // A step inside an allocation joins the cgroup of the allocation's own process (its cgroup.procs,
  // which the step's copy of the descriptor keeps open) instead of making one; -1: it has none.
  int join_cgroup = -1;
};

struct PreparedStep {
  std::string program;            // argv[0] as given (searched in PATH when it has no '/')
  std::vector<std::string> argv;  // after the launch plugin
  std::vector<std::string> env;   // "K=V", after the launch plugin
  std::string workdir;
  // Files the step's streams go to (resolved patterns). Batch: always. srun: stdout/stderr only
  // with -o/-e (else they go to srun), stdin only with -i (else srun forwards its own).
  std::string stdout_path, stderr_path;
  std::string stdin_path;
  bool pty = false;                          // srun --pty: stdin, stdout and stderr are one terminal
  std::uint16_t pty_rows = 0, pty_cols = 0;  // its initial size; 0: the kernel's default
  std::string user;                          // the job's user name, as NSS knows it
  bool switch_user = false;                  // the agent runs as root and the job is not root's
  std::vector<gid_t> groups;                 // the user's groups (when switching)
  std::string refused;                       // non-empty: why the step may not run (launch plugin...)
  int cgroup_procs = -1;                     // the step's cgroup (DeviceControl::prepare); -1: none
  std::string isolation_error;               // why the step runs without device isolation, if it does
};

// The step for `job` (its first allocation part is this node's). A job without a batch script or
// a command is an allocation (salloc): its step is a process that holds it (`sleep infinity`). Writes the batch script
// into the spool directory (mode 0700, owned by the job's user) and, with device isolation, makes the step's cgroup
// (the caller releases it through ctx.devices when the step ends).
PreparedStep prepare_step(const Job& job, const StepContext& ctx);

// The environment a job sees: its exported variables without SLURM_*/CUDA_VISIBLE_DEVICES, then
// Slurm's SLURM_* set (sbatch/srun man pages, OUTPUT ENVIRONMENT VARIABLES) and the GPU binding
// (append_gpu_environment in binding.hpp).
std::vector<std::string> step_environment(const Job& job, const std::string& nodelist, const StepContext& ctx,
                                          const GpuBinding& gpus);

// Slurm's form of the task split the select plugin makes (remainder on the first nodes):
// 3 tasks on 2 nodes -> "2,1"; 4 on 2 -> "2(x2)" (SLURM_TASKS_PER_NODE).
std::string tasks_per_node(std::uint32_t ntasks, std::size_t nodes);

struct SpawnedStep {
  pid_t pid = -1;  // -1: not started (see error)
  // srun: the agent's ends, close-on-exec, -1 where the stream goes to or comes from a file.
  // Pipes: out_fd/err_fd read the step's stdout/stderr, in_fd writes its stdin. --pty: out_fd
  // reads and in_fd writes the terminal's master side (two descriptors of it), err_fd is -1.
  int out_fd = -1, err_fd = -1, in_fd = -1;
  bool pty = false;
  std::string error;  // why it did not start: pty, fork or exec failure
};

// Starts `step` for `job`: batch: streams to and from files; srun: pipes (or a pseudo-terminal
// that becomes the step's controlling terminal) except for streams -i/-o/-e send to files. Exec
// failures come back through a close-on-exec pipe, so error is set only when nothing runs.
SpawnedStep spawn_step(const Job& job, const PreparedStep& step);

// Writes all of `s` to fd, retrying short writes; gives up on error.
void write_all(int fd, std::string_view s);

}  // namespace sluice
