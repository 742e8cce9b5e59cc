// Request/reply to the controller from the CLI: one ZMTP connection (core/proto/zmtp), bounded
// waits, no hangs, and no libzmq (so commands start fast).
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

#include "core/proto/wire.hpp"

namespace sluice {

struct Config;
class Authenticator;
namespace zmtp {
class Stream;
}

// A failed call. `unreachable` is set when the controller could not be contacted at all.
struct RpcError : std::runtime_error {
  RpcError(const std::string& what, bool unreachable) : std::runtime_error(what), unreachable(unreachable) {}
  bool unreachable;
};

class Client {
 public:
  explicit Client(const Config& cfg);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `type` with `body`; returns the reply body. Throws RpcError on an error reply (what() is
  // the controller's message), an unreachable controller or a timeout (SLUICE_TIMEOUT seconds,
  // default 10).
  Json call(const std::string& type, const Json& body = Json::object());

  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string endpoint_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<zmtp::Stream> stream_;
  int timeout_ms_;
};

}  // namespace sluice
