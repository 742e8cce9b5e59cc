#include "core/noded/step_io.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <zmq.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/proto/wire.hpp"

namespace sluice {

namespace {

constexpr int kMaxMessage = 1 << 20;  // the largest message srun may send (its chunks are 64 KiB)

std::string monitor_endpoint(std::uint64_t job) {
  static std::atomic<std::uint64_t> serial{0};
  return "inproc://sluiced-step-io-" + std::to_string(job) + "-" + std::to_string(serial++);
}

void set_nonblocking(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Whole decimal numbers of `text`, separated by single spaces; empty when anything else is there.
std::vector<long> numbers(std::string_view text) {
  std::vector<long> out;
  while (!text.empty()) {
    long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end == text.data()) return {};
    out.push_back(v);
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (!text.empty()) {
      if (text.front() != ' ') return {};
      text.remove_prefix(1);
    }
  }
  return out;
}

}  // namespace

StepIo::StepIo(zmq::context_t& ctx, std::uint64_t job, const std::string& endpoint, const std::string& node, Time now)
    : job_(job),
      sock_(ctx, zmq::socket_type::pair),
      monitor_(ctx, zmq::socket_type::pair),
      created_(now),
      last_output_(now) {
  sock_.set(zmq::sockopt::linger, 2000);  // the last output and "exit" still go out after close
  sock_.set(zmq::sockopt::sndhwm, 64);    // messages of up to 64 KiB: at most 4 MiB queued for srun
  sock_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(kMaxMessage));
  const std::string mon = monitor_endpoint(job);
  if (zmq_socket_monitor(sock_.handle(), mon.c_str(),
                         ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED) == 0)
    monitor_.connect(mon);
  else
    spdlog::warn("job={} cannot watch srun's connection: {}", job, zmq_strerror(zmq_errno()));
  try {
    sock_.connect(endpoint);
  } catch (const zmq::error_t& e) {
    lose("cannot connect to " + endpoint + ": " + e.what());
    return;
  }
  send("started", node);
}

StepIo::~StepIo() {
  zmq_socket_monitor(sock_.handle(), nullptr, 0);
  monitor_.close();
  for (int fd : {out_fd_, err_fd_, in_fd_})
    if (fd >= 0) ::close(fd);
}

void StepIo::attach(pid_t pgid, int out_fd, int err_fd, int in_fd, bool pty) {
  pgid_ = pgid;
  out_fd_ = out_fd;
  err_fd_ = err_fd;
  in_fd_ = in_fd;
  pty_ = pty;
  // Reads after a poll never block; a leftover process that holds a pipe open must not stall the
  // agent while the step's end is drained.
  for (int fd : {out_fd_, err_fd_, in_fd_}) set_nonblocking(fd);
}

bool StepIo::writable() {
  if (lost_) return true;  // output is dropped: srun is gone
  return (sock_.get(zmq::sockopt::events) & ZMQ_POLLOUT) != 0;
}

