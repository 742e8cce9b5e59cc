#include "core/noded/step.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "core/plugin/guarded.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/slurm/output_pattern.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice {

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

namespace {

// What a job's child process does between vfork and exec. It shares the agent's memory, so it
// makes system calls only (no allocation, no locks).
struct ChildPlan {
  std::vector<std::string> candidates;  // paths to try with execve
  std::string program, stdout_path, stderr_path, open_out, open_err, stdin_path, open_in, workdir;
  int out_flags = 0;
  bool switch_user = false;
  // Streams already open (pipe ends, the pty's slave side); -1: open the path above instead.
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
  bool pty = false;  // stdin_fd is a terminal: it becomes the controlling terminal
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  char** argv = nullptr;
  char** envp = nullptr;
  int status_pipe = -1;
  int cgroup_procs = -1;  // joined by writing "0" (this process) before anything else
};

// Writes what snprintf put into `buf` (of `size` bytes) to fd: `n` is snprintf's answer, the length
// the whole text would have had, so a long path or program name is cut at the buffer's end.
void write_formatted(int fd, const char* buf, int n, std::size_t size) {
  if (n > 0) (void)!::write(fd, buf, std::min(static_cast<std::size_t>(n), size - 1));
}

[[noreturn]] void exec_child(const ChildPlan& p) {
  auto fail = [&](const char* what) {
    char buf[512];
    const int n = std::snprintf(buf, sizeof buf, "%s: %s", what, std::strerror(errno));
    write_formatted(p.status_pipe, buf, n, sizeof buf);
    _exit(127);
  };
  if (p.cgroup_procs >= 0 && ::write(p.cgroup_procs, "0", 1) != 1) fail("joining the job's cgroup");
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
  // Files are opened as the job's user (after the switch above), so its permissions apply.
  int in = p.stdin_fd;
  if (in < 0 && (in = ::open(p.stdin_path.c_str(), O_RDONLY)) < 0) fail(p.open_in.c_str());
  if (p.pty && ::ioctl(in, TIOCSCTTY, 0) != 0) fail("making the pseudo-terminal the controlling terminal");
  int out = p.stdout_fd;
  if (out < 0 && (out = ::open(p.stdout_path.c_str(), p.out_flags, 0644)) < 0) fail(p.open_out.c_str());
  int err = p.stderr_fd;
  if (err < 0)
    err = p.stdout_fd < 0 && p.stderr_path == p.stdout_path ? out : ::open(p.stderr_path.c_str(), p.out_flags, 0644);
  if (err < 0) fail(p.open_err.c_str());
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  if (::chdir(p.workdir.c_str()) != 0) {
    char buf[1024];
    int n = std::snprintf(buf, sizeof buf, "sluiced: error: couldn't chdir to `%s': %s: going to /tmp instead\n",
                          p.workdir.c_str(), std::strerror(errno));
    write_formatted(2, buf, n, sizeof buf);
    if (::chdir("/tmp") != 0) fail("chdir /tmp");
  }
  int exec_errno = ENOENT;
  for (const auto& c : p.candidates) {
    execve(c.c_str(), p.argv, p.envp);
    if (errno != ENOENT) exec_errno = errno;
  }
  // As slurmstepd: the task ran and could not exec its program. The reason goes to the task's
  // stderr, and the task exits with the errno (2 for a program not found): not a launch failure.
  char buf[600];
  int n = std::snprintf(buf, sizeof buf, "sluiced: error: execve(): %s: %s\n", p.program.c_str(),
                        std::strerror(exec_errno));
  write_formatted(2, buf, n, sizeof buf);
  _exit(exec_errno);
}

// The user's name and groups, resolved before any fork (NSS is not async-signal-safe).
void resolve_user(const Job& j, PreparedStep& s) {
  const auto name = user_name_of(j.uid, kNss);
  s.user = name.value_or(j.user);
  s.switch_user = geteuid() == 0 && j.uid != 0;
  if (!s.switch_user || !name) return;
  const auto groups = group_list(*name, j.gid);
  s.groups.assign(groups.begin(), groups.end());
}

// The batch script in the spool directory, readable by the job's user only.
std::string write_script(const Job& j, const std::string& spool) {
  const std::string path = spool + "/job" + std::to_string(j.id) + ".sh";
  {
    std::ofstream f(path, std::ios::trunc);
    f << j.spec.script;
  }
  ::chmod(path.c_str(), 0700);
  if (geteuid() == 0) (void)!::chown(path.c_str(), j.uid, j.gid);
  return path;
}

// The node-side launch plugin may rewrite the step (a container wrapper, say) or refuse it.
void apply_launch_plugin(const Job& j, const StepContext& ctx, PreparedStep& s) {
  LaunchStep step{s.argv, s.env, s.workdir};
  const Status st =
      guarded_call(*ctx.launch, "launch.prepare", [&] { return ctx.launch->prepare(j, *ctx.node_config, step); });
  if (st.code == Code::Error) {
    s.refused = st.message;  // already names the plugin
  } else if (st.code != Code::Ok || step.argv.empty()) {
    s.refused = std::string(ctx.launch->name()) + ": " + (st.message.empty() ? "refused the step" : st.message);
  } else {
    s.argv = std::move(step.argv);
    s.env = std::move(step.env);
    s.workdir = std::move(step.workdir);
    s.program = s.argv.front();
  }
}

// The step's GPU binding; with device isolation, also its cgroup. When the cgroup cannot be
// made, the step runs unisolated (and the binding says so: CUDA numbers all of the node's GPUs).
GpuBinding bind_devices(const Job& j, const StepContext& ctx, PreparedStep& s) {
  const NodeAlloc& a = j.alloc.front();
  if (ctx.join_cgroup >= 0) {  // the allocation's cgroup, isolated as the allocation is
    s.cgroup_procs = ::fcntl(ctx.join_cgroup, F_DUPFD_CLOEXEC, 0);
    if (s.cgroup_procs >= 0) return gpu_binding(a, ctx.node_config, true);
  }
  const bool isolate = ctx.devices && ctx.devices->mode() != DeviceControl::Mode::Off;
  GpuBinding b = gpu_binding(a, ctx.node_config, isolate);
  if (!isolate) return b;
  s.cgroup_procs = ctx.devices->prepare(j.id, b.denied_minors, s.isolation_error);
  return s.cgroup_procs >= 0 ? b : gpu_binding(a, ctx.node_config, false);
}

// A pseudo-terminal for an srun --pty step: the master side for the agent, the slave side for the
// step (owned by the job's user, mode 0620 as login terminals), sized like srun's terminal.
bool open_pty(const PreparedStep& s, uid_t uid, int& master, int& slave, std::string& error) {
  master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[128] = {};
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0 || ::ptsname_r(master, name, sizeof name) != 0 ||
      (slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
    error = std::string("opening a pseudo-terminal: ") + std::strerror(errno);
    if (master >= 0) ::close(master), master = -1;
    return false;
  }
  if (s.switch_user && (::fchown(slave, uid, static_cast<gid_t>(-1)) != 0 || ::fchmod(slave, 0620) != 0)) {
    error = std::string("giving the pseudo-terminal to the job's user: ") + std::strerror(errno);
    ::close(master), ::close(slave), master = slave = -1;
    return false;
  }
  if (s.pty_rows > 0 && s.pty_cols > 0) {
    winsize ws{};
    ws.ws_row = s.pty_rows;
    ws.ws_col = s.pty_cols;
    ::ioctl(master, TIOCSWINSZ, &ws);
  }
  return true;
}

}  // namespace

