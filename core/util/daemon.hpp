// Daemon start-up shared by sluicectld and sluiced: logging set-up and optional backgrounding.
#pragma once
#include <string>

namespace sluice {

// The daemons' log style: `level` ("info", "debug", ...), made `verbose` steps more verbose, and
// the one line format "[2026-11-30T01:02:03.456] info: text" (the plugin host uses it too).
void set_log_style(const std::string& level, int verbose);

// Sets up spdlog (to `logfile`, or stderr when empty) at `level` (raised by `verbose`), and unless
// `foreground`, forks into the background; the parent exits once daemon_ready() is called in the
// child (or with status 1 if the child dies first). Writes the daemon's pid to `pidfile` when
// given. Returns false on a set-up error (printed).
bool start_daemon(const char* name, bool foreground, const std::string& logfile, const std::string& level, int verbose,
                  const std::string& pidfile);
void daemon_ready();
// Start-up failed after start_daemon: the waiting parent prints `why` and exits 1.
void daemon_failed(const std::string& why);

}  // namespace sluice
