// sluiced: the node agent. Registers its node, heartbeats, launches jobs (fork/exec in their own
// process group, as the job's user when run as root), enforces time limits and signals, streams
// srun I/O, and reports every job's end until the controller acknowledges it.
#pragma once
#include <sys/types.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <zmq.hpp>

#include "core/config/config.hpp"
#include "core/noded/devices.hpp"
#include "core/noded/nvml.hpp"
#include "core/noded/step_io.hpp"
#include "core/plugin/loader.hpp"
#include "core/proto/auth.hpp"
#include "core/proto/messages.hpp"
#include "core/proto/wire.hpp"

namespace sluice {

class Agent {
 public:
  Agent(std::shared_ptr<const Config> cfg, std::string node);
  ~Agent();
  void run();  // until SIGTERM/SIGINT

 private:
  struct Task {
    Job job;
    pid_t pid = -1;
    Time deadline = 0;       // time limit; 0: none
    Time kill_at = 0;        // SIGKILL escalation; 0: none
    bool preempted = false;  // the preemption warning was sent
    Time preempt_at = 0;     // end of the preemption grace: then the kill (SIGTERM, SIGKILL); 0: none
    bool timed_out = false;
    bool exited = false;
    int status = 0;
    Time exited_at = 0;
    std::unique_ptr<StepIo> io;   // srun: the channel to the waiting srun and the step's streams
    std::string stderr_file;      // batch: where notices go
    int cgroup_procs = -1;        // the step's cgroup (device isolation); -1: none
    int released = -1;            // salloc gave the allocation back: its command's exit code
    std::vector<GpuUsage> usage;  // NVML samples of its GPUs on this node (agent_gpus.cpp)

    // Time limits (timers()): when it was launched (agent's clock), which a new limit counts from
    // (0: not noted yet), and whether its --signal warning went out.
    Time started = 0;
    bool warned = false;
  };

  void send(const std::string& type, Json body);
  void on_message(const Message& m);
  void launch(const Job& job, Time kill_wait);
  // Job steps inside an allocation (agent_steps.cpp): srun with SLURM_JOB_ID set runs its command
  // here, on the allocation's first node, beside the allocation's own process; a step's end goes
  // to its srun only. Steps end with their allocation.
  void launch_step(const Job& job, std::uint32_t step);
  void finish_step(std::pair<std::uint64_t, std::uint32_t> key);
  void signal_steps(std::uint64_t job, int sig, Time kill_at);
  // srun's requests on a task's channel (a step or a job): end it, or (salloc) give it back.
  void on_channel(Task& t, Time now);
  void kill(const Kill& k);
  // scancel --signal (a Kill with reason "signal"): k.signal to what k.scope names (Kill::scope):
  // the job's steps, its batch shell alone, or both with the shell's children. Ends nothing.
  void signal_only(Task& t, const Kill& k);
  void terminate(Task& t, Time now);  // SIGCONT + SIGTERM to the job's processes, SIGKILL after kill_wait
  void reap();
  // The job's end report; `launch_error` non-empty: it never ran, and why (JobEnded::launch_error).
  void finish(std::uint64_t id, const std::string& launch_error = {});
  void timers();
  // Time limits (agent.cpp, beside timers()): the job's --signal `seconds` before its deadline,
  // once (a second after its start when that moment comes earlier); a new time limit from the
  // controller (SetTimeLimit: seconds or kUnlimited), which moves the deadline from the job's start
  // and re-arms the warning when its new moment is still ahead.
  void warn_before_limit(std::uint64_t id, Task& task, Time now);
  void set_time_limit(std::uint64_t id, Time limit);
  void register_now();
  void notice(Task& t, const std::string& text);
  void reconfigure();
  static std::unique_ptr<LoadedPlugin> load_launch(const Config& cfg, std::vector<std::string>& errors);
  // GPUs (agent_gpus.cpp): NVML discovery at start, this node as jobs see it (the discovered
  // inventory where it is adopted), one sampling round of every running job's GPUs, and the report.
  void discover_gpus();
  void refresh_self();
  void sample_gpus(Time now);
  void report_gpu_usage(std::uint64_t id, const Task& t);

  std::shared_ptr<const Config> cfg_;
  std::unique_ptr<LoadedPlugin> launch_;  // optional node-side launch plugin
  DeviceControl devices_;                 // GPU device isolation of job steps
  std::string name_;
  std::string instance_;
  std::string spool_;
  std::string endpoint_;  // the controller
  std::unique_ptr<Authenticator> auth_;
  zmq::context_t ctx_{1};
  zmq::socket_t dealer_{ctx_, zmq::socket_type::dealer};
  int sigfd_ = -1;
  bool stop_ = false;
  bool registered_ = false;
  Time kill_wait_ = 30;
  Time heartbeat_ = 5;
  Time last_register_ = 0, last_heartbeat_ = 0, last_resend_ = 0;
  std::map<std::uint64_t, Task> tasks_;
  std::map<std::pair<std::uint64_t, std::uint32_t>, Task> steps_;  // (job, step id)
  std::map<std::uint64_t, JobEnded> unacked_;                      // job ends not yet acknowledged
  std::set<std::pair<std::uint64_t, std::uint32_t>> seen_;         // (job, run) launched by this instance
  std::unique_ptr<Nvml> nvml_;                                     // null: NVML not loaded (no sampling)
  std::vector<Gpu> nvml_gpus_;                                     // what NVML reports, PCI bus order
  bool gpus_detected_ = false;                                     // gpu_detect = "nvml" and NVML answered
  std::string gpu_detect_error_;                                   // gpu_detect = "nvml" and NVML did not: why
  Node self_;                                                      // this node: config, GPUs as adopted
  Time last_sample_ = 0;
  std::set<std::string> sample_warned_;  // GPUs whose sampling failed (logged once)
};

}  // namespace sluice
