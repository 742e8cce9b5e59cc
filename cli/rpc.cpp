#include "cli/rpc.hpp"

#include <cstdio>

#include "cli/commands.hpp"

namespace sluice::cli {

std::unique_ptr<Rpc> Rpc::open(const char* prog) {
  std::vector<std::string> errors;
  auto cfg = load_client_config(default_config_path(), errors);
  if (!cfg) {
    for (const auto& e : errors) error(prog, e);
    return nullptr;
  }
  return std::make_unique<Rpc>(std::move(cfg), prog);
}

Rpc::Rpc(std::shared_ptr<const Config> cfg, const char* prog) : cfg_(std::move(cfg)), prog_(prog), client_(*cfg_) {}

Json Rpc::call(std::string_view type, const Json& body) { return client_.call(std::string(type), body); }

std::optional<Json> Rpc::call_or_error(std::string_view type, const Json& body, std::string_view context) {
  try {
    return call(type, body);
  } catch (const RpcError& e) {
    error(prog_, std::string(context) + e.what());
    return std::nullopt;
  }
}

std::optional<Json> Rpc::call_or_perror(std::string_view type, const Json& body, std::string_view what) {
  try {
    return call(type, body);
  } catch (const RpcError& e) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(), e.what());
    return std::nullopt;
  }
}

}  // namespace sluice::cli
