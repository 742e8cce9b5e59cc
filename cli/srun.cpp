// srun [options] command [args...]: submits an interactive job, waits for it, and is the job's
// terminal: its stdout and stderr arrive live, srun's stdin is forwarded (unless -i says
// otherwise), and with --pty the job runs on a pseudo-terminal of its node while srun's terminal is
// in raw mode. Exits with the job's exit code. Signals and Ctrl-C behave as Slurm's srun (man srun,
// SIGNALS AND ESCAPE SEQUENCES). The channel and its messages: core/noded/step_io.hpp.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/commands.hpp"
#include "cli/rpc.hpp"
#include "cli/submit.hpp"
#include "core/util/net.hpp"
#include "core/util/text.hpp"
#include "core/zmtp/zmtp.hpp"

extern char** environ;

namespace sluice::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kStdinChunk = 64 << 10;  // bytes read from stdin at once
constexpr std::size_t kStdinAhead = 1 << 20;   // stdin read ahead of what the node has taken

void write_out(int fd, std::string_view data, bool label, bool& at_line_start) {
  std::string labelled;
  if (label) {
    for (char c : data) {
      if (at_line_start) labelled += "0: ";
      labelled += c;
      at_line_start = c == '\n';
    }
    data = labelled;
  }
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// srun's terminal in raw mode for --pty (keys go to the job as typed: ^C, ^Z, ^D act on the
// node's terminal), with output processing kept so srun's own messages stay readable (as Slurm).
// Put back on every way out: destruction, exit() (atexit), and before srun stops itself.
class RawTerminal {
 public:
  bool enter() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return false;
    termios raw = saved_;
    cfmakeraw(&raw);
    raw.c_oflag |= OPOST;
    if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0) return false;
    active_ = true;
    static bool registered = false;
    if (!registered) std::atexit(restore), registered = true;
    return true;
  }
  static void restore() {
    if (active_) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
    active_ = false;
  }
  ~RawTerminal() { restore(); }

 private:
  static inline termios saved_{};
  static inline bool active_ = false;
};

std::string window_size() {
  winsize ws{};
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0) return "";
  return std::to_string(ws.ws_row) + " " + std::to_string(ws.ws_col);
}

// -i/--input for srun: "all" (the default) or a task number forwards srun's stdin (there is one
// task, 0; another number gives it nothing), "none" gives /dev/null, anything else names a file
// opened on the node.
void settle_input(JobSpec& s) {
  const std::string& in = s.stdin_path;
  if (in.empty() || in == "all") {
    s.stdin_path.clear();
  } else if (in == "none") {
    s.stdin_path = "/dev/null";
  } else if (in.find_first_not_of("0123456789") == std::string::npos) {
    s.stdin_path = in == std::string(in.size(), '0') ? "" : "/dev/null";
  }
}

}  // namespace

