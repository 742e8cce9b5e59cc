// Finds, loads, ABI-checks, creates and configures one plugin (Boost.DLL). Used by the controller
// and the node agent. Every refusal names the file and the reason.
#pragma once
#include <boost/dll/shared_library.hpp>
#include <memory>
#include <sluice/plugin.hpp>
#include <string>
#include <vector>

namespace sluice {

struct Config;
struct PluginConfig;

// Owns one loaded plugin, loaded from a private copy of the file at `path` (which may then be
// replaced without harm). The library is declared first so the object dies before it is unloaded.
struct LoadedPlugin {
  boost::dll::shared_library lib;
  std::unique_ptr<Plugin> object;
  std::string path;
};

// Loads `pc` (appending every problem to `errors`, positioned where the config allows).
std::unique_ptr<LoadedPlugin> load_plugin(const Config& cfg, const PluginConfig& pc, std::vector<std::string>& errors);
// $SLUICE_PLUGIN_DIR, controller.plugin_dirs, then the dirs beside the running binary.
std::vector<std::string> plugin_search_dirs(const Config& cfg);
// Whether `plugin` implements the interface of extension point `point` ("partition", ...).
bool implements(const Plugin& plugin, const std::string& point);
// The context handed to a plugin: logger "plugin.<name>", clock, config file.
Context make_context(const std::string& plugin_name, const std::string& config_file);

}  // namespace sluice
