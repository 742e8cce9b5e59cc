// The I/O of an srun step on its node, the part of Slurm's slurmstepd that talks to srun: the step's
// output goes to srun, srun's standard input, terminal size and forwarded signals come back.
//
// The channel: srun listens (JobSpec::io_endpoint) and the agent connects one ZeroMQ PAIR socket
// to it. Messages are multipart, the first frame names them:
//   agent -> srun: "started" <node>; "stdout" <bytes>; "stderr" <bytes>; "exit" <JobEnded as JSON>
//   srun -> agent: "stdin" <bytes>; "eof"; "winsize" "<rows> <cols>"; "signal" "<number>";
//                  "terminate" (end the step: SIGTERM, kill-wait, SIGKILL; srun aborting a step);
//                  "release" "<exit code>" (salloc: the allocation is given back, its command
//                  exited with that code)
//
// Nothing here blocks the agent: output is read from the step only while the socket takes more
// (so a slow srun slows the step's writes, as a slow terminal does, and no output is dropped),
// stdin is written as the step reads it, and srun's messages are read only while less than
// kMaxStdinBuffered bytes of stdin wait. A connection that closes, is refused (srun listens before
// it submits) or is not answered within kConnectTimeout means srun is gone: lost() turns true and
// the agent ends the step (Slurm ends a step whose srun vanished).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "core/proto/messages.hpp"

namespace sluice {

class StepIo {
 public:
  static constexpr std::size_t kMaxStdinBuffered = 1 << 20;  // bytes of stdin held for the step
  static constexpr Time kConnectTimeout = 20;                // seconds for srun's socket to answer

  // Connects to srun at `endpoint` and queues "started" <node> (libzmq sends it once connected).
  // `now`: the agent's clock, seconds.
  StepIo(zmq::context_t& ctx, std::uint64_t job, const std::string& endpoint, const std::string& node, Time now);
  ~StepIo();
  StepIo(const StepIo&) = delete;
  StepIo& operator=(const StepIo&) = delete;

  // The step's ends from spawn_step (owned from now on, closed here): out/err read its output, in
  // writes its stdin (-1 each where a file takes the stream); `pty`: in and out are the terminal's
  // master side. `pgid`: the step's process group, where forwarded signals go.
  void attach(pid_t pgid, int out_fd, int err_fd, int in_fd, bool pty);

  // The agent's poll loop: appends this step's items, then handles their events after the poll.
  void add_poll_items(std::vector<zmq::pollitem_t>& items);
  void on_poll(const std::vector<zmq::pollitem_t>& items, Time now);

  // A line for srun's stderr ("sluiced: error: *** JOB ... CANCELLED ... ***").
  void notice(const std::string& text);
  // After the step's main process exited: true once everything it wrote has gone to srun (both
  // output streams closed), or when nothing more can come (no output for 2 s while srun keeps up:
  // a leftover process holds the pipes; or srun is gone). False while srun is behind.
  bool drained(Time now);
  // The step's end, the last message.
  void send_exit(const JobEnded& end);

  // srun is gone (why() says how); the agent ends the step once, after which lost_handled is set.
  bool lost() const { return lost_; }
  const std::string& why() const { return why_; }
  bool lost_handled = false;
  // srun asked to end the step ("terminate"), once: true on the first call after it.
  bool take_terminate() { return std::exchange(terminate_, false); }
  // salloc gave the allocation back with this exit code ("release"); -1: not (yet).
  int released() const { return released_; }

 private:
  bool writable();
  void send(std::string_view kind, std::string_view data);
  void pump(int& fd, const char* stream, Time now);
  void on_message(const std::vector<zmq::message_t>& parts);
  void write_stdin();
  void close_stdin();
  void on_monitor_event();
  void lose(std::string why);

  std::uint64_t job_;
  zmq::socket_t sock_;
  zmq::socket_t monitor_;
  pid_t pgid_ = -1;
  int out_fd_ = -1, err_fd_ = -1, in_fd_ = -1;
  bool pty_ = false;
  std::string stdin_;  // received, not yet written to the step
  bool stdin_eof_ = false;
  bool terminate_ = false;
  int released_ = -1;
  bool connected_ = false, lost_ = false;
  std::string why_;
  Time created_ = 0, last_output_ = 0;
  int first_item_ = -1;  // where this step's items start in the poll vector
  int sock_item_ = -1, monitor_item_ = -1, out_item_ = -1, err_item_ = -1, in_item_ = -1;
};

}  // namespace sluice