int srun(int argc, char** argv) {
  const char* prog = "srun";
  SubmitOptions o;
  if (!parse_submit_options(prog, std::vector<std::string>(argv, argv + argc), o)) return o.error_exit;
  // --container-mode=run or shell: the image's runscript or shell is the command.
  const bool image_command =
      !o.spec.container.empty() && (o.spec.container_mode == "run" || o.spec.container_mode == "shell");
  if (o.positional.empty() && !image_command) {
    error(prog, "No command given to execute.");
    return 1;
  }
  o.spec.batch = false;
  o.spec.argv = o.positional;
  const std::string& named = o.positional.empty() ? o.spec.container : o.positional[0];
  if (!o.name_set) o.spec.name = named.substr(named.rfind('/') + 1);
  settle_input(o.spec);
  if (o.pty) {
    winsize ws{};
    if (!isatty(STDIN_FILENO) || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0) {
      error(prog, std::string("ioctl(TIOCGWINSZ): ") + std::strerror(errno));
      error(prog, "Not using a pseudo-terminal, disregarding --pty option");
    } else {
      o.spec.pty = true;
      o.spec.pty_rows = ws.ws_row;
      o.spec.pty_cols = ws.ws_col;
      o.spec.stdin_path.clear();
    }
  }
  finish_spec(o, environ);
  if (!finish_container(prog, o)) return 1;
  if (!check_utf8(prog, o)) return 1;
  auto rpc = Rpc::open(prog);
  if (!rpc) return kExitError;

  const int listen_fd = listen_for_node(prog, rpc->endpoint(), o.spec);
  if (listen_fd < 0) return 1;

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP, SIGCONT}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  // Inside an allocation (salloc's shell, a batch script): a step of it, not a new job.
  std::optional<std::uint64_t> allocation;
  if (const char* v = std::getenv("SLURM_JOB_ID"); v && *v) {
    allocation = parse_uint(v);
    if (!allocation) {
      error(prog, std::string("Invalid SLURM_JOB_ID: ") + v);
      return 1;
    }
  }
  Json reply;
  try {
    reply = allocation ? rpc->call(StepRequest{*allocation, o.spec}) : rpc->call(Submit{o.spec});
  } catch (const RpcError& e) {
    if (!allocation) {
      print_submit_error(prog, "Unable to allocate resources: ", e.what(), o.spec.partition);
      return 1;
    }
    const std::string n = std::to_string(*allocation);
    error(prog, "Unable to confirm allocation for job " + n + ": " + e.what());
    if (std::string_view(e.what()) == "Invalid job id specified")
      std::fprintf(stderr, "srun: Check SLURM_JOB_ID environment variable. Expired or invalid job %s\n", n.c_str());
    return 1;
  }
  const auto id = reply.at("job_id").get<std::uint64_t>();
  const std::string idstr = std::to_string(id);
  const std::string step = "StepId=" + idstr + "." + std::to_string(reply.value("step_id", 0u));
  const auto submitted = Clock::now();
  bool waited = false, started = false;
  if (!allocation && reply.value("state", std::string()) == "PENDING") {
    std::fprintf(stderr, "srun: job %s queued and waiting for resources\n", idstr.c_str());
    waited = true;
  }
  const bool pty = o.spec.pty;
  const bool forward_stdin = o.spec.stdin_path.empty();
  RawTerminal terminal;
  auto last_poll = Clock::now();
  std::optional<Clock::time_point> final_seen, last_intr;
  bool out_bol = true, err_bol = true, cancelled = false, aborted = false, stdin_open = forward_stdin;
  std::string node, early_stdin;  // stdin read before the node connected
  std::vector<zmtp::Stream> conns;
  // The newest connection: where stdin, the window size and signals go.
  auto channel = [&]() -> zmtp::Stream* { return conns.empty() ? nullptr : &conns.back(); };
  auto to_node = [&](const std::vector<std::string>& frames) {
    if (!channel()) return;
    channel()->enqueue(frames);
    channel()->flush();  // now: a cancel may follow at once, and this must reach the job first
  };
  auto cancel = [&] {
    if (cancelled) return;
    cancelled = true;
    if (allocation) return to_node({"terminate"});  // a step ends; its allocation stays
    try {
      Cancel c;
      c.ids = {id};
      rpc->call(c);
    } catch (const RpcError& e) {
      error(prog, std::string("cancel failed: ") + e.what());
    }
  };
  auto handle = [&](const std::vector<std::string>& msg) -> std::optional<int> {
    if (msg.empty()) return std::nullopt;
    const std::string& k = msg[0];
    const std::string data = msg.size() > 1 ? msg[1] : std::string();
    if (k == "started") {
      node = data;
      if (waited && !started) std::fprintf(stderr, "srun: job %s has been allocated resources\n", idstr.c_str());
      started = true;
      if (pty) {
        terminal.enter();
        to_node({"winsize", window_size()});  // it may have changed while the job waited
      }
    } else if (k == "stdout") {
      write_out(1, data, o.label, out_bol);
    } else if (k == "stderr") {
      write_out(2, data, o.label, err_bol);
    } else if (k == "exit") {
      RawTerminal::restore();
      Json e = Json::parse(data, nullptr, false);
      const int code = e.is_object() ? e.value("exit_code", 0) : 1;
      const int sig = e.is_object() ? e.value("signal", 0) : 0;
      if (e.is_object() && e.value("launch_failed", false)) {
        error(prog, node + ": task 0: launch failed");
        return code ? code : 1;
      }
      if (sig) {
        error(prog, node + ": task 0: " + strsignal(sig));
        return 128 + sig;
      }
      if (code) error(prog, node + ": task 0: Exited with exit code " + std::to_string(code));
      return code;
    }
    return std::nullopt;
  };
  auto on_signal = [&](int sig) -> std::optional<int> {
    if (sig == SIGWINCH) {
      if (pty && started) to_node({"winsize", window_size()});
      return std::nullopt;
    }
    if (sig == SIGTSTP) {  // stop srun itself, with the terminal as it was; resume raw
      const bool raw = pty && started;
      RawTerminal::restore();
      ::kill(getpid(), SIGSTOP);
      if (raw) {
        terminal.enter();
        to_node({"winsize", window_size()});
      }
      return std::nullopt;
    }
    if (sig == SIGCONT) return std::nullopt;
    if (!started) {  // still waiting for resources: give the allocation up (a step: just leave)
      if (!allocation) std::fprintf(stderr, "srun: Job allocation %s has been revoked\n", idstr.c_str());
      cancel();
      return 1;
    }
    if (sig != SIGINT) {  // SIGTERM, SIGHUP, SIGQUIT: forwarded, and the job ends
      to_node({"signal", std::to_string(sig)});
      if (!cancelled) std::fprintf(stderr, "srun: forcing job termination\n");
      cancel();
      return std::nullopt;
    }
    const auto t = Clock::now();
    if (aborted) return 128 + SIGINT;  // a third Ctrl-C: leave without waiting for the job
    if (!last_intr || t - *last_intr > std::chrono::seconds(1)) {
      std::fprintf(stderr, "srun: interrupt (one more within 1 sec to abort)\n");
      std::fprintf(stderr, "srun: %s task 0: running\n", step.c_str());
      last_intr = t;
      return std::nullopt;
    }
    std::fprintf(stderr, "srun: sending Ctrl-C to %s\n", step.c_str());
    // The cancel first: once the controller has it, the job ends CANCELLED however fast the
    // SIGINT ends it (a job the SIGINT ended first would otherwise end FAILED).
    cancel();
    to_node({"signal", std::to_string(SIGINT)});
    std::fprintf(stderr, "srun: Job step aborted\n");
    aborted = true;
    return std::nullopt;
  };

  for (;;) {
    std::size_t ahead = early_stdin.size();
    if (channel()) ahead += channel()->queued_bytes();
    const bool read_stdin = stdin_open && ahead < kStdinAhead && (!pty || started);
    std::vector<pollfd> fds = {{listen_fd, POLLIN, 0}, {sigfd, POLLIN, 0}, {read_stdin ? STDIN_FILENO : -1, POLLIN, 0}};
    for (const auto& c : conns)
      fds.push_back({c.fd(), static_cast<short>(POLLIN | (c.queued_bytes() ? POLLOUT : 0)), 0});
    const std::size_t polled = conns.size();  // connections accepted below are polled next round
    ::poll(fds.data(), fds.size(), 500);
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo si{};
      while (::read(sigfd, &si, sizeof si) == sizeof si)
        if (auto rc = on_signal(static_cast<int>(si.ssi_signo))) return *rc;
    }
    if (fds[0].revents & POLLIN) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        std::string herr;
        if (auto s = zmtp::Stream::handshake_accepted(fd, "PAIR", 2000, &herr)) {
          conns.push_back(std::move(*s));
          if (!early_stdin.empty()) to_node({"stdin", early_stdin}), early_stdin.clear();
          if (!stdin_open && forward_stdin && !pty) to_node({"eof"});
        }
      }
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[kStdinChunk];
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n > 0 && channel()) {
        to_node({"stdin", std::string(buf, static_cast<std::size_t>(n))});
      } else if (n > 0) {
        early_stdin.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdin_open = false;  // end of input (or an unreadable stdin): the job's stdin ends too
        if (channel() && !pty) to_node({"eof"});
      }
    }
    for (std::size_t i = polled; i-- > 0;) {  // backwards: closed connections are erased
      const short ev = fds[i + 3].revents;
      zmtp::Stream& c = conns[i];
      bool open = true;
      if (ev & POLLOUT) open = c.flush();
      if (ev & (POLLIN | POLLHUP | POLLERR)) open = c.read_available() && open;
      while (auto msg = c.next_message())
        if (auto rc = handle(*msg)) return *rc;
      if (!open) conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (channel() && channel()->queued_bytes()) channel()->flush();
    // The controller is the authority on jobs that end without reaching a node (cancelled while
    // pending, node failure): poll it now and then.
    auto now = Clock::now();
    if (allocation && !started && now - submitted > std::chrono::seconds(30)) {
      error(prog, step + " did not start: the node of job " + idstr + " does not answer");
      return 1;
    }
    if (now - last_poll > std::chrono::seconds(2)) {
      last_poll = now;
      try {
        Json r = rpc->call("jobs", {{"ids", {id}}});
        if (!r["jobs"].empty()) {
          Job j = r["jobs"][0].get<Job>();
          if (j.state == JobState::Running && !started && waited && !node.empty()) started = true;
          if (is_final(j.state) && !final_seen) final_seen = now;
          if (final_seen && now - *final_seen > std::chrono::seconds(3)) {
            RawTerminal::restore();
            if (j.state == JobState::Cancelled)
              error(prog, "Job " + idstr + " was cancelled");
            else
              error(prog, "Job " + idstr + " ended: " + state_name(j.state));
            return j.exit_code ? j.exit_code : 1;
          }
        }
      } catch (const RpcError& e) {
        if (e.unreachable) continue;  // the controller may be restarting: keep waiting
        RawTerminal::restore();
        error(prog, e.what());
        return 1;
      }
    }
  }
}

}  // namespace sluice::cli