std::string tasks_per_node(std::uint32_t ntasks, std::size_t nodes) {
  const auto n = static_cast<std::uint32_t>(std::max<std::size_t>(1, nodes));
  const std::uint32_t base = std::max<std::uint32_t>(1, ntasks / n), extra = ntasks > n ? ntasks % n : 0;
  auto group = [](std::uint32_t tasks, std::uint32_t count) {
    return std::to_string(tasks) + (count > 1 ? "(x" + std::to_string(count) + ")" : "");
  };
  if (extra == 0) return group(base, n);
  return group(base + 1, extra) + "," + group(base, n - extra);
}

std::vector<std::string> step_environment(const Job& j, const std::string& nodelist, const StepContext& ctx,
                                          const GpuBinding& gpus) {
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
  set("SLURMD_NODENAME", ctx.node);
  set("SLURM_CLUSTER_NAME", ctx.cluster_name);
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
    set("SLURM_STEP_ID", std::to_string(ctx.step_id));
    set("SLURM_STEPID", std::to_string(ctx.step_id));
    set("SLURM_STEP_NODELIST", nodelist);
    set("SLURM_STEP_NUM_NODES", std::to_string(j.alloc.size()));
    set("SLURM_STEP_NUM_TASKS", std::to_string(j.spec.ntasks));
  }
  const bool node_has_gpus = ctx.node_config && !ctx.node_config->gpus.empty();
  append_gpu_environment(j.spec, j.spec.batch, gpus, node_has_gpus || !a.gpus.empty(), env);
  return env;
}

