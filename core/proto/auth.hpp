// Who sent a message. Identity is never taken from the message body: it comes from a MUNGE
// credential (any transport) or, in "peercred" mode, from the kernel's credentials of the peer of
// an ipc:// socket.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sluice {

struct AuthConfig;

struct Identity {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Client side: a fresh credential for the next message ("" when the transport carries identity).
  virtual std::string credential(std::string* error) = 0;
  // Server side: the sender of a message with credential `cred` that arrived from `peer_address`
  // (libzmq's "Peer-Address" property of the message: "localhost:UID:GID:PID" over ipc://).
  virtual std::optional<Identity> verify(const std::string& cred, const std::string& peer_address,
                                         std::string* error) = 0;
};

std::unique_ptr<Authenticator> make_authenticator(const AuthConfig& cfg);

}  // namespace sluice
