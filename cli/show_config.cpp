#include "cli/show_config.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/util/text.hpp"

namespace sluice::cli {

std::string plugin_name(const std::string& library) {
  if (library.find('/') == std::string::npos) return library;
  const std::string name = std::filesystem::path(library).stem().string();
  return starts_with(name, "lib") ? name.substr(3) : name;
}

std::vector<std::pair<std::string, std::string>> show_config_items(const Config& cfg, const std::optional<Json>& ping,
                                                                   const std::string& host) {
  const auto& c = cfg.controller;
  std::vector<std::pair<std::string, std::string>> items = {
      {"AuthType", "auth/" + cfg.auth.type},
      {"ClusterName", cfg.cluster_name},
      {"KillWait", std::to_string(c.kill_wait) + " sec"},
      {"MinJobAge", std::to_string(c.min_job_age) + " sec"},
      {"SLURM_CONF", ping && ping->contains("config") ? ping->value("config", cfg.file) : cfg.file},
      {"SLURM_VERSION", SLUICE_VERSION},
      {"SlurmctldHost[0]", host},
      {"SlurmctldLogFile", c.log_file.empty() ? "(null)" : c.log_file},
      {"SlurmdTimeout", std::to_string(c.node_timeout) + " sec"},
      {"StateSaveLocation", c.state_dir},
  };
  // `name`: the plugin's own name ("select/select_gpu") when the controller reports it.
  const auto plugin = [&](std::string point, const std::string& library, bool isolate, const std::string& name = "") {
    if (point.empty() || library.empty()) return;
    std::string value = (name.empty() ? point + "/" + plugin_name(library) : name) + (isolate ? " (isolated)" : "");
    point[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(point[0])));
    items.emplace_back(point + "Type", std::move(value));
  };
  if (ping && ping->contains("plugins") && ping->at("plugins").is_object()) {
    for (const auto& [point, p] : ping->at("plugins").items())
      if (p.is_object())
        plugin(point, p.value("library", std::string()), p.value("isolate", false), p.value("name", std::string()));
  } else {
    for (const auto& [point, pc] : cfg.plugins)
      if (point == "partition" || point == "select" || point == "launch") plugin(point, pc.library, pc.isolate);
  }
  std::ranges::sort(items);
  return items;
}

}  // namespace sluice::cli
