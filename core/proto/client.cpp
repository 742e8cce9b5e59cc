#include "core/proto/client.hpp"

#include "core/config/config.hpp"
#include "core/proto/auth.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <zmq.hpp>

namespace sluice {

namespace {
const char* kUnreachable = "Unable to contact sluice controller (connect failure)";
}

bool endpoint_listening(const std::string& ep) {
  if (ep.rfind("ipc://", 0) == 0) {
    std::string path = ep.substr(6);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
    ::close(fd);
    return ok;
  }
  if (ep.rfind("tcp://", 0) != 0) return true;
  std::string hp = ep.substr(6);
  auto colon = hp.rfind(':');
  if (colon == std::string::npos) return true;
  std::string host = hp.substr(0, colon), port = hp.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) return false;
  bool ok = false;
  for (addrinfo* ai = res; ai && !ok; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 3000) == 1) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        ok = err == 0;
      }
    }
    ::close(fd);
  }
  freeaddrinfo(res);
  return ok;
}

Client::Client(const Config& cfg)
    : endpoint_(cfg.controller.address.empty() ? cfg.controller.listen : cfg.controller.address),
      auth_(make_authenticator(cfg.auth)),
      ctx_(std::make_unique<zmq::context_t>(1)),
      timeout_ms_(10000) {
  if (const char* t = std::getenv("SLUICE_TIMEOUT"); t && std::atoi(t) > 0) timeout_ms_ = std::atoi(t) * 1000;
}

Client::~Client() = default;

Json Client::call(const std::string& type, const Json& body) {
  if (!sock_) {
    if (!endpoint_listening(endpoint_)) throw RpcError(kUnreachable, true);
    sock_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::dealer);
    sock_->set(zmq::sockopt::linger, 0);
    sock_->connect(endpoint_);
  }
  std::string err;
  Message m{type, body, auth_->credential(&err)};
  if (!err.empty()) throw RpcError("authentication failed: " + err, false);
  sock_->send(zmq::buffer(encode(m)), zmq::send_flags::none);
  zmq::pollitem_t item{sock_->handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms_)) == 0) {
    sock_.reset();
    throw RpcError("Socket timed out on send/recv operation", true);
  }
  zmq::message_t reply;
  (void)sock_->recv(reply, zmq::recv_flags::none);
  Json j = Json::parse(reply.to_string_view(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw RpcError("malformed reply from controller", false);
  if (!j.value("ok", false)) throw RpcError(j.value("error", std::string("unknown error")), false);
  return j.value("body", Json::object());
}

}  // namespace sluice
