// One ZMTP connection: handshake, framing, buffered reads (see zmtp.hpp).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/zmtp/detail.hpp"
#include "core/zmtp/zmtp.hpp"

namespace sluice::zmtp {

using namespace detail;

Stream::Fd::Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}

Stream::Fd& Stream::Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd >= 0) ::close(fd);
    fd = std::exchange(o.fd, -1);
  }
  return *this;
}

Stream::Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

std::optional<Stream> Stream::connect(const std::string& endpoint, std::string_view socket_type, int timeout_ms,
                                      std::string* error, std::string_view identity) {
  const Deadline deadline = deadline_after(timeout_ms);
  std::string why;
  int fd = -1;
  if (!known_socket_type(socket_type))
    why = "unknown socket type " + std::string(socket_type);
  else if (identity.size() > 255)
    why = "identity longer than 255 bytes";
  else
    fd = dial(endpoint, deadline, &why);
  if (fd < 0) return report(error, endpoint + ": " + why);
  Stream s(fd);
  if (s.handshake(socket_type, identity, deadline)) return s;
  return report(error, endpoint + ": ZMTP handshake: " + s.error_);
}

std::optional<Stream> Stream::handshake_accepted(int fd, std::string_view socket_type, int timeout_ms,
                                                 std::string* error) {
  const Deadline deadline = deadline_after(timeout_ms);
  Stream s(fd);
  if (!known_socket_type(socket_type)) return report(error, "unknown socket type " + std::string(socket_type));
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return report(error, errno_text(errno));
  set_nodelay(fd);
  if (s.handshake(socket_type, {}, deadline)) return s;
  return report(error, "ZMTP handshake: " + s.error_);
}

bool Stream::handshake(std::string_view socket_type, std::string_view identity, Deadline deadline) {
  if (!write_all(greeting(), deadline)) return false;
  // libzmq sends its greeting in parts; checking each part as it comes fails a non-ZMTP peer fast.
  for (const std::size_t n : {std::size_t{1}, std::size_t{10}, std::size_t{11}, kGreetingBytes}) {
    if (!fill(n, deadline)) return false;
    if (std::string why = greeting_error(std::string_view(in_).substr(0, n)); !why.empty()) return fail(why);
  }
  pos_ = kGreetingBytes;
  std::string props = property("Socket-Type", socket_type);
  if (!identity.empty()) props += property("Identity", identity);
  if (!write_all(command("READY", props), deadline)) return false;
  const std::optional<Frame> f = read_frame(deadline);
  if (!f) return false;
  std::string_view name, data;
  if (!(f->flags & kCommand) || !split_command(f->body, &name, &data)) return fail("expected a READY command");
  if (name == "ERROR") {
    return fail("peer refused: " +
                std::string(data.empty() ? "" : data.substr(1, static_cast<unsigned char>(data[0]))));
  }
  if (name != "READY") return fail("expected a READY command, got " + std::string(name));
  if (std::string why = ready_error(data, socket_type); !why.empty()) return fail(why);
  return true;
}

// Reads until `n` unparsed bytes are buffered, and no further.
bool Stream::fill(std::size_t n, Deadline deadline) {
  while (in_.size() - pos_ < n) {
    if (const int rc = wait_fd(fd(), POLLIN, deadline); rc <= 0) return fail(rc == 0 ? "timed out" : errno_text(errno));
    if (std::string why = read_raw(n - (in_.size() - pos_)); !why.empty()) return fail(why);
  }
  return true;
}

std::optional<Stream::Frame> Stream::read_frame(Deadline deadline) {
  std::size_t missing = 0;
  for (;;) {
    if (auto f = take_frame(kMaxMessageBytes, &missing)) return f;
    if (!error_.empty() || !fill(in_.size() - pos_ + missing, deadline)) return std::nullopt;
  }
}

// Reads up to `limit` bytes that are available now. Returns why the connection ended, or "" while it
// is open (an EOF right after some data is left for the next call).
std::string Stream::read_raw(std::size_t limit) {
  in_.erase(0, pos_);
  pos_ = 0;
  for (std::size_t total = 0; total < limit;) {
    const std::size_t old = in_.size(), want = std::min(kReadChunk, limit - total);
    ssize_t n = 0;
    int err = 0;
    in_.resize_and_overwrite(old + want, [&](char* p, std::size_t) {
      n = ::recv(fd(), p + old, want, 0);
      err = errno;
      return old + static_cast<std::size_t>(std::max<ssize_t>(n, 0));
    });
    if (n == 0) return total ? "" : "connection closed by peer";
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < want) return "";  // drained
    } else if (err == EAGAIN || err == EWOULDBLOCK) {
      return "";
    } else if (err != EINTR) {
      return errno_text(err);
    }
  }
  return "";
}

