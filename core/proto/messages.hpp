// One schema per wire message: a struct with its type name and its fields, included by both ends.
// Each field is required or optional: a body without a required field (or with a field of the
// wrong type) is a decode error naming the field, never a silent default, so a misspelt
// "timed_out" cannot turn TIMEOUT into COMPLETED. Optional fields keep their defaults, so a newer
// peer may add fields. Fields a message does not list are ignored.
//
//   JobEnded e{.id = 7, .exit_code = 0, .signal = 0, .timed_out = true};
//   send(JobEnded::kType, to_body(e));
//   std::string why;
//   if (auto got = from_body<JobEnded>(body, &why)) ...; else log(why);
#pragma once
#include <cstdint>
#include <optional>
#include <sluice/model.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/wire.hpp"

namespace sluice {

// ---- node agent -> controller -----------------------------------------------------------------

// A job's end, repeated until the controller acknowledges it (AckEnd).
struct JobEnded {
  static constexpr std::string_view kType = "job_ended";
  std::uint64_t id = 0;
  int exit_code = 0;           // WEXITSTATUS
  int signal = 0;              // the signal that ended it, 0 if none
  bool timed_out = false;      // the agent enforced the time limit
  bool launch_failed = false;  // the step never ran (a file it needs not opened, refused by the launch plugin)
  std::string launch_error;    // launch_failed: why ("Could not open stdout file /x/out: No such file or directory")
  std::uint32_t run = 0;       // the job's restart count at launch: which run of a requeued job ended
  template <class V>
  void fields(V& v) {
    v.required("id", id);
    v.required("exit_code", exit_code);
    v.required("signal", signal);
    v.required("timed_out", timed_out);
    v.optional("launch_failed", launch_failed);
    v.optional("launch_error", launch_error);
    v.optional("run", run);
  }
};

// The agent started a job (or confirms a resent launch).
struct JobStarted {
  static constexpr std::string_view kType = "job_started";
  std::uint64_t id = 0;
  std::string instance;
  std::string stdout_path, stderr_path;  // batch: resolved output files
  std::uint32_t run = 0;                 // the job's restart count at launch
  template <class V>
  void fields(V& v) {
    v.required("id", id);
    v.optional("instance", instance);
    v.optional("stdout", stdout_path);
    v.optional("stderr", stderr_path);
    v.optional("run", run);
  }
};

// An agent (re)starting, with what it runs and the ends not yet acknowledged.
struct Register {
  static constexpr std::string_view kType = "register";
  std::string instance;  // identifies this agent process
  Time boot_time = 0, start_time = 0;
  std::string hostname, addr, os, arch, version;
  std::vector<std::uint64_t> running;
  std::vector<std::uint32_t> running_runs;  // the run (restart count) of each `running` job, same order
  std::vector<JobEnded> finished;
  // gpu_detect = "nvml" (docs/gpu.md): `gpus` is what NVML found (PCI bus order, indices 0..n-1)
  // when `gpus_detected`; otherwise `gpu_detect_error` says why NVML could not be used.
  bool gpus_detected = false;
  std::vector<Gpu> gpus;
  std::string gpu_detect_error;
  template <class V>
  void fields(V& v) {
    v.required("instance", instance);
    v.required("running", running);
    v.required("finished", finished);
    v.optional("running_runs", running_runs);
    v.optional("gpus_detected", gpus_detected);
    v.optional("gpus", gpus);
    v.optional("gpu_detect_error", gpu_detect_error);
    v.optional("boot_time", boot_time);
    v.optional("start_time", start_time);
    v.optional("hostname", hostname);
    v.optional("addr", addr);
    v.optional("os", os);
    v.optional("arch", arch);
    v.optional("version", version);
  }
};

struct Heartbeat {
  static constexpr std::string_view kType = "heartbeat";
  std::string instance;
  double load = 0;                // 1-minute load average
  std::uint64_t free_mem_mb = 0;  // MB available
  template <class V>
  void fields(V& v) {
    v.required("instance", instance);
    v.optional("load", load);
    v.optional("free_mem_mb", free_mem_mb);
  }
};

// GPU usage of one running job as NVML sampled it on this node, sent after each sampling round and
// once more when the job ends (before its job_ended). `gpus` holds the whole life so far (sums),
// so the controller replaces what it had for this node.
struct GpuUsageReport {
  static constexpr std::string_view kType = "gpu_usage";
  std::string instance;
  std::uint64_t id = 0;
  std::vector<GpuUsage> gpus;
  template <class V>
  void fields(V& v) {
    v.required("instance", instance);
    v.required("id", id);
    v.required("gpus", gpus);
  }
};

// ---- controller -> node agent -----------------------------------------------------------------

struct Launch {
  static constexpr std::string_view kType = "launch";
  Job job;
  Time kill_wait = 30;  // seconds between SIGTERM and SIGKILL
  template <class V>
  void fields(V& v) {
    v.required("job", job);
    v.required("kill_wait", kill_wait);
  }
};

// Starts step `step` of a running allocation on its first node: `job` is the allocation (identity,
// alloc) with its spec replaced by the step's. The step's end goes to its srun only.
struct StepLaunch {
  static constexpr std::string_view kType = "launch_step";
  Job job;
  std::uint32_t step = 0;
  template <class V>
  void fields(V& v) {
    v.required("job", job);
    v.required("step", step);
  }
};

// Signals a job. reason "cancel", "node_fail", "orphan": `signal` now, SIGKILL after the launch's
// kill_wait unless it was SIGKILL already; "signal": `signal` only (scancel --signal), to what
// `scope` names (scancel's -b/-f, below); "preempt":
// `signal` (to the batch shell only with batch_only) as the warning, then after `grace` seconds
// the kill as for "cancel". A repeated preempt of a job already warned changes nothing.
struct Kill {
  static constexpr std::string_view kType = "kill";
  std::uint64_t id = 0;
  int signal = 15;
  std::string reason;
  Time grace = 0;           // preempt: seconds from the warning to the kill
  bool batch_only = false;  // preempt: the warning goes to the batch shell only (--signal=B:)
  std::int64_t run = -1;    // only this run of the job (its restart count); -1: whichever runs
  // "signal", as Slurm's scancel: "steps" (plain -s) the job's steps and not the batch shell (an
  // srun job's command is its step; salloc's holder is no step); "batch" (-b) the batch shell's
  // process alone, not its children nor the steps; "full" (-f) the batch shell, its children and
  // every step.
  std::string scope = "full";
  template <class V>
  void fields(V& v) {
    v.required("id", id);
    v.required("signal", signal);
    v.optional("reason", reason);
    v.optional("grace", grace);
    v.optional("batch_only", batch_only);
    v.optional("run", run);
    v.optional("scope", scope);
  }
};

// A running job's new time limit (scontrol update TimeLimit=): the agent moves the job's deadline to
// its start (on the agent's clock) plus `time_limit`, and its --signal warning with it; a deadline
// already past ends the job at once, by its time limit. kUnlimited: no deadline, no warning.
struct SetTimeLimit {
  static constexpr std::string_view kType = "time_limit";
  std::uint64_t id = 0;
  Time time_limit = kUnlimited;  // seconds, or kUnlimited
  template <class V>
  void fields(V& v) {
    v.required("id", id);
    v.required("time_limit", time_limit);
  }
};

// A line for a job's output (the idle-GPU policy's warning): appended to its stderr file (batch)
// or sent to the waiting srun.
struct Notice {
  static constexpr std::string_view kType = "notice";
  std::uint64_t id = 0;
  std::string text;  // ends with a newline
  template <class V>
  void fields(V& v) {
    v.required("id", id);
    v.required("text", text);
  }
};

struct AckEnd {
  static constexpr std::string_view kType = "ack_end";
  std::uint64_t id = 0;
  std::uint32_t run = 0;  // the run whose end is acknowledged
  template <class V>
  void fields(V& v) {
    v.required("id", id);
    v.optional("run", run);
  }
};

struct Registered {
  static constexpr std::string_view kType = "registered";
  Time heartbeat_interval = 5;  // seconds
  template <class V>
  void fields(V& v) {
    v.required("heartbeat_interval", heartbeat_interval);
  }
};

// ---- clients -> controller ----------------------------------------------------------------------

struct Submit {
  static constexpr std::string_view kType = "submit";
  JobSpec spec;
  template <class V>
  void fields(V& v) {
    v.required("spec", spec);
  }
};

// srun inside an allocation (SLURM_JOB_ID set, as salloc and sbatch give it): a job step, run in
// the allocation on its first node instead of a new job (srun man page: "run a parallel job on
// cluster managed by Slurm ... within an existing allocation"). `spec` holds the step's command,
// environment, I/O endpoint, --pty and files; resources are the allocation's. The reply:
// {"job_id": N, "step_id": S, "node": "<first node>"}.
struct StepRequest {
  static constexpr std::string_view kType = "step";
  std::uint64_t job_id = 0;
  JobSpec spec;
  template <class V>
  void fields(V& v) {
    v.required("job_id", job_id);
    v.required("spec", spec);
  }
};

// scancel: ids, or filters (user, name, partition, states); a signal instead of a cancel.
struct Cancel {
  static constexpr std::string_view kType = "cancel";
  std::vector<std::uint64_t> ids;
  int signal = 0;
  bool batch = false;  // scancel -b: the signal goes to the batch shell only
  bool full = false;   // scancel -f: to the batch shell, its children and the steps (wins over -b)
  std::string user, name, partition;
  std::vector<std::string> states;
  template <class V>
  void fields(V& v) {
    v.optional("ids", ids);
    v.optional("signal", signal);
    v.optional("batch", batch);
    v.optional("full", full);
    v.optional("user", user);
    v.optional("name", name);
    v.optional("partition", partition);
    v.optional("states", states);
  }
};

// scontrol hold/release.
struct JobIds {
  static constexpr std::string_view kType = "hold";
  std::vector<std::uint64_t> ids;
  template <class V>
  void fields(V& v) {
    v.required("ids", ids);
  }
};

// scontrol requeue / requeuehold (Slurm's scontrol(1)): running jobs are stopped and come back
// PENDING under the same id; finished ones (still known to the controller) are pending again.
struct Requeue {
  static constexpr std::string_view kType = "requeue";
  std::vector<std::uint64_t> ids;
  bool hold = false;  // requeuehold
  template <class V>
  void fields(V& v) {
    v.required("ids", ids);
    v.optional("hold", hold);
  }
};

// scontrol update JobId=ID TimeLimit=T: what to change in one job, each field kNoValue when left
// as it is. The CLI resolves Slurm's relative forms (TimeLimit=+T, -T) against the limit it read.
struct UpdateJob {
  static constexpr std::string_view kType = "update_job";
  std::uint64_t id = 0;
  Time time_limit = kNoValue;  // seconds, or kUnlimited
  template <class V>
  void fields(V& v) {
    v.required("id", id);
    v.optional("time_limit", time_limit);
  }
};

struct UpdateNode {
  static constexpr std::string_view kType = "update_node";
  std::string names;  // hostlist expression
  std::string state;  // drain, down, resume, idle, undrain
  std::string reason;
  template <class V>
  void fields(V& v) {
    v.required("names", names);
    v.required("state", state);
    v.optional("reason", reason);
  }
};

// scontrol whatif -f CONFIG [--job '<sbatch options>']...
struct Whatif {
  static constexpr std::string_view kType = "whatif";
  std::string config;         // path of the candidate config
  std::vector<JobSpec> jobs;  // hypothetical submissions (--job), placed after the pending jobs
  template <class V>
  void fields(V& v) {
    v.required("config", config);
    v.optional("jobs", jobs);
  }
};

// ---- reading and writing ------------------------------------------------------------------------

namespace detail {

// Reads each field of a message from its JSON body; stops at the first problem.
struct BodyReader {
  const Json& body;
  std::string error;  // the first problem