void StepIo::send(std::string_view kind, std::string_view data) {
  if (lost_) return;
  // Once libzmq takes the first part of a message it takes the rest.
  if (sock_.send(zmq::buffer(kind), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
    sock_.send(zmq::buffer(data), zmq::send_flags::dontwait);
}

void StepIo::add_poll_items(std::vector<zmq::pollitem_t>& items) {
  first_item_ = static_cast<int>(items.size());
  sock_item_ = monitor_item_ = out_item_ = err_item_ = in_item_ = -1;
  auto add = [&](void* socket, int fd, short events) {
    items.push_back({socket, fd, events, 0});
    return static_cast<int>(items.size()) - 1;
  };
  const bool room = writable();
  short sock_events = 0;
  if (stdin_.size() < kMaxStdinBuffered) sock_events |= ZMQ_POLLIN;
  if (!room) sock_events |= ZMQ_POLLOUT;  // wake when srun takes more output
  if (!lost_) sock_item_ = add(sock_.handle(), 0, sock_events);
  if (!lost_ && monitor_.handle()) monitor_item_ = add(monitor_.handle(), 0, ZMQ_POLLIN);
  if (room && out_fd_ >= 0) out_item_ = add(nullptr, out_fd_, ZMQ_POLLIN);
  if (room && err_fd_ >= 0) err_item_ = add(nullptr, err_fd_, ZMQ_POLLIN);
  if (in_fd_ >= 0 && !stdin_.empty()) in_item_ = add(nullptr, in_fd_, ZMQ_POLLOUT);
}

void StepIo::on_poll(const std::vector<zmq::pollitem_t>& items, Time now) {
  if (first_item_ < 0) return;
  auto fired = [&](int i, short mask) { return i >= 0 && (items[static_cast<std::size_t>(i)].revents & mask); };
  if (fired(monitor_item_, ZMQ_POLLIN)) on_monitor_event();
  if (fired(sock_item_, ZMQ_POLLIN)) {
    for (int n = 0; n < 64 && !lost_ && stdin_.size() < kMaxStdinBuffered; ++n) {
      std::vector<zmq::message_t> parts;
      if (!zmq::recv_multipart(sock_, std::back_inserter(parts), zmq::recv_flags::dontwait)) break;
      on_message(parts);
    }
  }
  if (fired(out_item_, ZMQ_POLLIN | ZMQ_POLLERR)) pump(out_fd_, "stdout", now);
  if (fired(err_item_, ZMQ_POLLIN | ZMQ_POLLERR)) pump(err_fd_, "stderr", now);
  if (!stdin_.empty()) write_stdin();
  if (!connected_ && !lost_ && now - created_ >= kConnectTimeout)
    lose("srun did not accept the connection within " + std::to_string(kConnectTimeout) + " s");
  first_item_ = -1;
}

void StepIo::on_message(const std::vector<zmq::message_t>& parts) {
  if (parts.empty()) return;
  const std::string_view kind = parts[0].to_string_view();
  const std::string_view data = parts.size() > 1 ? parts[1].to_string_view() : std::string_view();
  if (kind == "stdin") {
    if (in_fd_ >= 0 && !stdin_eof_) stdin_.append(data);  // else the step reads a file: dropped
  } else if (kind == "eof") {
    stdin_eof_ = true;
    if (!pty_ && stdin_.empty()) close_stdin();  // a terminal has no end of input: ^D is a byte
  } else if (kind == "winsize") {
    const auto v = numbers(data);
    if (!pty_ || in_fd_ < 0 || v.size() != 2 || v[0] <= 0 || v[1] <= 0 || v[0] > 0xffff || v[1] > 0xffff) return;
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(v[0]);
    ws.ws_col = static_cast<unsigned short>(v[1]);
    ::ioctl(in_fd_, TIOCSWINSZ, &ws);  // the kernel sends SIGWINCH to the terminal's foreground
  } else if (kind == "signal") {
    const auto v = numbers(data);
    if (v.size() != 1 || v[0] <= 0 || v[0] >= NSIG || pgid_ <= 0) return;
    ::kill(-pgid_, static_cast<int>(v[0]));
    spdlog::info("job={} signal={} from srun", job_, v[0]);
  } else if (kind == "terminate") {
    terminate_ = true;
  } else if (kind == "release") {
    const auto v = numbers(data);
    if (v.size() == 1 && v[0] >= 0 && v[0] <= 255) released_ = static_cast<int>(v[0]);
  } else {
    spdlog::debug("job={} ignored srun message {:.32}", job_, kind);
  }
}

void StepIo::write_stdin() {
  while (!stdin_.empty() && in_fd_ >= 0) {
    const ssize_t n = ::write(in_fd_, stdin_.data(), stdin_.size());
    if (n > 0) {
      stdin_.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    // The step closed its stdin (EPIPE) or is gone: the rest has no reader.
    stdin_.clear();
    if (!pty_) close_stdin();
    return;
  }
  if (stdin_.empty() && stdin_eof_ && !pty_) close_stdin();
}

void StepIo::close_stdin() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

void StepIo::pump(int& fd, const char* stream, Time now) {
  char buf[65536];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    send(stream, std::string_view(buf, static_cast<std::size_t>(n)));
    last_output_ = now;
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
  ::close(fd);  // end of file; or EIO: a terminal whose every slave descriptor is closed
  fd = -1;
}

void StepIo::on_monitor_event() {
  for (;;) {
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(monitor_, std::back_inserter(parts), zmq::recv_flags::dontwait)) return;
    if (parts.empty() || parts[0].size() < sizeof(std::uint16_t)) continue;
    std::uint16_t event = 0;
    std::memcpy(&event, parts[0].data(), sizeof event);
    if (event == ZMQ_EVENT_CONNECTED) connected_ = true;
    if (event == ZMQ_EVENT_DISCONNECTED) lose("srun's connection closed");
    // srun listens before it submits: a refused connection means it is gone.
    if (event == ZMQ_EVENT_CONNECT_RETRIED) lose("srun's socket refused the connection");
  }
}

void StepIo::lose(std::string why) {
  if (lost_) return;
  lost_ = true;
  why_ = std::move(why);
  stdin_.clear();
}

void StepIo::notice(const std::string& text) { send("stderr", text); }

bool StepIo::drained(Time now) {
  if (lost_) return true;
  if (!writable()) {  // srun is behind: wait for it, however long (as a slow terminal is waited for)
    last_output_ = now;
    return false;
  }
  if (out_fd_ >= 0) pump(out_fd_, "stdout", now);
  if (err_fd_ >= 0 && writable()) pump(err_fd_, "stderr", now);
  if (out_fd_ < 0 && err_fd_ < 0) return writable();  // room for "exit"
  return now - last_output_ >= 2;
}

void StepIo::send_exit(const JobEnded& end) { send("exit", to_body(end).dump()); }

}  // namespace sluice
