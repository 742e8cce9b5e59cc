// srun [options] command [args...]: submits an interactive job, waits for it, streams its output
// live and exits with its exit code. Ctrl-C cancels the job.
#include "cli/commands.hpp"
#include "cli/submit.hpp"
#include "core/util/text.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <zmq.hpp>

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

std::string bind_host(const std::string& controller) {
  if (const char* h = std::getenv("SLUICE_SRUN_HOST"); h && *h) return h;
  if (controller.find("127.") != std::string::npos || controller.find("localhost") != std::string::npos ||
      controller.rfind("ipc://", 0) == 0)
    return "127.0.0.1";
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
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
  auto cfg = load_cli_config(prog);
  if (!cfg) return 1;
  Client client(*cfg);

  // Output arrives on our own socket, straight from the node agent.
  zmq::socket_t io(client.context(), zmq::socket_type::pull);
  io.set(zmq::sockopt::linger, 0);
  const std::string host = bind_host(client.endpoint());
  try {
    io.bind("tcp://" + (host == "127.0.0.1" ? host : std::string("0.0.0.0")) + ":*");
  } catch (const zmq::error_t& e) {
    error(prog, std::string("cannot open I/O socket: ") + e.what());
    return 1;
  }
  std::string ep = io.get(zmq::sockopt::last_endpoint);
  o.spec.io_endpoint = "tcp://" + host + ep.substr(ep.rfind(':'));

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  Json reply;
  try {
    reply = client.call("submit", {{"spec", o.spec}});
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
  for (;;) {
    zmq::pollitem_t items[] = {{io.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, sigfd, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(500));
    if (items[1].revents & ZMQ_POLLIN) {
      signalfd_siginfo si{};
      while (::read(sigfd, &si, sizeof si) == sizeof si) {
        if (!cancelled) {
          std::fprintf(stderr, "srun: forcing job termination\n");
          try {
            client.call("cancel", {{"ids", {id}}});
          } catch (const RpcError& e) {
            error(prog, std::string("cancel failed: ") + e.what());
          }
          cancelled = true;
        }
      }
    }
    while (items[0].revents & ZMQ_POLLIN) {
      zmq::message_t kind, data;
      if (!io.recv(kind, zmq::recv_flags::dontwait)) break;
      if (kind.more()) (void)io.recv(data, zmq::recv_flags::none);
      const std::string k = kind.to_string();
      if (k == "started") {
        node = data.to_string();
        if (waited && !started) std::fprintf(stderr, "srun: job %s has been allocated resources\n", idstr.c_str());
        started = true;
      } else if (k == "stdout") {
        write_out(1, data.to_string_view(), o.label, out_bol);
      } else if (k == "stderr") {
        write_out(2, data.to_string_view(), o.label, err_bol);
      } else if (k == "exit") {
        Json e = Json::parse(data.to_string_view(), nullptr, false);
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
    }
    // The controller is the authority on jobs that end without reaching a node (cancelled while
    // pending, node failure): poll it now and then.
    auto now = std::chrono::steady_clock::now();
    if (now - last_poll > std::chrono::seconds(2)) {
      last_poll = now;
      try {
        Json r = client.call("jobs", {{"ids", {id}}});
        if (!r["jobs"].empty()) {
          Job j = r["jobs"][0].get<Job>();
          if (j.state == JobState::Running && !started && waited && !node.empty()) started = true;
          if (is_final(j.state) && !final_seen) final_seen = now;
          if (final_seen && now - *final_seen > std::chrono::seconds(3)) {
            if (j.state == JobState::Cancelled) error(prog, "Job " + idstr + " was cancelled");
            else error(prog, "Job " + idstr + " ended: " + state_name(j.state));
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
