#include "core/noded/agent.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sluice/launch.hpp>

#include "core/noded/step.hpp"
#include "core/plugin/guarded.hpp"
#include "core/plugin/loader.hpp"
#include "core/proto/messages.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/util/net.hpp"
#include "core/util/text.hpp"
#include "core/util/time_math.hpp"

namespace sluice {

namespace {

Time now() { return static_cast<Time>(::time(nullptr)); }

std::string expand_node(std::string s, const std::string& node) {
  for (auto p = s.find("%n"); p != std::string::npos; p = s.find("%n", p + node.size())) s.replace(p, 2, node);
  return s;
}

std::string random_instance() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

Time boot_time() {
  std::ifstream f("/proc/stat");
  std::string key;
  Time v = 0;
  while (f >> key) {
    if (key == "btime") {
      f >> v;
      break;
    }
  }
  return v;
}

}  // namespace

Agent::Agent(std::shared_ptr<const Config> cfg, std::string node)
    : cfg_(std::move(cfg)),
      name_(std::move(node)),
      instance_(random_instance()),
      spool_(expand_node(cfg_->agent.spool_dir, name_)),
      endpoint_(cfg_->controller.address.empty() ? cfg_->controller.listen : cfg_->controller.address),
      auth_(make_authenticator(cfg_->auth)) {
  std::filesystem::create_directories(spool_);
  heartbeat_ = cfg_->controller.heartbeat_interval;
  kill_wait_ = cfg_->controller.kill_wait;
  const std::string& endpoint = endpoint_;
  dealer_.set(zmq::sockopt::routing_id, "node:" + name_);
  dealer_.set(zmq::sockopt::linger, 0);
  dealer_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
  dealer_.set(zmq::sockopt::reconnect_ivl, 100);
  dealer_.set(zmq::sockopt::reconnect_ivl_max, 2000);
  dealer_.connect(endpoint);

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  sigfd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  std::vector<std::string> errors;
  launch_ = load_launch(*cfg_, errors);
  if (!errors.empty()) throw std::runtime_error(join(errors, "; "));
  spdlog::info("sluiced node={} instance={} controller={} spool={}", name_, instance_, endpoint, spool_);
  devices_ = DeviceControl::probe(name_, instance_);
  if (devices_.mode() == DeviceControl::Mode::Off)
    spdlog::warn("{}", devices_.describe());
  else
    spdlog::info("{}", devices_.describe());
  discover_gpus();
}

Agent::~Agent() {
  // Jobs die with their agent (PR_SET_PDEATHSIG); make it explicit on an orderly stop.
  for (auto& [key, t] : steps_) {
    if (!t.exited) ::kill(-t.pid, SIGKILL);
    if (t.cgroup_procs >= 0) ::close(t.cgroup_procs);
  }
  for (auto& [id, t] : tasks_) {
    if (!t.exited) ::kill(-t.pid, SIGKILL);
    devices_.release(id, t.cgroup_procs);
  }
  devices_.close();
}

void Agent::send(const std::string& type, Json body) {
  std::string err;
  Message m{type, std::move(body), auth_->credential(&err)};
  if (!err.empty()) {
    spdlog::error("cannot authenticate {}: {}", type, err);
    return;
  }
  try {
    dealer_.send(zmq::buffer(encode(m)), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    spdlog::warn("send {} failed: {}", type, e.what());
  }
}

void Agent::register_now() {
  utsname u{};
  uname(&u);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  Register r;
  r.instance = instance_;
  for (const auto& [id, t] : tasks_) r.running.push_back(id), r.running_runs.push_back(t.job.restarts);
  for (const auto& [id, e] : unacked_) r.finished.push_back(e);
  r.boot_time = boot_time();
  r.start_time = now();
  r.hostname = host;
  r.addr = local_address_toward(endpoint_);
  r.os = std::string(u.sysname) + " " + u.release + " " + u.version;
  r.arch = u.machine;
  r.version = SLUICE_VERSION;
  r.gpus_detected = gpus_detected_;
  if (gpus_detected_) r.gpus = nvml_gpus_;
  r.gpu_detect_error = gpu_detect_error_;
  send(std::string(Register::kType), to_body(std::move(r)));
  last_register_ = now();
}

void Agent::run() {
  register_now();
  while (!stop_) {
    std::vector<zmq::pollitem_t> items = {{dealer_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, sigfd_, ZMQ_POLLIN, 0}};
    for (auto& [id, t] : tasks_)
      if (t.io) t.io->add_poll_items(items);
    for (auto& [key, t] : steps_)
      if (t.io) t.io->add_poll_items(items);
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(200));
    if (items[0].revents & ZMQ_POLLIN) {
      for (int i = 0; i < 1000; ++i) {
        zmq::message_t msg;
        if (!dealer_.recv(msg, zmq::recv_flags::dontwait)) break;
        std::string err;
        auto m = decode(msg.to_string_view(), &err);
        if (!m) {
          spdlog::warn("rejected message from controller: {}", err);
          continue;
        }
        try {
          on_message(*m);
        } catch (const std::exception& e) {
          spdlog::warn("rejected {} message: {}", m->type, e.what());
        }
      }
    }
    const Time polled = now();
    for (auto& [id, t] : tasks_)
      if (t.io) t.io->on_poll(items, polled), on_channel(t, polled);
    for (auto& [key, t] : steps_)
      if (t.io) t.io->on_poll(items, polled), on_channel(t, polled);
    if (items[1].revents & ZMQ_POLLIN) {
      signalfd_siginfo si{};
      while (::read(sigfd_, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD) continue;
        if (si.ssi_signo == SIGHUP) {
          reconfigure();
          continue;
        }
        spdlog::info("signal {}: shutting down", si.ssi_signo);
        stop_ = true;
      }
    }
    reap();
    timers();
  }
}

void Agent::on_message(const Message& m) {
  const Json& b = m.body;
  if (m.type == Registered::kType) {
    registered_ = true;
    heartbeat_ = parse_body<Registered>(b).heartbeat_interval;
  } else if (m.type == "reregister") {
    register_now();
  } else if (m.type == "reconfigure") {
    reconfigure();
  } else if (m.type == Launch::kType) {
    const Launch l = parse_body<Launch>(b);
    launch(l.job, l.kill_wait);
  } else if (m.type == StepLaunch::kType) {
    const StepLaunch l = parse_body<StepLaunch>(b);
    launch_step(l.job, l.step);
  } else if (m.type == Kill::kType) {
    kill(parse_body<Kill>(b));
  } else if (m.type == SetTimeLimit::kType) {
    const SetTimeLimit u = parse_body<SetTimeLimit>(b);
    set_time_limit(u.id, u.time_limit);
  } else if (m.type == Notice::kType) {
    const Notice n = parse_body<Notice>(b);
    if (auto it = tasks_.find(n.id); it != tasks_.end() && !it->second.exited) notice(it->second, n.text);
  } else if (m.type == AckEnd::kType) {
    const AckEnd ack = parse_body<AckEnd>(b);
    if (auto u = unacked_.find(ack.id); u != unacked_.end() && u->second.run == ack.run) unacked_.erase(u);
  } else {
    spdlog::warn("unknown message type {}", m.type);
  }
}

// A launch from the controller: prepare the step, spawn it, report it (job_started, or a failed
// launch as the job's end).
void Agent::launch(const Job& job, Time kill_wait) {
  kill_wait_ = kill_wait;
  if (auto it = tasks_.find(job.id); it != tasks_.end() && it->second.job.restarts != job.restarts) {
    // An earlier run of this job is still being reaped here: the controller sends the launch again
    // until it is confirmed, by when that run is gone.
    spdlog::info("job={} run {} waits: run {} is still ending here", job.id, job.restarts, it->second.job.restarts);
    return;
  }
  if (seen_.count({job.id, job.restarts})) {  // a resent launch: confirm what we already did
    if (auto it = tasks_.find(job.id); it != tasks_.end())
      send(std::string(JobStarted::kType), to_body(JobStarted{job.id, instance_, it->second.job.stdout_path,
                                                              it->second.job.stderr_path, job.restarts}));
    else if (auto u = unacked_.find(job.id); u != unacked_.end())
      send(std::string(JobEnded::kType), to_body(u->second));
    return;
  }
  seen_.insert({job.id, job.restarts});
  const StepContext ctx{name_,
                        cfg_->cluster_name,
                        spool_,
                        &self_,
                        launch_ ? dynamic_cast<LaunchPolicy*>(launch_->object.get()) : nullptr,
                        &devices_};
  const PreparedStep step = prepare_step(job, ctx);
  const SpawnedStep spawned = step.refused.empty() ? spawn_step(job, step) : SpawnedStep{};
  if (!step.isolation_error.empty())
    spdlog::warn("job={} runs without GPU device isolation: {}", job.id, step.isolation_error);

  Task t;
  t.cgroup_procs = step.cgroup_procs;
  t.job = job;
  t.job.stdout_path = step.stdout_path;
  t.job.stderr_path = step.stderr_path;
  t.stderr_file = step.stderr_path;
  t.pid = spawned.pid;
  if (job.spec.time_limit > 0) t.deadline = add_seconds(now(), job.spec.time_limit);
  if (!job.spec.batch && !job.spec.io_endpoint.empty()) {
    t.io = std::make_unique<StepIo>(ctx_, job.id, job.spec.io_endpoint, name_, now());
    t.io->attach(spawned.pid, spawned.out_fd, spawned.err_fd, spawned.in_fd, spawned.pty);
  } else {
    for (int fd : {spawned.out_fd, spawned.err_fd, spawned.in_fd})
      if (fd >= 0) ::close(fd);
  }
  const std::uint64_t id = job.id;
  Task& tr = tasks_.emplace(id, std::move(t)).first->second;
  send(std::string(JobStarted::kType),
       to_body(JobStarted{id, instance_, tr.job.stdout_path, tr.job.stderr_path, job.restarts}));
  if (spawned.pid < 0) {
    const std::string why = !step.refused.empty() ? step.refused : spawned.error;
    spdlog::error("job={} launch failed: {}", id, why);
    notice(tr, "sluiced: error: " + why + "\n");
    tr.exited = true;
    tr.status = 0;  // it never ran: no exit code (Slurm's ExitCode=0:0 with JobLaunchFailure)
    finish(id, why.empty() ? "launch failed" : why);
    return;
  }
  spdlog::debug("job={} launched pid={} user={}", id, spawned.pid, step.user);
}

// Re-reads the config file and swaps in its launch plugin; on any error the old one stays.
void Agent::reconfigure() {
  std::vector<std::string> errors;
  auto cfg = load_config(cfg_->file, errors);
  std::unique_ptr<LoadedPlugin> launch;
  if (cfg && !cfg->node(name_)) errors.push_back("node " + name_ + " is no longer in " + cfg_->file);
  if (cfg && errors.empty()) launch = load_launch(*cfg, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) spdlog::error("reconfigure refused: {}", e);
    return;
  }
  cfg_ = std::move(cfg);
  launch_ = std::move(launch);
  refresh_self();
  spdlog::info("reconfigured from {} (launch plugin: {})", cfg_->file, launch_ ? launch_->path : "none");
}

