// How every command talks to the controller: the config, one connection, a request built from its
// schema (core/proto/messages.hpp) where one exists, bounded waits, and failures reported as Slurm
// reports them.
//
//   auto rpc = Rpc::open("squeue");                    // nullptr: the config's errors are printed
//   if (!rpc) return kExitError;
//   auto reply = rpc->call_or_perror("jobs", body, "slurm_load_jobs error");
//   if (!reply) return kExitError;                      // "slurm_load_jobs error: <why>" printed
//
// A reply is the controller's body (a JSON object). Every wait is bounded by SLUICE_TIMEOUT
// seconds (default 10); a controller that cannot be reached gives "Unable to contact sluice
// controller (connect failure)", a lost reply "Socket timed out on send/recv operation".
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/config/config.hpp"
#include "core/proto/client.hpp"
#include "core/proto/messages.hpp"

namespace sluice::cli {

// Slurm's commands exit 1 on any error they report.
inline constexpr int kExitError = 1;

class Rpc {
 public:
  // Loads the config the CLI uses ($SLUICE_CONF, else /etc/sluice/sluice.toml): only what a client
  // needs, so a mistake elsewhere in the file (a partition, a node) does not stop the commands.
  // On failure prints "<prog>: error: ..." lines and returns nullptr. Connects on the first call.
  static std::unique_ptr<Rpc> open(const char* prog);
  Rpc(std::shared_ptr<const Config> cfg, const char* prog);

  // Sends request `type` with `body` and returns the reply body. Throws RpcError (what(): the
  // controller's message, or why it could not be reached; `unreachable` set for the latter).
  Json call(std::string_view type, const Json& body = Json::object());
  template <class M>
  requires requires { M::kType; }
  Json call(const M& m) { return call(M::kType, to_body(m)); }

  // The same; a failure is printed "<prog>: error: <context><message>" (Slurm's error()) and
  // gives nullopt. `context` is e.g. "Batch job submission failed: ".
  std::optional<Json> call_or_error(std::string_view type, const Json& body, std::string_view context = "");
  template <class M>
  requires requires { M::kType; }
  std::optional<Json> send(const M& m, std::string_view context = "") {
    return call_or_error(M::kType, to_body(m), context);
  }

  // The same, printed "<what>: <message>" (Slurm's slurm_perror(), as squeue, sinfo and scontrol
  // show print "slurm_load_jobs error: ...").
  std::optional<Json> call_or_perror(std::string_view type, const Json& body, std::string_view what);

  const Config& config() const { return *cfg_; }
  const std::string& endpoint() const { return client_.endpoint(); }
  const char* prog() const { return prog_; }

 private:
  std::shared_ptr<const Config> cfg_;
  const char* prog_;
  Client client_;
};

}  // namespace sluice::cli
