// sluicectld -f CONFIG [-D] [-L LOGFILE] [-v]: the controller.
#include <getopt.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>

#include "core/config/config.hpp"
#include "core/ctld/controller.hpp"
#include "core/ctld/plugins.hpp"
#include "core/util/daemon.hpp"

int main(int argc, char** argv) {
  std::string conf = sluice::default_config_path(), logfile;
  bool foreground = false;
  int verbose = 0, c;
  while ((c = getopt(argc, argv, "f:DL:vVh")) != -1) {
    switch (c) {
      case 'f': conf = optarg; break;
      case 'D': foreground = true; break;
      case 'L': logfile = optarg; break;
      case 'v': ++verbose; break;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); return 0;
      default: std::fprintf(stderr, "Usage: sluicectld [-f CONFIG] [-D] [-L LOGFILE] [-v]\n"); return c == 'h' ? 0 : 1;
    }
  }
  std::vector<std::string> errors;
  auto cfg = sluice::load_config(conf, errors);
  if (!cfg) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  if (logfile.empty()) logfile = cfg->controller.log_file;
  std::error_code ec;
  std::filesystem::create_directories(cfg->controller.state_dir, ec);
  if (!sluice::start_daemon("sluicectld", foreground, logfile, cfg->controller.log_level, verbose,
                            cfg->controller.state_dir + "/sluicectld.pid"))
    return 1;
  // Plugins load in the daemon itself (isolated ones are its children); errors still reach the
  // terminal of whoever started it.
  auto plugins = sluice::PluginSet::load(*cfg, errors);
  if (!plugins) {
    std::string text;
    for (const auto& e : errors) text += "sluicectld: error: " + e + "\n";
    spdlog::error("{}", text);
    sluice::daemon_failed(text);
    return 1;
  }
  try {
    sluice::Controller ctl(cfg, std::move(plugins));
    sluice::daemon_ready();
    ctl.run();
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    sluice::daemon_failed(std::string("sluicectld: error: ") + e.what() + "\n");
    return 1;
  }
  return 0;
}
