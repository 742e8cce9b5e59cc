#include <cstdio>

#include "cli/commands.hpp"

namespace sluice::cli {

void error(const char* prog, const std::string& msg) { std::fprintf(stderr, "%s: error: %s\n", prog, msg.c_str()); }

std::shared_ptr<const Config> load_cli_config(const char* prog) {
  std::vector<std::string> errors;
  auto cfg = load_client_config(default_config_path(), errors);
  if (!cfg)
    for (const auto& e : errors) error(prog, e);
  return cfg;
}

std::optional<Json> call(Client& c, const char* prog, const std::string& type, const Json& body,
                         const std::string& context) {
  try {
    return c.call(type, body);
  } catch (const RpcError& e) {
    error(prog, context + e.what());
    return std::nullopt;
  }
}

}  // namespace sluice::cli