PreparedStep prepare_step(const Job& j, const StepContext& ctx) {
  PreparedStep s;
  std::vector<std::string> names;
  for (const auto& a : j.alloc) names.push_back(a.node);
  const std::string nodelist = compress_hostlist(names);
  s.workdir = j.spec.workdir.empty() ? "/" : j.spec.workdir;
  const PatternVars pv{j.id, j.spec.name, j.user, ctx.node, s.workdir};
  // Patterns are expanded here, relative paths taken from the working directory.
  auto file = [&](const std::string& pattern) { return pattern.empty() ? "" : expand_output_pattern(pattern, pv); };
  // An allocation (salloc: no batch script, no command): one process holds it on its first node,
  // as Slurm's extern step does, so that limits, cancels and the end work as for any job.
  // (srun --container-mode=run|shell without a command is no allocation: the image has the command.)
  const bool allocation = !j.spec.batch && j.spec.argv.empty() && j.spec.container.empty();
  if (allocation) {
    s.stdin_path = s.stdout_path = s.stderr_path = "/dev/null";
  } else if (j.spec.batch) {
    s.stdin_path = j.spec.stdin_path.empty() ? "/dev/null" : file(j.spec.stdin_path);
    s.stdout_path = file(j.spec.stdout_pattern.empty() ? "slurm-%j.out" : j.spec.stdout_pattern);
    s.stderr_path = j.spec.stderr_pattern.empty() ? s.stdout_path : file(j.spec.stderr_pattern);
  } else if (j.spec.pty) {
    s.pty = true;
    s.pty_rows = j.spec.pty_rows;
    s.pty_cols = j.spec.pty_cols;
  } else {
    // srun -o/-e/-i (Slurm: stderr goes where -o sends stdout unless -e says otherwise).
    s.stdin_path = file(j.spec.stdin_path);
    s.stdout_path = file(j.spec.stdout_pattern);
    s.stderr_path = j.spec.stderr_pattern.empty() ? s.stdout_path : file(j.spec.stderr_pattern);
  }
  resolve_user(j, s);
  if (j.spec.batch) {
    s.program = write_script(j, ctx.spool);
    s.argv.push_back(s.program);
    for (const auto& a : j.spec.argv) s.argv.push_back(a);
  } else if (allocation) {
    s.program = "/bin/sleep";
    s.argv = {"sleep", "infinity"};
  } else if (!j.spec.argv.empty()) {  // empty: srun --container-mode=run|shell, the image's own command
    s.program = j.spec.argv.front();
    s.argv = j.spec.argv;
  }
  s.env = step_environment(j, nodelist, ctx, bind_devices(j, ctx, s));
  if (allocation) return s;  // the holder runs as it is
  if (ctx.launch)
    apply_launch_plugin(j, ctx, s);
  else if (!j.spec.container.empty())  // never run a --container job outside its image
    s.refused = "--container: node " + ctx.node + " has no launch plugin to start containers";
  else if (s.argv.empty())
    s.refused = "no command to run";
  return s;
}

