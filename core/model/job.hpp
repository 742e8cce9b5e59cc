// The controller's job record: what plugins see (JobView) plus the core's own bookkeeping. Stored
// in SQLite and sent on the wire (core/proto/wire.hpp) in this form; only Jobs::handle changes it.
#pragma once
#include <cstdint>
#include <sluice/model.hpp>
#include <string>
#include <vector>

namespace sluice {

// What NVML sampling saw of one GPU allocated to a job, over the job's life so far (sluice
// jobstats). Sums, not means, so that a resent report never counts twice: mean = sum / samples.
struct GpuUsage {
  std::string node;
  std::uint32_t index = 0;         // node-local GPU index (CUDA_VISIBLE_DEVICES)
  std::string type;                // "a40"
  std::uint64_t mem_total_mb = 0;  // device memory, MB; 0: unknown
  std::uint32_t samples = 0;
  std::uint64_t util_sum = 0;    // sum of the utilisation samples, %
  std::uint32_t util_max = 0;    // %
  std::uint32_t util_last = 0;   // the latest sample, %
  std::uint64_t mem_sum_mb = 0;  // sum of the memory-in-use samples, MB
  std::uint64_t mem_max_mb = 0;  // MB
  Time first = 0, last = 0;      // when the first and the latest sample were taken (agent's clock)
};

struct Job : JobView {
  JobState end_state = JobState::Pending;  // while COMPLETING: the final state it will take
  bool launched = false;                   // the node agent confirmed the launch
  std::string stdout_path, stderr_path;    // resolved at launch
  std::vector<GpuUsage> gpu_usage;         // per allocated GPU, where NVML sampled it
  Time gpu_idle_since = 0;                 // every sampled GPU below gpu_idle.threshold since; 0: busy/unknown
  bool gpu_idle_flagged = false;           // the idle-GPU policy acted on the current idle spell
  // This run was chosen as a preemption victim (COMPLETING, end_state PREEMPTED): how it is stopped
  // (Requeue: the requeue policy decides its end; Cancel: it ends PREEMPTED) and for which pending
  // job. Off: not preempted. Cleared when the job is requeued.
  PreemptMode preempt_mode = PreemptMode::Off;
  std::uint64_t preempted_for = 0;
  Time preempt_grace = 0;     // seconds from the warning (preempt_time) to the kill
  bool requeue_hold = false;  // scontrol requeuehold: the requeued job comes back held
  // What the system says about the job's last run (Slurm's SystemComment): why its launch failed,
  // with the path and the OS error ("Could not open stdout file /x/out: No such file or directory").
  std::string system_comment;
};

}  // namespace sluice
