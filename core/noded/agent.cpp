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

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sluice/launch.hpp>

#include "core/plugin/guarded.hpp"
#include "core/plugin/loader.hpp"
#include "core/util/hostlist.hpp"
#include "core/util/net.hpp"
#include "core/util/text.hpp"
#include "core/util/timefmt.hpp"

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

// Writes all of `s` to fd, retrying short writes; gives up on error.
void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// What a job's child process does between vfork and exec. It shares the agent's memory, so it
// makes system calls only (no allocation, no locks).
struct ChildPlan {
  std::vector<std::string> candidates;  // paths to try with execve
  std::string program, stdout_path, stderr_path, open_out, open_err, stdin_path, workdir;
  int out_flags = 0;
  bool batch = true, switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  char** argv = nullptr;
  char** envp = nullptr;
  int out_pipe = -1, err_pipe = -1, status_pipe = -1;
};

[[noreturn]] void exec_child(const ChildPlan& p) {
  auto fail = [&](const char* what) {
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, "%s: %s", what, std::strerror(errno));
    (void)!::write(p.status_pipe, buf, static_cast<size_t>(n));
    _exit(127);
  };
  setsid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) signal(s, SIG_DFL);
  if (p.switch_user) {
    // Raw system calls: glibc's wrappers would also try to change the credentials of the agent's
    // threads, whose memory this child shares.
    if (syscall(SYS_setgroups, p.groups.size(), p.groups.data()) != 0) fail("setgroups");
    if (syscall(SYS_setgid, p.gid) != 0) fail("setgid");
    if (syscall(SYS_setuid, p.uid) != 0) fail("setuid");
  }
  int in = ::open(p.stdin_path.c_str(), O_RDONLY);
  if (in < 0) fail("open stdin");
  dup2(in, 0);
  if (p.batch) {
    int out = ::open(p.stdout_path.c_str(), p.out_flags, 0644);
    if (out < 0) fail(p.open_out.c_str());
    int err = p.stderr_path == p.stdout_path ? out : ::open(p.stderr_path.c_str(), p.out_flags, 0644);
    if (err < 0) fail(p.open_err.c_str());
    dup2(out, 1);
    dup2(err, 2);
  } else {
    dup2(p.out_pipe, 1);
    dup2(p.err_pipe, 2);
  }
  if (::chdir(p.workdir.c_str()) != 0) {
    char buf[1024];
    int n = std::snprintf(buf, sizeof buf, "sluiced: error: couldn't chdir to `%s': %s: going to /tmp instead\n",
                          p.workdir.c_str(), std::strerror(errno));
    (void)!::write(2, buf, static_cast<size_t>(n));
    if (::chdir("/tmp") != 0) fail("chdir /tmp");
  }
  int exec_errno = ENOENT;
  for (const auto& c : p.candidates) {
    execve(c.c_str(), p.argv, p.envp);
    if (errno != ENOENT) exec_errno = errno;
  }
  char buf[600];
  int n = std::snprintf(buf, sizeof buf, "execve(): %s: %s", p.program.c_str(), std::strerror(exec_errno));
  (void)!::write(p.status_pipe, buf, static_cast<size_t>(n));
  _exit(127);
}

// Slurm's form of the task split the select plugin makes (remainder on the first nodes):
// 3 tasks on 2 nodes -> "2,1"; 4 on 2 -> "2(x2)".
std::string tasks_per_node(std::uint32_t ntasks, std::size_t nodes) {
  const auto n = static_cast<std::uint32_t>(std::max<std::size_t>(1, nodes));
  const std::uint32_t base = std::max<std::uint32_t>(1, ntasks / n), extra = ntasks > n ? ntasks % n : 0;
  auto group = [](std::uint32_t tasks, std::uint32_t count) {
    return std::to_string(tasks) + (count > 1 ? "(x" + std::to_string(count) + ")" : "");
  };
  if (extra == 0) return group(base, n);
  return group(base + 1, extra) + "," + group(base, n - extra);
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
}

Agent::~Agent() {
  // Jobs die with their agent (PR_SET_PDEATHSIG); make it explicit on an orderly stop.
  for (auto& [id, t] : tasks_)
    if (!t.exited) ::kill(-t.pid, SIGKILL);
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
  const Node* n = cfg_->node(name_);
  utsname u{};
  uname(&u);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  Json running = Json::array();
  for (const auto& [id, t] : tasks_) running.push_back(id);
  Json finished = Json::array();
  for (const auto& [id, e] : unacked_) finished.push_back(e);
  send("register", {{"instance", instance_},
                    {"cpus", n->cpus},
                    {"mem_mb", n->mem_mb},
                    {"gpus", n->gpus},
                    {"running", running},
                    {"finished", finished},
                    {"boot_time", boot_time()},
                    {"start_time", now()},
                    {"hostname", host},
                    {"addr", local_address_toward(endpoint_)},
                    {"os", std::string(u.sysname) + " " + u.release + " " + u.version},
                    {"arch", u.machine},
                    {"version", SLUICE_VERSION}});
  last_register_ = now();
}