SpawnedStep spawn_step(const Job& j, const PreparedStep& s) {
  SpawnedStep out;
  // Each pair: [0] the reading end, [1] the writing end.
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
  int pty[2] = {-1, -1};  // the master side, the slave side (an array: it must live in memory over vfork)
  if (s.pty) {
    if (!open_pty(s, j.uid, pty[0], pty[1], out.error)) return out;
  } else if (!j.spec.batch) {
    bool ok = true;
    if (s.stdout_path.empty()) ok = ok && pipe2(out_pipe, O_CLOEXEC) == 0;
    if (s.stderr_path.empty()) ok = ok && pipe2(err_pipe, O_CLOEXEC) == 0;
    if (s.stdin_path.empty()) ok = ok && pipe2(in_pipe, O_CLOEXEC) == 0;
    if (!ok) {
      out.error = std::string("pipe: ") + std::strerror(errno);
      for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], in_pipe[0], in_pipe[1]})
        if (fd >= 0) ::close(fd);
      return out;
    }
  }
  (void)!pipe2(status_pipe, O_CLOEXEC);
  std::vector<std::string> argv = s.argv, env = s.env;
  std::vector<char*> argvp, envp;
  for (auto& a : argv) argvp.push_back(a.data());
  argvp.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // The program is looked up with the job's own PATH (slurmstepd's rule): a job whose environment
  // has no PATH (srun --export=MYVAR=1) runs only a program named with its path, or one in its
  // working directory.
  std::optional<std::string> search_path;
  for (const auto& e : env)
    if (starts_with(e, "PATH=")) {
      search_path = e.substr(5);
      break;
    }

  // Everything the child needs is prepared here: after vfork it shares our memory (and the
  // ZeroMQ threads keep running), so it may only make system calls -- no allocation -- until exec.
  ChildPlan plan;
  if (s.program.find('/') != std::string::npos || !search_path)
    plan.candidates.push_back(s.program);
  else
    for (const auto& dir : split(*search_path, ':', true))  // an empty entry is the working directory
      plan.candidates.push_back(dir.empty() ? s.program : dir + "/" + s.program);
  plan.program = s.program;
  plan.stdout_path = s.stdout_path;
  plan.stderr_path = s.stderr_path;
  plan.open_out = "Could not open stdout file " + s.stdout_path;  // slurmstepd's words
  plan.open_err = "Could not open stderr file " + s.stderr_path;
  plan.stdin_path = s.stdin_path;
  plan.open_in = "Could not open stdin file " + s.stdin_path;
  plan.workdir = s.workdir;
  // Always O_APPEND (truncated first unless --open-mode=append): the agent appends its notices
  // ("*** JOB ... DUE TO PREEMPTION ***") to the same file, and the job's later writes must land
  // after them instead of over them at the job's own offset.
  plan.out_flags = O_WRONLY | O_CREAT | O_APPEND | (j.spec.open_append ? 0 : O_TRUNC);
  plan.stdin_fd = s.pty ? pty[1] : in_pipe[0];
  plan.stdout_fd = s.pty ? pty[1] : out_pipe[1];
  plan.stderr_fd = s.pty ? pty[1] : err_pipe[1];
  plan.pty = s.pty;
  plan.switch_user = s.switch_user;
  plan.uid = j.uid;
  plan.gid = j.gid;
  plan.groups = s.groups;
  plan.argv = argvp.data();
  plan.envp = envp.data();
  plan.status_pipe = status_pipe[1];
  plan.cgroup_procs = s.cgroup_procs;
  out.pid = vfork();
  if (out.pid == 0) exec_child(plan);
  const int fork_errno = errno;
  ::close(status_pipe[1]);
  for (int fd : {out_pipe[1], err_pipe[1], in_pipe[0], pty[1]})  // the child's ends
    if (fd >= 0) ::close(fd);
  out.out_fd = s.pty ? pty[0] : out_pipe[0];
  out.err_fd = err_pipe[0];
  out.in_fd = s.pty ? ::fcntl(pty[0], F_DUPFD_CLOEXEC, 0) : in_pipe[1];
  out.pty = s.pty;
  // Exec failures come back through the close-on-exec pipe: EOF alone means exec succeeded.
  char buf[700];
  const ssize_t n = out.pid > 0 ? ::read(status_pipe[0], buf, sizeof buf - 1) : -1;
  ::close(status_pipe[0]);
  if (out.pid < 0) {
    out.error = std::string("fork: ") + std::strerror(fork_errno);
  } else if (n > 0) {
    out.error.assign(buf, static_cast<std::size_t>(n));
    int st;
    waitpid(out.pid, &st, 0);
    out.pid = -1;
  }
  if (out.pid < 0) {  // nothing runs: nothing to read or write
    for (int* fd : {&out.out_fd, &out.err_fd, &out.in_fd})
      if (*fd >= 0) ::close(*fd), *fd = -1;
  }
  return out;
}

}  // namespace sluice
