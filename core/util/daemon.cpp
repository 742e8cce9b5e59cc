#include "core/util/daemon.hpp"

#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace sluice {

namespace {
int ready_fd = -1;
}

void set_log_style(const std::string& level, int verbose) {
  auto lvl = spdlog::level::from_str(level);
  for (int i = 0; i < verbose && lvl > spdlog::level::trace; ++i) lvl = static_cast<spdlog::level::level_enum>(lvl - 1);
  spdlog::set_level(lvl);
  spdlog::set_pattern("[%Y-%m-%dT%H:%M:%S.%e] %l: %v");
  spdlog::flush_on(spdlog::level::debug);
}

bool start_daemon(const char* name, bool foreground, const std::string& logfile, const std::string& level, int verbose,
                  const std::string& pidfile) {
  try {
    auto logger =
        logfile.empty() ? spdlog::stderr_logger_mt(name) : spdlog::basic_logger_mt(name, logfile, /*truncate=*/false);
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    std::fprintf(stderr, "%s: error: cannot open log %s: %s\n", name, logfile.c_str(), e.what());
    return false;
  }
  set_log_style(level, verbose);
  auto write_pid = [&] {
    if (pidfile.empty()) return;
    if (FILE* f = std::fopen(pidfile.c_str(), "w")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    }
  };
  if (foreground) {
    write_pid();
    return true;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) {
    close(fds[1]);
    std::string msg;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
    if (msg == "1") _exit(0);
    if (msg.size() > 1)
      std::fprintf(stderr, "%s", msg.c_str() + 1);
    else
      std::fprintf(stderr, "%s: error: failed to start (see log %s)\n", name, logfile.c_str());
    _exit(1);
  }
  close(fds[0]);
  ready_fd = fds[1];
  setsid();
  write_pid();
  // stderr goes to the log too, so that anything written outside spdlog (a sanitizer report, an
  // abort message) is kept.
  int devnull = open("/dev/null", O_RDWR);
  dup2(devnull, 0);
  dup2(devnull, 1);
  if (!logfile.empty()) {
    int log = open(logfile.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    dup2(log >= 0 ? log : devnull, 2);
    if (log > 2) close(log);
  }
  if (devnull > 2) close(devnull);
  return true;
}

void daemon_failed(const std::string& why) {
  if (ready_fd >= 0) {
    const std::string msg = "E" + why;
    (void)!write(ready_fd, msg.data(), msg.size());
    close(ready_fd);
    ready_fd = -1;
  } else {
    std::fprintf(stderr, "%s", why.c_str());
  }
}

void daemon_ready() {
  if (ready_fd >= 0) {
    (void)!write(ready_fd, "1", 1);
    close(ready_fd);
    ready_fd = -1;
  }
}

}  // namespace sluice
