// The site configuration (TOML). Parsed whole into an immutable Config; every problem is reported
// at once as "file:line:col: dotted.path: why".
//
// A file may name others with a top-level `include = "path"` (or an array of paths; relative to
// the including file). They are read first, in order; a later one and the including file
// override them key by key: a key set by the including file replaces the included value, tables
// present in both are merged, anything else (arrays of tables included) is taken whole. Errors
// name the file that holds the offending value. `sluice local up` uses this to run a cluster from
// the admin's file with its own ports and paths.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <sluice/model.hpp>
#include <string>
#include <vector>

#include "core/plugin/points.hpp"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace sluice {

struct ControllerConfig {
  std::string listen = "tcp://127.0.0.1:6817";  // what sluicectld binds (CLI and node agents)
  std::string address;                          // what clients connect to; defaults to `listen`
  std::string state_dir = "/var/lib/sluice";
  std::string log_file;  // empty: stderr
  std::string log_level = "info";
  // When a commit reaches the disk. "normal": before any reply, the commit is in the OS (safe
  // against a controller crash or kill -9; the last commits can be lost in a power failure).
  // "full": also fsync'd before the reply (safe against power loss; one fsync per loop iteration).
  std::string sync = "normal";
  Time node_timeout = 30;       // seconds without a heartbeat before a node is DOWN
  Time heartbeat_interval = 5;  // seconds between node agent heartbeats
  Time kill_wait = 30;          // seconds between SIGTERM and SIGKILL
  Time min_job_age = 300;       // seconds a finished job stays in memory (then sacct only)
  // Job time limits (-t, --time-min, scontrol update TimeLimit=) are rounded up to a multiple of
  // this many seconds. 60: Slurm's whole minutes; 1 keeps seconds (test clusters with short limits).
  Time time_resolution = 60;
  std::vector<std::string> admins = {"root"};  // users (names) allowed to act on every job
  std::vector<std::string> plugin_dirs;        // searched in order; the build's dir is appended
};

struct AgentConfig {
  std::string spool_dir = "/var/spool/sluiced";  // "%n" expands to the node name
  std::string log_file;                          // "%n" expands to the node name
  // GPUs through NVML (docs/gpu.md): the library sluiced loads with dlopen (a name the dynamic
  // loader searches for, or a path), the seconds between two samples of each allocated GPU, and
  // device names mapped to GPU types ("NVIDIA A40" -> "a40"; names not listed take the default rule).
  std::string nvml_library = "libnvidia-ml.so.1";
  Time gpu_sample_interval = 30;
  std::map<std::string, std::string> gpu_types;
};

// [gpu_idle]: what the controller does about a running job whose GPUs all stayed below
// `threshold` % utilisation for `after` seconds, as sampled through NVML (docs/gpu.md).
struct GpuIdleConfig {
  std::string action = "off";   // "off" | "warn" (job output + controller log) | "cancel"
  std::uint32_t threshold = 5;  // % utilisation; a GPU below it is idle
  Time after = 1800;            // seconds
};

struct AuthConfig {
  std::string type = "munge";  // "munge" | "peercred" (ipc-only, single machine)
  std::string socket;          // munged socket; empty: libmunge's default
};

struct PluginConfig {
  std::string point;                           // "partition", "select", ...
  std::string library;                         // "select_gpu" (-> lib<name>.so in plugin_dirs) or a path
  bool isolate = false;                        // run in a child process (sluice-plugin-host)
  int deadline_ms = 2000;                      // isolated: longest wait for one decision before the host is restarted
  std::shared_ptr<const toml::table> options;  // never null (empty table when absent)
  std::string options_path;                    // "plugins.select.options"
  std::string file;                            // the file that sets [plugins.<point>] (or Config::file)
};

struct Config {
  std::string file;
  std::string cluster_name = "sluice";
  ControllerConfig controller;
  AgentConfig agent;
  AuthConfig auth;
  GpuIdleConfig gpu_idle;
  std::vector<Node> nodes;                      // expanded, in config order; live fields zero
  std::vector<Partition> partitions;            // nodes expanded
  std::map<std::string, PluginConfig> plugins;  // by point
  std::shared_ptr<const toml::table> doc;       // the parsed document (owns option tables)
  std::set<std::string> gpu_detect;             // nodes whose GPUs come from NVML (gpu_detect = "nvml")

  const Node* node(const std::string& name) const;
  bool detects_gpus(const std::string& node) const { return gpu_detect.contains(node); }
};

// Known extension points (core/plugin/points.hpp) and the library each uses when
// [plugins.<point>] is absent ("": the point is optional and unused unless configured).
inline const std::map<std::string, std::string>& default_plugins() {
  static const std::map<std::string, std::string> k = [] {
    std::map<std::string, std::string> out;
    for (const auto& p : kExtensionPoints) out.emplace(p.name, p.default_library);
    return out;
  }();
  return k;
}

// Loads and validates `path`. On failure returns nullptr and fills `errors` with every problem as
// "file:line:col: path: why" (line/col of the offending value; of the table when a key is missing).
std::shared_ptr<const Config> load_config(const std::string& path, std::vector<std::string>& errors);
// Same, from text (for tests); `name` is used as the file name in messages.
std::shared_ptr<const Config> parse_config(const std::string& text, const std::string& name,
                                           std::vector<std::string>& errors);

// What a client (the CLI) needs, read leniently so that a mistake elsewhere in the file does not
// stop every user's commands: the controller's endpoint (controller.listen, controller.address)
// and authentication (auth.type, auth.socket) are checked as load_config does, and an error there
// fails the load. Everything else the client may show (cluster.name, the rest of [controller],
// [plugins]) is taken where valid and otherwise left at its default; nodes and partitions are not
// read at all, and a TOML syntax error outside [cluster], [controller] and [auth], or an include
// that cannot be read, is ignored. The daemons use load_config.
std::shared_ptr<const Config> load_client_config(const std::string& path, std::vector<std::string>& errors);
std::shared_ptr<const Config> parse_client_config(const std::string& text, const std::string& name,
                                                  std::vector<std::string>& errors);

// Where the CLI and tools find the config: $SLUICE_CONF, else /etc/sluice/sluice.toml.
std::string default_config_path();

}  // namespace sluice
