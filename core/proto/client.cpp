#include "core/proto/client.hpp"

#include <cstdlib>

#include "core/config/config.hpp"
#include "core/proto/auth.hpp"
#include "core/zmtp/zmtp.hpp"

namespace sluice {

namespace {
const char* kUnreachable = "Unable to contact sluice controller (connect failure)";
}

Client::Client(const Config& cfg)
    : endpoint_(cfg.controller.address.empty() ? cfg.controller.listen : cfg.controller.address),
      auth_(make_authenticator(cfg.auth)),
      timeout_ms_(10000) {
  if (const char* t = std::getenv("SLUICE_TIMEOUT"); t && std::atoi(t) > 0) timeout_ms_ = std::atoi(t) * 1000;
}

Client::~Client() = default;

Json Client::call(const std::string& type, const Json& body) {
  if (!stream_) {
    std::string err;
    auto s = zmtp::Stream::connect(endpoint_, "DEALER", std::min(timeout_ms_, 5000), &err);
    if (!s) throw RpcError(kUnreachable, true);
    stream_ = std::make_unique<zmtp::Stream>(std::move(*s));
  }
  std::string err;
  Message m{type, body, auth_->credential(&err)};
  if (!err.empty()) throw RpcError("authentication failed: " + err, false);
  if (!stream_->send({encode(m)}, timeout_ms_)) {
    stream_.reset();
    throw RpcError(kUnreachable, true);
  }
  bool timed_out = false;
  auto reply = stream_->recv(timeout_ms_, &timed_out);
  if (!reply || reply->empty()) {
    stream_.reset();
    throw RpcError(timed_out ? "Socket timed out on send/recv operation" : kUnreachable, true);
  }
  Json j = Json::parse(reply->back(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw RpcError("malformed reply from controller", false);
  if (!j.value("ok", false)) throw RpcError(j.value("error", std::string("unknown error")), false);
  return j.value("body", Json::object());
}

}  // namespace sluice