void Agent::run() {
  register_now();
  while (!stop_) {
    std::vector<zmq::pollitem_t> items = {{dealer_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, sigfd_, ZMQ_POLLIN, 0}};
    std::vector<std::pair<std::uint64_t, int>> fds;  // (job, which: 0 out, 1 err)
    for (auto& [id, t] : tasks_) {
      if (t.out_fd >= 0) items.push_back({nullptr, t.out_fd, ZMQ_POLLIN, 0}), fds.emplace_back(id, 0);
      if (t.err_fd >= 0) items.push_back({nullptr, t.err_fd, ZMQ_POLLIN, 0}), fds.emplace_back(id, 1);
    }
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
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(items[i + 2].revents & (ZMQ_POLLIN | ZMQ_POLLERR))) continue;
      auto it = tasks_.find(fds[i].first);
      if (it == tasks_.end()) continue;
      if (fds[i].second == 0)
        pump(it->second, it->second.out_fd, "stdout");
      else
        pump(it->second, it->second.err_fd, "stderr");
    }
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
  if (m.type == "registered") {
    registered_ = true;
    heartbeat_ = b.value("heartbeat_interval", heartbeat_);
  } else if (m.type == "reregister") {
    register_now();
  } else if (m.type == "reconfigure") {
    reconfigure();
  } else if (m.type == "launch") {
    launch(b.at("job").get<Job>(), b.value("kill_wait", kill_wait_));
  } else if (m.type == "kill") {
    kill(b.at("id").get<std::uint64_t>(), b.value("signal", SIGTERM), b.value("reason", std::string("cancel")));
  } else if (m.type == "ack_end") {
    unacked_.erase(b.at("id").get<std::uint64_t>());
  } else {
    spdlog::warn("unknown message type {}", m.type);
  }
}

std::vector<std::string> Agent::environment(const Job& j, const std::string& nodelist) const {
  std::vector<std::string> env;
  for (const auto& kv : j.spec.env)
    if (!starts_with(kv, "SLURM_") && !starts_with(kv, "CUDA_VISIBLE_DEVICES=")) env.push_back(kv);
  auto set = [&](const std::string& k, const std::string& v) { env.push_back(k + "=" + v); };
  const std::string id = std::to_string(j.id);
  const NodeAlloc& a = j.alloc.front();
  set("SLURM_JOB_ID", id);
  set("SLURM_JOBID", id);
  set("SLURM_JOB_NAME", j.spec.name);
  set("SLURM_JOB_PARTITION", j.spec.partition);
  set("SLURM_JOB_NODELIST", nodelist);
  set("SLURM_NODELIST", nodelist);
  set("SLURM_JOB_NUM_NODES", std::to_string(j.alloc.size()));
  set("SLURM_NNODES", std::to_string(j.alloc.size()));
  set("SLURMD_NODENAME", name_);
  set("SLURM_CLUSTER_NAME", cfg_->cluster_name);
  set("SLURM_SUBMIT_DIR", j.spec.workdir);
  set("SLURM_SUBMIT_HOST", j.spec.submit_host);
  set("SLURM_JOB_UID", std::to_string(j.uid));
  set("SLURM_JOB_GID", std::to_string(j.gid));
  set("SLURM_JOB_USER", j.user);
  set("SLURM_CPUS_ON_NODE", std::to_string(a.cpus));
  set("SLURM_JOB_CPUS_PER_NODE", std::to_string(a.cpus));
  set("SLURM_CPUS_PER_TASK", std::to_string(j.spec.cpus_per_task));
  set("SLURM_NTASKS", std::to_string(j.spec.ntasks));
  set("SLURM_NPROCS", std::to_string(j.spec.ntasks));
  set("SLURM_TASKS_PER_NODE", tasks_per_node(j.spec.ntasks, j.alloc.size()));
  set("SLURM_PROCID", "0");
  set("SLURM_LOCALID", "0");
  set("SLURM_NODEID", "0");
  set("SLURM_PRIO_PROCESS", "0");
  if (j.spec.mem_mb) set("SLURM_MEM_PER_NODE", std::to_string(j.spec.mem_mb));
  if (j.restarts > 0) set("SLURM_RESTART_COUNT", std::to_string(j.restarts));
  if (!j.spec.batch) {
    set("SLURM_STEP_ID", "0");
    set("SLURM_STEPID", "0");
    set("SLURM_STEP_NODELIST", nodelist);
    set("SLURM_STEP_NUM_NODES", std::to_string(j.alloc.size()));
    set("SLURM_STEP_NUM_TASKS", std::to_string(j.spec.ntasks));
  }
  if (!a.gpus.empty()) {
    std::vector<std::string> idx;
    for (auto g : a.gpus) idx.push_back(std::to_string(g));
    const std::string list = join(idx, ",");
    set("CUDA_VISIBLE_DEVICES", list);
    set("GPU_DEVICE_ORDINAL", list);
    set("SLURM_GPUS_ON_NODE", std::to_string(a.gpus.size()));
    set(j.spec.batch ? "SLURM_JOB_GPUS" : "SLURM_STEP_GPUS", list);
  }
  return env;
}