std::unique_ptr<LoadedPlugin> Agent::load_launch(const Config& cfg, std::vector<std::string>& errors) {
  auto it = cfg.plugins.find(LaunchPolicy::kPoint);
  if (it == cfg.plugins.end()) return nullptr;
  return load_plugin(cfg, it->second, errors);  // checks the interface, then the options
}

void Agent::notice(Task& t, const std::string& text) {
  if (t.io) {
    t.io->notice(text);
  } else if (!t.stderr_file.empty()) {
    int fd = ::open(t.stderr_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      write_all(fd, text);
      ::close(fd);
    }
  }
}

void Agent::kill(const Kill& k) {
  const std::uint64_t id = k.id;
  const int sig = k.signal;
  const std::string& reason = k.reason;
  auto it = tasks_.find(id);
  if (it == tasks_.end()) {
    if (auto u = unacked_.find(id); u != unacked_.end()) send(std::string(JobEnded::kType), to_body(u->second));
    return;
  }
  Task& t = it->second;
  if (t.exited) return;
  if (k.run >= 0 && k.run != t.job.restarts) return;  // meant for another run of the job
  const Time at = now();
  const std::string banner =
      "sluiced: error: *** JOB " + std::to_string(id) + " ON " + name_ + " CANCELLED AT " + format_iso(at);
  if (reason == "preempt") {
    // The warning (the job's --signal, else SIGTERM) now; the kill when the grace time is over.
    if (t.preempted) return;  // a resent preemption
    t.preempted = true;
    notice(t, banner + " DUE TO PREEMPTION ***\n");
    ::kill(-t.pid, SIGCONT);
    ::kill(k.batch_only ? t.pid : -t.pid, sig);
    if (k.grace > 0)
      t.preempt_at = add_seconds(at, k.grace);
    else if (sig == SIGTERM && !k.batch_only)  // the warning was the SIGTERM of the kill: once
      t.kill_at = t.kill_at ? t.kill_at : at + kill_wait_;
    else
      terminate(t, at);
    spdlog::info("job={} preempted: signal={}{} grace={}s", id, sig, k.batch_only ? " (batch shell)" : "", k.grace);
    return;
  }
  if (reason == "signal") {
    signal_only(t, k);
    return;
  }
  if (reason == "cancel" || reason == "node_fail") notice(t, banner + " ***\n");
  if (reason == "requeue") notice(t, banner + " DUE TO JOB REQUEUE ***\n");
  ::kill(-t.pid, SIGCONT);
  ::kill(-t.pid, sig);
  if (sig == SIGTERM && reason != "signal" && !t.kill_at) t.kill_at = at + kill_wait_;
  signal_steps(id, sig, sig == SIGTERM && reason != "signal" ? at + kill_wait_ : 0);
  spdlog::info("job={} signal={} reason={}", id, sig, reason);
}

