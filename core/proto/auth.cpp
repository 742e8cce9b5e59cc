#include "core/proto/auth.hpp"

#include <munge.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/config/config.hpp"

namespace sluice {
namespace {

class MungeAuth final : public Authenticator {
 public:
  explicit MungeAuth(std::string socket) : ctx_(munge_ctx_create()) {
    if (ctx_ && !socket.empty()) munge_ctx_set(ctx_, MUNGE_OPT_SOCKET, socket.c_str());
  }
  ~MungeAuth() override {
    if (ctx_) munge_ctx_destroy(ctx_);
  }
  MungeAuth(const MungeAuth&) = delete;
  MungeAuth& operator=(const MungeAuth&) = delete;

  std::string credential(std::string* error) override {
    char* cred = nullptr;
    munge_err_t e = munge_encode(&cred, ctx_, nullptr, 0);
    if (e != EMUNGE_SUCCESS) {
      if (error) *error = std::string("munge: ") + munge_ctx_strerror(ctx_);
      std::free(cred);
      return {};
    }
    std::string out(cred);
    std::free(cred);
    return out;
  }

  std::optional<Identity> verify(const std::string& cred, const std::string&, std::string* error) override {
    if (cred.empty()) {
      if (error) *error = "missing credential";
      return std::nullopt;
    }
    uid_t uid = 0;
    gid_t gid = 0;
    munge_err_t e = munge_decode(cred.c_str(), ctx_, nullptr, nullptr, &uid, &gid);
    if (e != EMUNGE_SUCCESS) {
      if (error) *error = std::string("munge: ") + munge_ctx_strerror(ctx_);
      return std::nullopt;
    }
    return Identity{uid, gid};
  }

 private:
  munge_ctx_t ctx_;
};

// libzmq exposes SO_PEERCRED of an ipc:// peer as the "Peer-Address" property: "localhost:UID:GID:PID"
// (older builds: just the uid). Over tcp there is no such property, so tcp peers are refused.
class PeerCredAuth final : public Authenticator {
 public:
  std::string credential(std::string*) override { return {}; }
  std::optional<Identity> verify(const std::string&, const std::string& peer, std::string* error) override {
    const char* addr = peer.c_str();
    if (std::strncmp(addr, "localhost:", 10) != 0) {
      if (error) *error = "peer credentials unavailable (peercred auth needs an ipc:// endpoint)";
      return std::nullopt;
    }
    unsigned uid = 0, gid = 0, pid = 0;
    if (std::sscanf(addr + 10, "%u:%u:%u", &uid, &gid, &pid) < 2) {
      if (error) *error = std::string("unparseable peer address ") + addr;
      return std::nullopt;
    }
    return Identity{uid, gid};
  }
};

}  // namespace

std::unique_ptr<Authenticator> make_authenticator(const AuthConfig& cfg) {
  if (cfg.type == "peercred") return std::make_unique<PeerCredAuth>();
  return std::make_unique<MungeAuth>(cfg.socket);
}

}  // namespace sluice