void Agent::launch(const Job& job, Time kill_wait) {
  kill_wait_ = kill_wait;
  if (seen_.count(job.id)) {  // a resent launch: confirm what we already did
    if (auto it = tasks_.find(job.id); it != tasks_.end())
      send("job_started", {{"id", job.id},
                           {"instance", instance_},
                           {"stdout", it->second.job.stdout_path},
                           {"stderr", it->second.job.stderr_path}});
    else if (auto u = unacked_.find(job.id); u != unacked_.end())
      send("job_ended", u->second);
    return;
  }
  seen_.insert(job.id);
  Task t;
  t.job = job;
  Job& j = t.job;
  std::vector<std::string> names;
  for (const auto& a : j.alloc) names.push_back(a.node);
  const std::string nodelist = compress_hostlist(names);
  std::string workdir = j.spec.workdir.empty() ? "/" : j.spec.workdir;
  PatternVars pv{j.id, j.spec.name, j.user, name_, workdir};
  if (j.spec.batch) {
    j.stdout_path = expand_output_pattern(j.spec.stdout_pattern.empty() ? "slurm-%j.out" : j.spec.stdout_pattern, pv);
    j.stderr_path = j.spec.stderr_pattern.empty() ? j.stdout_path : expand_output_pattern(j.spec.stderr_pattern, pv);
    t.stderr_file = j.stderr_path;
  }
  // Resolve the user before forking (NSS is not async-signal-safe).
  const bool as_root = geteuid() == 0;
  std::string user = j.user;
  std::vector<char> pwbuf(4096);
  passwd pw{}, *pwres = nullptr;
  if (getpwuid_r(j.uid, &pw, pwbuf.data(), pwbuf.size(), &pwres) == 0 && pwres) user = pw.pw_name;
  std::vector<gid_t> groups(256);
  int ngroups = static_cast<int>(groups.size());
  if (as_root && pwres && getgrouplist(user.c_str(), j.gid, groups.data(), &ngroups) < 0) ngroups = 0;
  if (!pwres) ngroups = 0;
  // The script lives in the spool directory, readable by the job's user only.
  std::string program;
  std::vector<std::string> args;
  if (j.spec.batch) {
    program = spool_ + "/job" + std::to_string(j.id) + ".sh";
    {
      std::ofstream f(program, std::ios::trunc);
      f << j.spec.script;
    }
    ::chmod(program.c_str(), 0700);
    if (as_root) (void)!::chown(program.c_str(), j.uid, j.gid);
    args.push_back(program);
    for (const auto& a : j.spec.argv) args.push_back(a);
  } else {
    program = j.spec.argv.front();
    args = j.spec.argv;
  }
  std::vector<std::string> env = environment(j, nodelist);
  // The node-side launch plugin may rewrite the step (a container wrapper, say) or refuse it.
  std::string refused;
  if (launch_) {
    LaunchStep step{args, env, workdir};
    auto* policy = dynamic_cast<LaunchPolicy*>(launch_->object.get());
    const Status st =
        guarded_call(policy->name(), "launch.prepare", [&] { return policy->prepare(j, *cfg_->node(name_), step); });
    if (st.code == Code::Error) {
      refused = st.message;  // already names the plugin
    } else if (st.code != Code::Ok || step.argv.empty()) {
      refused = std::string(policy->name()) + ": " + (st.message.empty() ? "refused the step" : st.message);
    } else {
      args = std::move(step.argv);
      env = std::move(step.env);
      workdir = std::move(step.workdir);
      program = args.front();
    }
  }
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
  if (!j.spec.batch && (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)) {
    spdlog::error("job={} pipe: {}", j.id, std::strerror(errno));
  }
  (void)!pipe2(status_pipe, O_CLOEXEC);
  std::vector<char*> argvp, envp;
  for (auto& a : args) argvp.push_back(a.data());
  argvp.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string search_path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : env)
    if (starts_with(e, "PATH=")) search_path = e.substr(5);

  // Everything the child needs is prepared here: after vfork it shares our memory (and the
  // ZeroMQ threads keep running), so it may only make system calls -- no allocation -- until exec.
  ChildPlan plan;
  if (program.find('/') != std::string::npos)
    plan.candidates.push_back(program);
  else
    for (const auto& dir : split(search_path, ':')) plan.candidates.push_back(dir + "/" + program);
  plan.program = program;
  plan.stdout_path = j.stdout_path;
  plan.stderr_path = j.stderr_path;
  plan.open_out = "open " + j.stdout_path;
  plan.open_err = "open " + j.stderr_path;
  plan.stdin_path = j.spec.stdin_path.empty() ? "/dev/null" : j.spec.stdin_path;
  plan.workdir = workdir;
  plan.out_flags = O_WRONLY | O_CREAT | (j.spec.open_append ? O_APPEND : O_TRUNC);
  plan.batch = j.spec.batch;
  plan.switch_user = as_root && j.uid != 0;
  plan.uid = j.uid;
  plan.gid = j.gid;
  plan.groups.assign(groups.begin(), groups.begin() + std::max(0, ngroups));
  plan.argv = argvp.data();
  plan.envp = envp.data();
  plan.out_pipe = out_pipe[1];
  plan.err_pipe = err_pipe[1];
  plan.status_pipe = status_pipe[1];
  pid_t pid = -1;
  if (refused.empty()) {
    pid = vfork();
    if (pid == 0) exec_child(plan);
  }
  ::close(status_pipe[1]);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  if (err_pipe[1] >= 0) ::close(err_pipe[1]);
  t.pid = pid;
  t.out_fd = out_pipe[0];
  t.err_fd = err_pipe[0];
  if (j.spec.time_limit > 0) t.deadline = now() + j.spec.time_limit;
  if (!j.spec.batch && !j.spec.io_endpoint.empty()) {
    t.io = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::push);
    t.io->set(zmq::sockopt::linger, 2000);
    t.io->set(zmq::sockopt::sndhwm, 10000);
    t.io->connect(j.spec.io_endpoint);
    t.io->send(zmq::buffer(std::string("started")), zmq::send_flags::sndmore);
    t.io->send(zmq::buffer(name_), zmq::send_flags::dontwait);
  }
  // Exec failures come back through the close-on-exec pipe: EOF alone means exec succeeded.
  char buf[700];
  ssize_t n = pid > 0 ? ::read(status_pipe[0], buf, sizeof buf - 1) : -1;
  ::close(status_pipe[0]);
  const std::uint64_t id = j.id;
  tasks_.emplace(id, std::move(t));
  Task& tr = tasks_.at(id);
  send("job_started",
       {{"id", id}, {"instance", instance_}, {"stdout", tr.job.stdout_path}, {"stderr", tr.job.stderr_path}});
  if (pid < 0 || n > 0) {
    std::string why = !refused.empty() ? refused
                      : pid < 0        ? std::string("fork: ") + std::strerror(errno)
                                       : std::string(buf, static_cast<size_t>(n));
    spdlog::error("job={} launch failed: {}", id, why);
    notice(tr, "sluiced: error: " + why + "\n");
    if (pid > 0) {
      int st;
      waitpid(pid, &st, 0);
    }
    tr.exited = true;
    tr.status = 1 << 8;
    finish(id, true);
    return;
  }
  spdlog::debug("job={} launched pid={} user={}", id, pid, user);
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
  spdlog::info("reconfigured from {} (launch plugin: {})", cfg_->file, launch_ ? launch_->path : "none");
}

