// Internal to core/zmtp: the protocol's pieces (codec.cpp) and the socket plumbing (net.cpp) that
// Stream (stream.cpp) is built from. Other code includes core/zmtp/zmtp.hpp only.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::zmtp::detail {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

constexpr std::size_t kGreetingBytes = 64;
constexpr std::size_t kReadChunk = 64 << 10;
constexpr std::size_t kMaxReadPerCall = 1 << 20;  // poll() wakes us again for the rest
constexpr unsigned char kMore = 0x01, kLong = 0x02, kCommand = 0x04;
constexpr std::string_view kNullMechanism("NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);

// ---- codec.cpp: greeting, frames, commands (RFC 23) ----
std::uint64_t get_be(std::string_view bytes, std::size_t n);
void put_be(std::string* out, std::uint64_t v, int n);
void append_frame(std::string* out, std::string_view body, unsigned char flags);
std::string command(std::string_view name, std::string_view data);
std::string property(std::string_view name, std::string_view value);
bool split_command(std::string_view body, std::string_view* name, std::string_view* data);
std::string greeting();
// What is wrong with as much of the peer's greeting as has arrived ("" when nothing).
std::string greeting_error(std::string_view g);
// What is wrong with the properties of the peer's READY command, for our socket type.
std::string ready_error(std::string_view props, std::string_view own_type);
// Whether `type` is a socket type of RFC 23.
bool known_socket_type(std::string_view type);

// ---- net.cpp: descriptors, deadlines, connecting ----
std::string errno_text(int err);
std::nullopt_t report(std::string* error, std::string why);
Deadline deadline_after(int timeout_ms);
// poll() for one fd until the deadline: >0 ready, 0 timed out, <0 error (errno set).
int wait_fd(int fd, short events, Deadline deadline);
// Sets TCP_NODELAY (a no-op on AF_UNIX).
void set_nodelay(int fd);
// A connected non-blocking stream socket to "tcp://host:port" or "ipc://path"; -1 and *why.
int dial(const std::string& endpoint, Deadline deadline, std::string* why);

}  // namespace sluice::zmtp::detail
