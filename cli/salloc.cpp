// salloc [options] [command [args...]]: obtains an allocation, runs the command (default: the
// user's $SHELL) here, on the submit host, with SLURM_JOB_ID and the allocation's SLURM_*
// variables, and gives the allocation back when the command exits; `srun` inside it runs job
// steps in the allocation. Exits with the command's exit code. Messages are Slurm's
// ("Pending job allocation N", "Granted job allocation N", "Relinquishing job allocation N").
//
// The allocation is held on its first node by a process of its own (core/noded/step.cpp), whose
// agent connects to salloc's channel as srun's does (core/noded/step_io.hpp): salloc sends
// "release" <exit code> when its command exits; an agent that loses salloc ends the allocation.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/commands.hpp"
#include "cli/rpc.hpp"
#include "cli/submit.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/util/net.hpp"
#include "core/util/text.hpp"
#include "core/zmtp/zmtp.hpp"

extern char** environ;

namespace sluice::cli {

namespace {

using Clock = std::chrono::steady_clock;

// The allocation's variables for the command (salloc man page, OUTPUT ENVIRONMENT VARIABLES).
std::vector<std::string> allocation_environment(const Job& j, const SubmitOptions& o) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e)
    if (!std::string_view(*e).starts_with("SLURM_")) env.emplace_back(*e);
  std::vector<std::string> names;
  std::uint32_t cpus = 0;
  for (const auto& a : j.alloc) names.push_back(a.node), cpus = a.cpus;
  const std::string id = std::to_string(j.id), nodelist = compress_hostlist(names);
  auto set = [&](const std::string& k, const std::string& v) { env.push_back(k + "=" + v); };
  set("SLURM_JOB_ID", id);
  set("SLURM_JOBID", id);
  set("SLURM_JOB_NAME", j.spec.name);
  set("SLURM_JOB_PARTITION", j.spec.partition);
  set("SLURM_JOB_NODELIST", nodelist);
  set("SLURM_NODELIST", nodelist);
  set("SLURM_JOB_NUM_NODES", std::to_string(j.alloc.size()));
  set("SLURM_NNODES", std::to_string(j.alloc.size()));
  set("SLURM_JOB_CPUS_PER_NODE", std::to_string(cpus));
  set("SLURM_SUBMIT_DIR", j.spec.workdir);
  set("SLURM_SUBMIT_HOST", j.spec.submit_host);
  if (o.spec.ntasks > 1)
    set("SLURM_NTASKS", std::to_string(j.spec.ntasks)), set("SLURM_NPROCS", std::to_string(j.spec.ntasks));
  if (j.spec.cpus_per_task > 1) set("SLURM_CPUS_PER_TASK", std::to_string(j.spec.cpus_per_task));
  if (j.spec.mem_mb) set("SLURM_MEM_PER_NODE", std::to_string(j.spec.mem_mb));
  return env;
}

}  // namespace

