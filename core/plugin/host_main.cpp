// sluice-plugin-host -f CONFIG -p POINT -e ENDPOINT: runs one plugin of CONFIG in its own process
// and serves its decisions on ENDPOINT (started by sluicectld for `isolate = true`).
#include <getopt.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include <cstdio>

#include "core/config/config.hpp"
#include "core/plugin/isolated.hpp"
#include "core/plugin/loader.hpp"
#include "core/util/daemon.hpp"

int main(int argc, char** argv) {
  std::string conf, point, endpoint, level = "info";
  int c;
  while ((c = getopt(argc, argv, "f:p:e:l:")) != -1) {
    switch (c) {
      case 'f': conf = optarg; break;
      case 'p': point = optarg; break;
      case 'e': endpoint = optarg; break;
      case 'l': level = optarg; break;
      default: std::printf("usage: sluice-plugin-host -f CONFIG -p POINT -e ENDPOINT [-l LEVEL]\n"); return 1;
    }
  }
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  // stdout is the start-up pipe (errors, then NAME/READY) that the controller stops reading;
  // logs go to stderr, which the controller's log file receives.
  signal(SIGPIPE, SIG_IGN);
  spdlog::set_default_logger(spdlog::stderr_logger_mt("sluice-plugin-host"));
  sluice::set_log_style(level, 0);
  std::vector<std::string> errors;
  auto cfg = sluice::load_config(conf, errors);
  const sluice::PluginConfig* pc = nullptr;
  if (cfg) {
    auto it = cfg->plugins.find(point);
    if (it == cfg->plugins.end())
      errors.push_back("plugins." + point + ": not configured");
    else
      pc = &it->second;
  }
  std::unique_ptr<sluice::LoadedPlugin> plugin;
  if (pc) plugin = sluice::load_plugin(*cfg, *pc, errors);
  if (!plugin) {
    for (const auto& e : errors) std::printf("%s\n", e.c_str());
    return 2;
  }
  try {
    return sluice::serve_plugin(*plugin->object, endpoint);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-plugin-host: %s\n", e.what());
    return 1;
  }
}