  template <class T>
  void read(const char* name, T& out, bool required) {
    if (!error.empty()) return;
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (required) error = std::string("missing field \"") + name + "\"";
      return;
    }
    try {
      out = it->get<T>();
    } catch (const std::exception& e) {
      error = std::string("field \"") + name + "\": " + e.what();
    }
  }
  // A list of messages (Register::finished): each one read with its own schema.
  template <class M>
  void read(const char* name, std::vector<M>& out, bool required) requires requires(M& m, BodyReader& r) {
    m.fields(r);
  }
  {
    if (!error.empty()) return;
    auto it = body.find(name);
    if (it == body.end() || !it->is_array()) {
      if (required) error = std::string("missing list \"") + name + "\"";
      return;
    }
    for (const Json& item : *it) {
      M m;
      BodyReader inner{item, {}};
      if (item.is_object())
        m.fields(inner);
      else
        inner.error = "expected an object";
      if (!inner.error.empty()) {
        error = std::string(name) + "[]: " + inner.error;
        return;
      }
      out.push_back(std::move(m));
    }
  }
  template <class T>
  void required(const char* name, T& out) {
    read(name, out, true);
  }
  template <class T>
  void optional(const char* name, T& out) {
    read(name, out, false);
  }
};

// Writes every field of a message into a JSON body.
struct BodyWriter {
  Json body = Json::object();
  template <class T>
  void write(const char* name, T& value) {
    body[name] = value;
  }
  template <class M>
  void write(const char* name, std::vector<M>& value) requires requires(M& m, BodyWriter& w) {
    m.fields(w);
  }
  {
    Json arr = Json::array();
    for (M& item : value) {
      BodyWriter inner;
      item.fields(inner);
      arr.push_back(std::move(inner.body));
    }
    body[name] = std::move(arr);
  }
  template <class T>
  void required(const char* name, T& value) {
    write(name, value);
  }
  template <class T>
  void optional(const char* name, T& value) {
    write(name, value);
  }
};

}  // namespace detail

// The body of message M, or nullopt with *error naming the first missing or malformed field.
template <class M>
std::optional<M> from_body(const Json& body, std::string* error) {
  if (!body.is_object()) {
    if (error) *error = "body is not an object";
    return std::nullopt;
  }
  M m;
  detail::BodyReader r{body, {}};
  m.fields(r);
  if (!r.error.empty()) {
    if (error) *error = r.error;
    return std::nullopt;
  }
  return m;
}

// The same, throwing std::invalid_argument(why): for handlers, whose caller turns it into an
// error reply (clients) or a log line (agents).
template <class M>
M parse_body(const Json& body) {
  std::string why;
  auto m = from_body<M>(body, &why);
  if (!m) throw std::invalid_argument(std::string(M::kType) + ": " + why);
  return std::move(*m);
}

// The JSON body of message `m` (every field, required or not).
template <class M>
Json to_body(M m) {
  detail::BodyWriter w;
  m.fields(w);
  return std::move(w.body);
}

}  // namespace sluice
