// GPU device isolation: each job step runs in its own cgroup, which denies the NVIDIA device
// files (character major 195) of the GPUs the step was not given, as Slurm's ConstrainDevices=yes
// (cgroup.conf) does. A job without GPUs opens none of the node's GPUs.
//
// Two mechanisms, probed once when the agent starts, the first that works wins:
//   - cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the step's cgroup (what
//     cgroup v2 offers instead of v1's device files; Debian 12's default);
//   - cgroup v1: the `devices` controller's devices.deny file.
// Neither (no cgroup file system, not root, BPF refused): isolation is off, the agent logs why once,
// and jobs rely on CUDA_VISIBLE_DEVICES alone.
//
// A step's cgroup is <the agent's own cgroup>/sluiced.<node>.<agent pid>.<agent instance>/job_<id>.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sluice {

class DeviceControl {
 public:
  enum class Mode { Off, CgroupV2, CgroupV1 };

  // Probes the machine (root, a cgroup file system, BPF) and prepares the agent's directory
  // `sluiced.<node>.<pid>.<instance>`, removing the empty ones that ended agents of the same node
  // left behind (an agent whose pid still runs keeps its directory).
  // Never throws; the result says what works (mode(), describe()). `try_v2` false skips cgroup v2
  // (tests use it to exercise v1 where both are mounted).
  static DeviceControl probe(const std::string& node, const std::string& instance, bool try_v2 = true);

  Mode mode() const { return mode_; }
  // The agent's cgroup directory (absolute path; empty when isolation is off).
  const std::string& dir() const { return dir_; }
  // One line for the log: "GPU device isolation: cgroup v2 (BPF) under /sys/fs/cgroup/..." or
  // "GPU device isolation is off: <why>".
  std::string describe() const;

  // Makes job `job`'s cgroup, denying /dev/nvidia<m> for each m of `denied_minors`. Returns
  // the open cgroup.procs file of the cgroup (a step's child joins by writing "0" to it before
  // exec), or -1 with `error` set (the step then runs without isolation, and the caller logs it).
  int prepare(std::uint64_t job, const std::vector<std::uint32_t>& denied_minors, std::string& error);
  // Ends job `job`'s cgroup: closes the file prepare returned, kills what is left in it (cgroup
  // v2's cgroup.kill: double-forked and setsid() children too) and removes it; a cgroup that is
  // not empty yet is removed by a later tidy().
  void release(std::uint64_t job, int procs_fd);
  // Retries removing the cgroups release() could not remove yet. Call it now and then.
  void tidy();
  // At the agent's end: tidy(), then removes the agent's own directory if it is empty (an
  // agent that starts later removes what is left).
  void close();

 private:
  std::vector<std::string> leftover_;
  Mode mode_ = Mode::Off;
  std::string dir_;  // sluiced.<node>.<pid>.<instance> under the agent's own cgroup
  std::string why_off_;
};

// The cgroup v2 device program that denies character devices 195:<m> for each m of
// `denied_minors` and allows everything else. Exposed for tests.
std::vector<bpf_insn> device_filter_program(const std::vector<std::uint32_t>& denied_minors);

}  // namespace sluice
