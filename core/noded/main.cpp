// sluiced -f CONFIG -N NODENAME [-D] [-L LOGFILE] [-v]: the node agent.
#include <getopt.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/config/config.hpp"
#include "core/noded/agent.hpp"
#include "core/util/daemon.hpp"

int main(int argc, char** argv) {
  std::string conf = sluice::default_config_path(), logfile, node;
  bool foreground = false;
  int verbose = 0, c;
  while ((c = getopt(argc, argv, "f:N:DL:vVh")) != -1) {
    switch (c) {
      case 'f': conf = optarg; break;
      case 'N': node = optarg; break;
      case 'D': foreground = true; break;
      case 'L': logfile = optarg; break;
      case 'v': ++verbose; break;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); return 0;
      default:
        std::fprintf(stderr, "Usage: sluiced [-f CONFIG] [-N NODENAME] [-D] [-L LOGFILE] [-v]\n");
        return c == 'h' ? 0 : 1;
    }
  }
  std::vector<std::string> errors;
  auto cfg = sluice::load_config(conf, errors);
  if (!cfg) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  if (node.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    node = host;
  }
  if (!cfg->node(node)) {
    std::fprintf(stderr, "sluiced: error: node %s is not in %s\n", node.c_str(), conf.c_str());
    return 1;
  }
  if (logfile.empty()) {
    logfile = cfg->agent.log_file;
    for (auto p = logfile.find("%n"); p != std::string::npos; p = logfile.find("%n")) logfile.replace(p, 2, node);
  }
  std::string spool = cfg->agent.spool_dir;
  for (auto p = spool.find("%n"); p != std::string::npos; p = spool.find("%n")) spool.replace(p, 2, node);
  std::error_code ec;
  std::filesystem::create_directories(spool, ec);
  if (!sluice::start_daemon("sluiced", foreground, logfile, cfg->controller.log_level, verbose, spool + "/sluiced.pid"))
    return 1;
  try {
    sluice::Agent agent(cfg, node);
    sluice::daemon_ready();
    agent.run();
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    sluice::daemon_failed(std::string("sluiced: error: ") + e.what() + "\n");
    return 1;
  }
  return 0;
}
