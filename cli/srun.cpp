// srun [options] command [args...]: submits an interactive job, waits for it, streams its output
// live and exits with its exit code. Ctrl-C cancels the job.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
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

void write_out(int fd, std::string_view data, bool label, bool& at_line_start) {
  if (!label) {
    while (!data.empty()) {
      ssize_t n = ::write(fd, data.data(), data.size());
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return;
  }
  std::string out;
  for (char c : data) {
    if (at_line_start) out += "0: ";
    out += c;
    at_line_start = c == '\n';
  }
  (void)!::write(fd, out.data(), out.size());
}

// The address node agents can reach us at.
std::string bind_host(const std::string& controller) {
  if (const char* h = std::getenv("SLUICE_SRUN_HOST"); h && *h) return h;
  return local_address_toward(controller);
}

}  // namespace

int srun(int argc, char** argv) {
  const char* prog = "srun";
  SubmitOptions o;
  if (!parse_submit_options(prog, std::vector<std::string>(argv, argv + argc), o)) return 1;
  if (o.positional.empty()) {
    error(prog, "No command given to execute.");
    return 1;
  }
  if (o.pty) {
    error(prog, "--pty is not supported yet");
    return 1;
  }
  o.spec.batch = false;
  o.spec.argv = o.positional;
  if (!o.name_set) o.spec.name = o.positional[0].substr(o.positional[0].rfind('/') + 1);
  finish_spec(o, environ);
  if (!check_utf8(prog, o)) return 1;
  auto rpc = Rpc::open(prog);
  if (!rpc) return kExitError;

  // Output arrives on our own socket, straight from the node agent (which connects a PUSH socket).
  const std::string host = bind_host(rpc->endpoint());
  int port = 0;
  std::string err;
  const int listen_fd = zmtp::listen_tcp(host, &port, &err);
  if (listen_fd < 0) {
    error(prog, "cannot open I/O socket: " + err);
    return 1;
  }
  o.spec.io_endpoint = "tcp://" + host + ":" + std::to_string(port);

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  Json reply;
  try {
    reply = rpc->call(Submit{o.spec});
  } catch (const RpcError& e) {
    print_submit_error(prog, "Unable to allocate resources: ", e.what(), o.spec.partition);
    return 1;
  }
  const auto id = reply.at("job_id").get<std::uint64_t>();
  const std::string idstr = std::to_string(id);
  bool waited = false, started = false;
  if (reply.value("state", std::string()) == "PENDING") {
    std::fprintf(stderr, "srun: job %s queued and waiting for resources\n", idstr.c_str());
    waited = true;
  }
  auto last_poll = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> final_seen;
  bool out_bol = true, err_bol = true, cancelled = false;
  std::string node;
  std::vector<zmtp::Stream> conns;
  auto handle = [&](const std::vector<std::string>& msg) -> std::optional<int> {
    if (msg.empty()) return std::nullopt;
    const std::string& k = msg[0];
    const std::string data = msg.size() > 1 ? msg[1] : std::string();
    if (k == "started") {
      node = data;
      if (waited && !started) std::fprintf(stderr, "srun: job %s has been allocated resources\n", idstr.c_str());
      started = true;
    } else if (k == "stdout") {
      write_out(1, data, o.label, out_bol);
    } else if (k == "stderr") {
      write_out(2, data, o.label, err_bol);
    } else if (k == "exit") {
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
  for (;;) {
    std::vector<pollfd> fds = {{listen_fd, POLLIN, 0}, {sigfd, POLLIN, 0}};
    for (const auto& c : conns) fds.push_back({c.fd(), POLLIN, 0});
    const std::size_t polled = conns.size();  // connections accepted below are polled next round
    ::poll(fds.data(), fds.size(), 500);
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo si{};
      while (::read(sigfd, &si, sizeof si) == sizeof si) {
        if (!cancelled) {
          std::fprintf(stderr, "srun: forcing job termination\n");
          try {
            Cancel cancel;
            cancel.ids = {id};
            rpc->call(cancel);
          } catch (const RpcError& e) {
            error(prog, std::string("cancel failed: ") + e.what());
          }
          cancelled = true;
        }
      }
    }
    if (fds[0].revents & POLLIN) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        std::string herr;
        if (auto s = zmtp::Stream::handshake_accepted(fd, "PULL", 2000, &herr)) conns.push_back(std::move(*s));
      }
    }
    for (std::size_t i = polled; i-- > 0;) {  // backwards: closed connections are erased
      if (!(fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const bool open = conns[i].read_available();
      while (auto msg = conns[i].next_message())
        if (auto rc = handle(*msg)) return *rc;
      if (!open) conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
    }
    // The controller is the authority on jobs that end without reaching a node (cancelled while
    // pending, node failure): poll it now and then.
    auto now = std::chrono::steady_clock::now();
    if (now - last_poll > std::chrono::seconds(2)) {
      last_poll = now;
      try {
        Json r = rpc->call("jobs", {{"ids", {id}}});
        if (!r["jobs"].empty()) {
          Job j = r["jobs"][0].get<Job>();
          if (j.state == JobState::Running && !started && waited && !node.empty()) started = true;
          if (is_final(j.state) && !final_seen) final_seen = now;
          if (final_seen && now - *final_seen > std::chrono::seconds(3)) {
            if (j.state == JobState::Cancelled)
              error(prog, "Job " + idstr + " was cancelled");
            else
              error(prog, "Job " + idstr + " ended: " + state_name(j.state));
            return j.exit_code ? j.exit_code : 1;
          }
        }
      } catch (const RpcError& e) {
        if (e.unreachable) continue;  // the controller may be restarting: keep waiting
        error(prog, e.what());
        return 1;
      }
    }
  }
}

}  // namespace sluice::cli
