// Descriptors, deadlines and connecting for ZMTP streams: tcp:// (resolved, any family) and ipc://
// (a path, or "@name" in the abstract namespace); the listening socket srun uses.
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

namespace detail {

void set_nodelay(int fd) {  // a no-op on AF_UNIX
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::nullopt_t report(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

Deadline deadline_after(int timeout_ms) {
  return timeout_ms < 0 ? Deadline::max() : Clock::now() + std::chrono::milliseconds(timeout_ms);
}

// poll() for one fd until the deadline: >0 ready, 0 timed out, <0 error (errno set).
int wait_fd(int fd, short events, Deadline deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    int ms = -1;
    if (deadline != Deadline::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      ms = static_cast<int>(std::clamp<decltype(left)>(left, 0, INT_MAX));
    }
    const int rc = ::poll(&p, 1, ms);
    if (rc >= 0 || errno != EINTR) return rc;
  }
}

namespace {

int dial_addr(const sockaddr* sa, socklen_t len, Deadline deadline, std::string* why) {
  const int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = errno_text(errno);
    return -1;
  }
  int err = ::connect(fd, sa, len) == 0 ? 0 : errno;
  if (err == EINPROGRESS || err == EINTR) {
    const int rc = wait_fd(fd, POLLOUT, deadline);
    socklen_t err_len = sizeof err;
    if (rc == 0)
      err = ETIMEDOUT;
    else if (rc < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
      err = errno;
  }
  if (err == 0) {
    set_nodelay(fd);
    return fd;
  }
  ::close(fd);
  *why = errno_text(err);
  return -1;
}

}  // namespace

int dial(const std::string& endpoint, Deadline deadline, std::string* why) {
  if (endpoint.starts_with("ipc://")) {
    const std::string path = endpoint.substr(6);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) {
      *why = "bad ipc path";
      return -1;
    }
    path.copy(sa.sun_path, path.size());
    const bool abstract = path[0] == '@';
    if (abstract) sa.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
    return dial_addr(reinterpret_cast<const sockaddr*>(&sa), len, deadline, why);
  }
  const std::string host_port = endpoint.starts_with("tcp://") ? endpoint.substr(6) : "";
  const std::size_t colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : host_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port_number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || port_number <= 0 ||
      port_number > 65535) {
    *why = "bad endpoint (expected tcp://host:port or ipc://path)";
    return -1;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    *why = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (const addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next)
    fd = dial_addr(ai->ai_addr, ai->ai_addrlen, deadline, why);
  ::freeaddrinfo(res);
  return fd;
}

}  // namespace detail

using namespace detail;

int listen_tcp(const std::string& host, int* port, std::string* error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), "0", &hints, &res); rc != 0) {
    report(error, "cannot resolve " + host + ": " + ::gai_strerror(rc));
    return -1;
  }
  std::string why;
  int fd = -1;
  for (const addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) break;
    why = errno_text(errno);
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (fd >= 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    *port = ntohs(sa.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
    return fd;
  }
  if (fd >= 0) {
    why = errno_text(errno);
    ::close(fd);
  }
  report(error, host + ": " + why);
  return -1;
}

}  // namespace sluice::zmtp
