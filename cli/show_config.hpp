// The settings `scontrol show config` prints, in Slurm's "Name = value" form.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/config.hpp"
#include "core/proto/wire.hpp"

namespace sluice::cli {

// "select_gpu" -> "select_gpu"; a path "/opt/sluice/libmy_select.so" -> "my_select".
std::string plugin_name(const std::string& library);

// The items of `show config`, sorted by name as Slurm prints them: settings from the config the
// CLI read, and one "<Point>Type = <point>/<name>" line per extension point that something loads
// (none for a point nothing loads). `ping` is the controller's ping reply (nullopt when it is
// down); its "plugins" ({"<point>": {"library": ..., "isolate": ...}}, the points the controller and
// its node agents load) and "config" (the file it runs from) win over the CLI's config. Without
// them, the config's libraries of the points the daemons load: partition and select in the
// controller, launch in the node agents. `host` is the controller's host name.
std::vector<std::pair<std::string, std::string>> show_config_items(const Config& cfg, const std::optional<Json>& ping,
                                                                   const std::string& host);

}  // namespace sluice::cli
