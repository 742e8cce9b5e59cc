// The ZeroMQ wire protocol without libzmq: ZMTP 3.0 (RFC 23) with the NULL mechanism over tcp:// and
// ipc:// stream sockets, so the CLI can talk to libzmq sockets without loading libzmq. Plain POSIX
// sockets, no exceptions, no threads.
//
// Poll loops: messages are parsed as soon as they are read, so drain next_message() after every
// read_available() (even a false one: messages that came before an EOF are kept).
//
//   while (auto m = s.next_message()) handle(*m);
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::zmtp {

// Limits on a received message: a bigger one is rejected from its frame header, never allocated.
inline constexpr std::size_t kMaxMessageBytes = 16 << 20;
inline constexpr std::size_t kMaxFrames = 1024;

// One ZMTP connection (NULL mechanism). Move-only; closes its fd.
class Stream {
 public:
  // Client side: connects to "tcp://host:port" or "ipc://path" ("ipc://@name": abstract namespace)
  // and handshakes announcing `socket_type` ("DEALER") and, if not empty, `identity` (the routing id
  // a ROUTER sees; at most 255 bytes). One deadline covers connect and handshake; a negative
  // timeout waits forever (name resolution is not bounded by it). On failure sets *error
  // ("tcp://127.0.0.1:7000: connection refused") when error is not null.
  static std::optional<Stream> connect(const std::string& endpoint, std::string_view socket_type, int timeout_ms,
                                       std::string* error, std::string_view identity = {});
  // Server side: takes ownership of an accepted `fd` (closed on failure) and handshakes announcing
  // `socket_type` ("PULL"). Reads nothing beyond the handshake, so the fd can go straight into poll().
  static std::optional<Stream> handshake_accepted(int fd, std::string_view socket_type, int timeout_ms,
                                                  std::string* error);

  Stream(Stream&&) = default;
  Stream& operator=(Stream&&) = default;
  ~Stream() = default;

  // Sends one multipart message, blocking up to `timeout_ms`. False on error; the stream is then
  // unusable (a message may have been cut short) and error() says why.
  bool send(const std::vector<std::string>& frames, int timeout_ms = 10000);
  // Non-blocking sending, for poll loops that must never wait on a slow peer: enqueue() appends a
  // multipart message to the stream's own buffer; flush() writes what the socket takes now (false
  // on error, see error()); poll for POLLOUT while queued_bytes() > 0 (bytes not yet written).
  // send() writes what is queued first; heartbeat answers wait behind queued messages.
  void enqueue(const std::vector<std::string>& frames);
  bool flush();
  std::size_t queued_bytes() const { return out_.size() - out_pos_; }
  // Receives one whole message, waiting up to `timeout_ms` (negative: forever). nullopt on EOF,
  // error (see error()) or timeout (*timed_out set when given; the stream stays usable).
  std::optional<std::vector<std::string>> recv(int timeout_ms, bool* timed_out = nullptr);
  // Reads what the socket has (up to 1 MiB; poll() reports the rest) and parses it, answering ZMTP 3.1
  // heartbeats. Does not wait for data. False on EOF or error (see error()).
  bool read_available();
  // The next complete message read so far, in order.
  std::optional<std::vector<std::string>> next_message();

  int fd() const { return fd_.fd; }
  // Why the stream failed ("connection closed by peer", "message has more than 1024 frames"); empty
  // while healthy.
  const std::string& error() const { return error_; }

 private:
  struct Fd {  // Owns a descriptor.
    explicit Fd(int fd) : fd(fd) {}
    Fd(Fd&& o) noexcept;
    Fd& operator=(Fd&& o) noexcept;
    ~Fd();
    int fd;
  };
  struct Frame {
    unsigned char flags;
    std::string_view body;
  };

  using Deadline = std::chrono::steady_clock::time_point;  // max(): none

  explicit Stream(int fd) : fd_(fd) {}
  bool handshake(std::string_view socket_type, std::string_view identity, Deadline deadline);
  bool fill(std::size_t n, Deadline deadline);
  std::optional<Frame> read_frame(Deadline deadline);
  std::string read_raw(std::size_t limit);
  std::optional<Frame> take_frame(std::size_t limit, std::size_t* missing);
  void parse();
  bool write_all(std::string_view data, Deadline deadline);
  bool fail(std::string why);

  Fd fd_;
  std::string in_;  // bytes read; those before pos_ are parsed
  std::size_t pos_ = 0;
  std::vector<std::string> partial_;  // frames of the message being received
  std::size_t partial_bytes_ = 0;
  std::deque<std::vector<std::string>> ready_;
  std::string out_;  // enqueued bytes; those before out_pos_ are written
  std::size_t out_pos_ = 0;
  std::string error_;
};

// A non-blocking listening TCP socket on `host` (address or name) with an ephemeral port: returns the
// fd and sets *port, or returns -1 and sets *error.
int listen_tcp(const std::string& host, int* port, std::string* error);

}  // namespace sluice::zmtp