std::unique_ptr<LoadedPlugin> Agent::load_launch(const Config& cfg, std::vector<std::string>& errors) {
  auto it = cfg.plugins.find(LaunchPolicy::kPoint);
  if (it == cfg.plugins.end()) return nullptr;
  return load_plugin(cfg, it->second, errors);  // checks the interface, then the options
}

void Agent::notice(Task& t, const std::string& text) {
  if (t.io) {
    t.io->send(zmq::buffer(std::string("stderr")), zmq::send_flags::sndmore);
    t.io->send(zmq::buffer(text), zmq::send_flags::dontwait);
  } else if (!t.stderr_file.empty()) {
    int fd = ::open(t.stderr_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      write_all(fd, text);
      ::close(fd);
    }
  }
}

void Agent::kill(std::uint64_t id, int sig, const std::string& reason) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) {
    if (auto u = unacked_.find(id); u != unacked_.end()) send("job_ended", u->second);
    return;
  }
  Task& t = it->second;
  if (t.exited) return;
  if (reason == "cancel" || reason == "node_fail")
    notice(t, "sluiced: error: *** JOB " + std::to_string(id) + " ON " + name_ + " CANCELLED AT " + format_iso(now()) +
                  " ***\n");
  ::kill(-t.pid, SIGCONT);
  ::kill(-t.pid, sig);
  if (sig == SIGTERM && reason != "signal" && !t.kill_at) t.kill_at = now() + kill_wait_;
  spdlog::info("job={} signal={} reason={}", id, sig, reason);
}