void Agent::signal_only(Task& t, const Kill& k) {
  const std::uint64_t id = k.id;
  const bool batch = t.job.spec.batch;
  const bool allocation = !batch && t.job.spec.argv.empty();  // salloc's holder: no step of its own
  ::kill(-t.pid, SIGCONT);
  if (k.scope == "batch") {
    if (batch) ::kill(t.pid, k.signal);  // the shell alone: its children and the steps are left alone
  } else {
    // "steps" and "full": every step; an srun job's command is its step. "full" adds the batch
    // shell and its children.
    if ((!batch && !allocation) || (batch && k.scope == "full")) ::kill(-t.pid, k.signal);
    signal_steps(id, k.signal, 0);
  }
  spdlog::info("job={} signal={} to {}", id, k.signal, k.scope);
}

void Agent::terminate(Task& t, Time at) {
  t.preempt_at = 0;
  ::kill(-t.pid, SIGCONT);
  ::kill(-t.pid, SIGTERM);
  if (!t.kill_at) t.kill_at = at + kill_wait_;
}

void Agent::reap() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    auto match = [&](Task& t) {
      if (t.pid != pid || t.exited) return false;
      t.exited = true;
      t.status = status;
      t.exited_at = now();
      ::kill(-pid, SIGKILL);  // nothing of the job outlives it
      return true;
    };
    bool found = false;
    for (auto& [id, t] : tasks_)
      if ((found = match(t))) break;
    for (auto& [key, t] : steps_)
      if (!found && (found = match(t))) break;
  }
  std::vector<std::pair<std::uint64_t, std::uint32_t>> steps_done;
  for (auto& [key, t] : steps_)
    if (t.exited && (!t.io || t.io->drained(now()))) steps_done.push_back(key);
  for (const auto& key : steps_done) finish_step(key);
  std::vector<std::uint64_t> done;
  for (auto& [id, t] : tasks_) {
    if (!t.exited) continue;
    // srun: everything the step wrote reaches srun first (see StepIo::drained).
    if (t.io && !t.io->drained(now())) continue;
    done.push_back(id);
  }
  for (auto id : done) finish(id);
}

