// The sections about the daemons and how they meet: [cluster], [controller], [agent], [auth].
#include <string>

#include "core/config/sections.hpp"

namespace sluice::config_reader {

void read_cluster(Section s, Config& cfg) {
  s.read("name", cfg.cluster_name);
  s.finish();
}

void read_controller(Section s, ControllerConfig& c) {
  s.read("listen", c.listen);
  s.read("address", c.address);
  s.read("state_dir", c.state_dir);
  s.read("log_file", c.log_file);
  if (auto v = s.choice("log_level", {"trace", "debug", "info", "warn", "error"})) c.log_level = *v;
  if (auto v = s.choice("sync", {"normal", "full"})) c.sync = *v;
  const toml::node* timeout = s.read("node_timeout", c.node_timeout, 1);
  const toml::node* interval = s.read("heartbeat_interval", c.heartbeat_interval, 1);
  if (c.heartbeat_interval >= c.node_timeout) {
    if (interval) {
      s.error(*interval, "heartbeat_interval",
              "must be less than node_timeout (" + std::to_string(c.node_timeout) + ")");
    } else {
      s.error(*timeout, "node_timeout",
              "must be greater than heartbeat_interval (" + std::to_string(c.heartbeat_interval) + ")");
    }
  }
  s.read("kill_wait", c.kill_wait, 0);
  s.read("min_job_age", c.min_job_age, 0);
  s.read("time_resolution", c.time_resolution, 1);
  s.read("admins", c.admins);
  s.read("plugin_dirs", c.plugin_dirs);
  s.finish();
}

void read_agent(Section s, AgentConfig& a) {
  s.read("spool_dir", a.spool_dir);
  s.read("log_file", a.log_file);
  read_agent_gpus(s, a);
  s.finish();
}

void read_auth(Section s, AuthConfig& a) {
  if (auto v = s.choice("type", {"munge", "peercred"})) a.type = *v;
  s.read("socket", a.socket);
  s.finish();
}

}  // namespace sluice::config_reader