// The next whole frame in the buffer, consumed. nullopt when `*missing` more bytes are needed, or on a
// protocol error (error_ set).
std::optional<Stream::Frame> Stream::take_frame(std::size_t limit, std::size_t* missing) {
  const std::string_view in = std::string_view(in_).substr(pos_);
  *missing = 2;
  if (in.empty()) return std::nullopt;
  const auto flags = static_cast<unsigned char>(in[0]);
  if ((flags & ~(kMore | kLong | kCommand)) || ((flags & kMore) && (flags & kCommand))) {
    fail("invalid frame flags " + std::to_string(flags));
    return std::nullopt;
  }
  const std::size_t header = flags & kLong ? 9 : 2;
  if (in.size() < header) {
    *missing = header - in.size();
    return std::nullopt;
  }
  const std::uint64_t size = get_be(in.substr(1), header - 1);
  if (size > limit) {
    fail("message exceeds the " + std::to_string(kMaxMessageBytes >> 20) + " MiB limit");
    return std::nullopt;
  }
  if (in.size() - header < size) {
    *missing = header + size - in.size();
    return std::nullopt;
  }
  pos_ += header + size;
  return Frame{flags, in.substr(header, size)};
}

// Moves every complete message in the buffer to ready_.
void Stream::parse() {
  std::size_t missing = 0;
  while (const std::optional<Frame> f = take_frame(kMaxMessageBytes - partial_bytes_, &missing)) {
    if (f->flags & kCommand) {  // after the handshake only PING (ZMTP 3.1 heartbeat) needs an answer
      std::string_view name, data;
      if (split_command(f->body, &name, &data) && name == "PING" && data.size() >= 2) {
        if (queued_bytes() > 0) {  // behind what is queued, never inside a half-sent message
          out_ += command("PONG", data.substr(2));
        } else if (!write_all(command("PONG", data.substr(2)), deadline_after(1000))) {
          return;
        }
      }
      continue;
    }
    if (partial_.size() == kMaxFrames) {
      fail("message has more than " + std::to_string(kMaxFrames) + " frames");
      return;
    }
    partial_.emplace_back(f->body);
    partial_bytes_ += f->body.size();
    if (!(f->flags & kMore)) {
      ready_.push_back(std::move(partial_));
      partial_.clear();
      partial_bytes_ = 0;
    }
  }
}

bool Stream::write_all(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno != EINTR) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(errno_text(errno));
      if (const int rc = wait_fd(fd(), POLLOUT, deadline); rc <= 0)
        return fail(rc == 0 ? "send timed out" : errno_text(errno));
    }
  }
  return true;
}

bool Stream::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool Stream::send(const std::vector<std::string>& frames, int timeout_ms) {
  if (frames.empty()) fail("cannot send a message without frames");
  if (!error_.empty()) return false;
  std::string out;
  if (queued_bytes() > 0) {  // what was queued goes first
    out.assign(out_, out_pos_);
    out_.clear();
    out_pos_ = 0;
  }
  for (std::size_t i = 0; i < frames.size(); ++i) append_frame(&out, frames[i], i + 1 < frames.size() ? kMore : 0);
  return write_all(out, deadline_after(timeout_ms));
}

void Stream::enqueue(const std::vector<std::string>& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) append_frame(&out_, frames[i], i + 1 < frames.size() ? kMore : 0);
}

bool Stream::flush() {
  if (!error_.empty()) return false;
  while (out_pos_ < out_.size()) {
    const ssize_t n = ::send(fd(), out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      out_pos_ += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else if (errno != EINTR) {
      return fail(errno_text(errno));
    }
  }
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  } else if (out_pos_ >= (1u << 20)) {  // keep the buffer from growing with what was sent
    out_.erase(0, out_pos_);
    out_pos_ = 0;
  }
  return true;
}

std::optional<std::vector<std::string>> Stream::recv(int timeout_ms, bool* timed_out) {
  if (timed_out) *timed_out = false;
  const Deadline deadline = deadline_after(timeout_ms);
  while (ready_.empty() && error_.empty()) {
    const int rc = wait_fd(fd(), POLLIN, deadline);
    if (rc == 0) {
      if (timed_out) *timed_out = true;
      return std::nullopt;
    }
    if (rc < 0)
      fail(errno_text(errno));
    else
      read_available();
  }
  return next_message();
}

bool Stream::read_available() {
  if (!error_.empty()) return false;
  if (std::string why = read_raw(kMaxReadPerCall); !why.empty()) return fail(why);
  parse();
  return error_.empty();
}

std::optional<std::vector<std::string>> Stream::next_message() {
  if (ready_.empty()) return std::nullopt;
  std::vector<std::string> m = std::move(ready_.front());
  ready_.pop_front();
  return m;
}

}  // namespace sluice::zmtp