void Agent::finish(std::uint64_t id, const std::string& launch_error) {
  Task& t = tasks_.at(id);
  int code = 0, sig = 0;
  if (WIFEXITED(t.status)) code = WEXITSTATUS(t.status);
  if (WIFSIGNALED(t.status)) sig = WTERMSIG(t.status);
  if (t.released >= 0) code = t.released, sig = 0;  // salloc's command ended: that is the job's end
  signal_steps(id, SIGKILL, 0);                     // steps end with their allocation
  const JobEnded end{id, code, sig, t.timed_out, !launch_error.empty(), launch_error, t.job.restarts};
  if (t.io) t.io->send_exit(end);
  if (t.job.spec.batch) ::unlink((spool_ + "/job" + std::to_string(id) + ".sh").c_str());
  devices_.release(id, t.cgroup_procs);
  unacked_[id] = end;
  report_gpu_usage(id, t);  // the last word on its GPUs, before its end
  send(std::string(JobEnded::kType), to_body(end));
  spdlog::debug("job={} ended exit={} signal={} timed_out={}", id, code, sig, t.timed_out);
  tasks_.erase(id);
}

void Agent::warn_before_limit(std::uint64_t id, Task& task, Time now) {
  const SignalSpec& sig = task.job.spec.signal;
  // A preempted job had its --signal as the preemption warning already.
  if (sig.number <= 0 || !task.deadline || task.warned || task.timed_out || task.preempted) return;
  // A warning time as long as the limit or longer: a second after the start, not in the same
  // instant as the exec, so that the job has set its handler.
  if (now < std::max(task.deadline - sig.seconds, task.started + 1)) return;
  task.warned = true;
  // "B:": the batch shell alone (the step's main process); otherwise the job's whole process group.
  ::kill(sig.batch_only ? task.pid : -task.pid, sig.number);
  spdlog::info("job={} signal={} {} s before its time limit{}", id, sig.number, sig.seconds,
               sig.batch_only ? " (batch shell)" : "");
}