int salloc(int argc, char** argv) {
  const char* prog = "salloc";
  SubmitOptions o;
  if (!parse_submit_options(prog, std::vector<std::string>(argv, argv + argc), o)) return o.error_exit;
  if (!o.spec.container.empty() || !o.spec.container_mode.empty()) {  // the allocation runs no command
    error(prog, "--container applies to srun and sbatch: give it to the srun steps inside the allocation");
    return 1;
  }
  std::vector<std::string> command = o.positional;
  if (command.empty()) {
    const char* shell = std::getenv("SHELL");
    command = {shell && *shell ? shell : "/bin/sh"};
  }
  o.spec.batch = false;
  o.spec.argv.clear();  // an allocation: no command runs on the node
  if (!o.name_set) o.spec.name = o.positional.empty() ? "interactive" : command[0].substr(command[0].rfind('/') + 1);
  finish_spec(o, environ);
  if (!check_utf8(prog, o)) return 1;
  auto rpc = Rpc::open(prog);
  if (!rpc) return kExitError;

  const int listen_fd = listen_for_node(prog, rpc->endpoint(), o.spec);
  if (listen_fd < 0) return 1;

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  Json reply;
  try {
    reply = rpc->call(Submit{o.spec});
  } catch (const RpcError& e) {
    print_submit_error(prog, "Job submit/allocate failed: ", e.what(), o.spec.partition);
    return 1;
  }
  const auto id = reply.at("job_id").get<std::uint64_t>();
  const std::string idstr = std::to_string(id);
  const bool waited = reply.value("state", std::string()) == "PENDING";
  if (waited) {
    std::fprintf(stderr, "salloc: Pending job allocation %s\n", idstr.c_str());
    std::fprintf(stderr, "salloc: job %s queued and waiting for resources\n", idstr.c_str());
  }
  auto cancel = [&] {
    try {
      Cancel c;
      c.ids = {id};
      rpc->call(c);
    } catch (const RpcError& e) {
      error(prog, std::string("cancel failed: ") + e.what());
    }
  };

  std::optional<zmtp::Stream> channel;
  pid_t child = -1;
  int child_status = -1;  // the command's exit code once it ended
  bool released = false, revoked = false;
  std::optional<Clock::time_point> release_sent;
  auto last_poll = Clock::now();
  for (;;) {
    std::vector<pollfd> fds = {{listen_fd, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (channel)
      fds.push_back({channel->fd(), static_cast<short>(POLLIN | (channel->queued_bytes() ? POLLOUT : 0)), 0});
    ::poll(fds.data(), fds.size(), 500);
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo si{};
      while (::read(sigfd, &si, sizeof si) == sizeof si) {
        const int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGCHLD) {
          int st = 0;
          if (child > 0 && waitpid(child, &st, WNOHANG) == child)
            child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), child = -1;
        } else if (child < 0 && child_status < 0) {  // still waiting for the allocation
          std::fprintf(stderr, "salloc: Job allocation %s has been revoked.\n", idstr.c_str());
          cancel();
          return 1;
        } else if (sig != SIGINT && sig != SIGQUIT && child > 0) {
          ::kill(child, SIGHUP);  // SIGTERM/SIGHUP: the command goes, then the allocation
        }                         // Ctrl-C and Ctrl-\ belong to the command (it shares the terminal), not to salloc
      }
    }
    if (fds[0].revents & POLLIN) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      std::string herr;
      if (fd >= 0)
        if (auto s = zmtp::Stream::handshake_accepted(fd, "PAIR", 2000, &herr)) channel = std::move(*s);
    }
    if (channel && fds.size() > 2) {
      const short ev = fds[2].revents;
      bool open = true;
      if (ev & POLLOUT) open = channel->flush();
      if (ev & (POLLIN | POLLHUP | POLLERR)) open = channel->read_available() && open;
      while (auto msg = channel->next_message()) {
        if (msg->empty()) continue;
        if ((*msg)[0] == "started" && child < 0 && child_status < 0) {
          if (waited) std::fprintf(stderr, "salloc: job %s has been allocated resources\n", idstr.c_str());
          std::fprintf(stderr, "salloc: Granted job allocation %s\n", idstr.c_str());
          Job j;
          try {
            Json r = rpc->call("jobs", {{"ids", {id}}});
            if (!r["jobs"].empty()) j = r["jobs"][0].get<Job>();
          } catch (const RpcError& e) {
            error(prog, std::string("cannot read the allocation: ") + e.what());
          }
          j.id = id;
          std::vector<std::string> env = allocation_environment(j, o);
          std::vector<char*> argvp, envp;
          for (auto& a : command) argvp.push_back(a.data());
          argvp.push_back(nullptr);
          for (auto& e : env) envp.push_back(e.data());
          envp.push_back(nullptr);
          child = fork();
          if (child == 0) {
            sigprocmask(SIG_UNBLOCK, &mask, nullptr);
            execvpe(argvp[0], argvp.data(), envp.data());
            std::fprintf(stderr, "salloc: error: %s: %s\n", argvp[0], std::strerror(errno));
            _exit(127);
          }
        } else if ((*msg)[0] == "exit") {
          if (!released) {  // ended from outside: cancelled, time limit, node failure
            std::fprintf(stderr, "salloc: Job allocation %s has been revoked.\n", idstr.c_str());
            revoked = true;
            if (child > 0) ::kill(child, SIGHUP);
          }
          channel.reset();
          break;
        }
      }
      if (channel && !open) channel.reset();
    }
    if (child_status >= 0 && !released) {
      if (!revoked) std::fprintf(stderr, "salloc: Relinquishing job allocation %s\n", idstr.c_str());
      released = true;
      release_sent = Clock::now();
      if (channel) channel->enqueue({"release", std::to_string(child_status)}), channel->flush();
      if (!channel || revoked) return child_status;
    }
    // The end: the node confirmed (channel closed after "exit"), or no answer in 10 s.
    if (released && (!channel || Clock::now() - *release_sent > std::chrono::seconds(10))) {
      if (channel && !revoked) cancel();  // the node did not answer: end it through the controller
      return child_status;
    }
    // The controller decides for an allocation that never reaches a node (cancelled while pending).
    if (child < 0 && child_status < 0 && Clock::now() - last_poll > std::chrono::seconds(2)) {
      last_poll = Clock::now();
      try {
        Json r = rpc->call("jobs", {{"ids", {id}}});
        if (!r["jobs"].empty() && is_final(r["jobs"][0].get<Job>().state)) {
          std::fprintf(stderr, "salloc: Job allocation %s has been revoked.\n", idstr.c_str());
          return 1;
        }
      } catch (const RpcError& e) {
        if (!e.unreachable) {
          error(prog, e.what());
          return 1;
        }
      }
    }
  }
}

}  // namespace sluice::cli