void Agent::pump(Task& t, int& fd, const char* stream) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    if (t.io) {
      t.io->send(zmq::buffer(std::string(stream)), zmq::send_flags::sndmore);
      t.io->send(zmq::buffer(buf, static_cast<size_t>(n)), zmq::send_flags::none);
    }
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  ::close(fd);
  fd = -1;
}

void Agent::reap() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (auto& [id, t] : tasks_) {
      if (t.pid == pid && !t.exited) {
        t.exited = true;
        t.status = status;
        t.exited_at = now();
        ::kill(-pid, SIGKILL);  // nothing of the job outlives it
        break;
      }
    }
  }
  std::vector<std::uint64_t> done;
  for (auto& [id, t] : tasks_) {
    if (!t.exited) continue;
    // srun: drain the output pipes first (bounded: a leftover grandchild may hold them open).
    if ((t.out_fd >= 0 || t.err_fd >= 0) && now() - t.exited_at < 2) {
      if (t.out_fd >= 0) pump(t, t.out_fd, "stdout");
      if (t.err_fd >= 0) pump(t, t.err_fd, "stderr");
      if (t.out_fd >= 0 || t.err_fd >= 0) continue;
    }
    done.push_back(id);
  }
  for (auto id : done) finish(id, false);
}

void Agent::finish(std::uint64_t id, bool launch_failed) {
  Task& t = tasks_.at(id);
  for (int* fd : {&t.out_fd, &t.err_fd})
    if (*fd >= 0) ::close(*fd), *fd = -1;
  int code = 0, sig = 0;
  if (WIFEXITED(t.status)) code = WEXITSTATUS(t.status);
  if (WIFSIGNALED(t.status)) sig = WTERMSIG(t.status);
  Json end = {
      {"id", id}, {"exit_code", code}, {"signal", sig}, {"timed_out", t.timed_out}, {"launch_failed", launch_failed}};
  if (t.io) {
    t.io->send(zmq::buffer(std::string("exit")), zmq::send_flags::sndmore);
    t.io->send(zmq::buffer(end.dump()), zmq::send_flags::dontwait);
  }
  if (t.job.spec.batch) ::unlink((spool_ + "/job" + std::to_string(id) + ".sh").c_str());
  unacked_[id] = end;
  send("job_ended", end);
  spdlog::debug("job={} ended exit={} signal={} timed_out={}", id, code, sig, t.timed_out);
  tasks_.erase(id);
}

void Agent::timers() {
  const Time t = now();
  for (auto& [id, task] : tasks_) {
    if (task.exited) continue;
    if (task.deadline && t >= task.deadline && !task.timed_out) {
      task.timed_out = true;
      notice(task, "sluiced: error: *** JOB " + std::to_string(id) + " ON " + name_ + " CANCELLED AT " + format_iso(t) +
                       " DUE TO TIME LIMIT ***\n");
      ::kill(-task.pid, SIGCONT);
      ::kill(-task.pid, SIGTERM);
      task.kill_at = t + kill_wait_;
      spdlog::info("job={} time limit reached", id);
    }
    if (task.kill_at && t >= task.kill_at) {
      ::kill(-task.pid, SIGKILL);
      task.kill_at = 0;
    }
  }
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
    send("heartbeat", {{"instance", instance_}, {"load", load}, {"free_mem_mb", avail_kb / 1024}});
    last_heartbeat_ = t;
  }
  if (!unacked_.empty() && t - last_resend_ >= 3) {
    for (const auto& [id, e] : unacked_) send("job_ended", e);
    last_resend_ = t;
  }
}

}  // namespace sluice