void Agent::set_time_limit(std::uint64_t id, Time limit) {
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.exited || it->second.timed_out) return;  // gone, or already ending
  Task& task = it->second;
  const Time t = now();
  if (!task.started) task.started = task.deadline ? task.deadline - task.job.spec.time_limit : t;
  task.job.spec.time_limit = limit;
  task.deadline = limit > 0 ? add_seconds(task.started, limit) : 0;
  if (task.warned && task.deadline && t < task.deadline - task.job.spec.signal.seconds) task.warned = false;
  spdlog::info("job={} time limit now {}", id, format_time_limit(limit));
}

void Agent::timers() {
  const Time t = now();
  for (auto& [id, task] : tasks_) {
    if (task.exited) continue;
    // Launched in this loop iteration, so `t` is its start (the deadline, when set, says exactly).
    if (!task.started) task.started = task.deadline ? task.deadline - task.job.spec.time_limit : t;
    warn_before_limit(id, task, t);
    if (task.deadline && t >= task.deadline && !task.timed_out) {
      task.timed_out = true;
      notice(task, "sluiced: error: *** JOB " + std::to_string(id) + " ON " + name_ + " CANCELLED AT " + format_iso(t) +
                       " DUE TO TIME LIMIT ***\n");
      ::kill(-task.pid, SIGCONT);
      ::kill(-task.pid, SIGTERM);
      task.kill_at = t + kill_wait_;
      signal_steps(id, SIGTERM, t + kill_wait_);
      spdlog::info("job={} time limit reached", id);
    }
    if (task.preempt_at && t >= task.preempt_at) terminate(task, t);
    if (task.kill_at && t >= task.kill_at) {
      ::kill(-task.pid, SIGKILL);
      task.kill_at = 0;
    }
  }
  for (auto& [key, step] : steps_) {
    if (step.exited || !step.kill_at || t < step.kill_at) continue;
    ::kill(-step.pid, SIGKILL);
    step.kill_at = 0;
  }
  devices_.tidy();
  if (nvml_ && t - last_sample_ >= cfg_->agent.gpu_sample_interval) sample_gpus(t);
  if (!registered_ && t - last_register_ >= 2) register_now();
  if (registered_ && t - last_heartbeat_ >= heartbeat_) {
    double load = 0;
    std::ifstream("/proc/loadavg") >> load;
    std::uint64_t avail_kb = 0;
    std::ifstream mi("/proc/meminfo");
    for (std::string k; mi >> k;) {
      if (k == "MemAvailable:") {
        mi >> avail_kb;
        break;
      }
    }
    send(std::string(Heartbeat::kType), to_body(Heartbeat{instance_, load, avail_kb / 1024}));
    last_heartbeat_ = t;
  }
  if (!unacked_.empty() && t - last_resend_ >= 3) {
    for (const auto& [id, e] : unacked_) send(std::string(JobEnded::kType), to_body(e));
    last_resend_ = t;
  }
}

}  // namespace sluice
