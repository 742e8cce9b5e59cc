// Isolation: a plugin configured with `isolate = true` runs in a child process
// (sluice-plugin-host) that the core talks to over ZeroMQ ipc. The proxies below implement the
// SDK interfaces, so the core calls them exactly like in-process plugins. A host that crashes or
// misses its per-call deadline is killed and restarted with exponential backoff; meanwhile every
// call answers Status::error, which the core turns into a safe fallback (reason PluginError).
#pragma once
#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sluice/partition.hpp>
#include <sluice/select.hpp>
#include <string>
#include <vector>

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace sluice {

struct Config;
struct PluginConfig;

class PluginHost {
 public:
  PluginHost(const Config& cfg, const PluginConfig& pc);
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Starts the host and waits for it to load and configure the plugin. False with the host's
  // errors (positioned like in-process ones) appended to `errors`.
  bool start(std::vector<std::string>& errors);
  // One decision: nullopt (and *error) when the host is down, crashed or too slow. The cluster is
  // sent along when the host has not seen this generation of it (always after a restart).
  std::optional<nlohmann::json> call(nlohmann::json request, const ClusterView& cluster, std::string* error);
  const std::string& plugin_name() const { return name_; }
  int restarts() const { return restarts_; }
  // Whether the last call reached a running host (false: it was refused while the host restarts).
  // A failure of a call that ran is the fault of what it was asked; one that did not run is not.
  bool last_call_ran() const { return last_call_ran_; }

 private:
  void stop();
  bool alive();

  std::string config_file_, point_, socket_base_, socket_path_, endpoint_, name_;
  int deadline_ms_;
  pid_t pid_ = -1;
  std::unique_ptr<zmq::context_t> ctx_;
  std::unique_ptr<zmq::socket_t> sock_;
  std::uint64_t seq_ = 0;
  std::uint64_t sent_generation_ = 0;
  double backoff_s_ = 0.1;
  double next_start_ = 0;  // steady clock seconds
  int restarts_ = 0;
  bool last_call_ran_ = false;
  friend class IsolatedPartition;
  friend class IsolatedSelect;
};

class IsolatedPartition final : public PartitionPolicy {
 public:
  explicit IsolatedPartition(std::unique_ptr<PluginHost> host) : host_(std::move(host)) {}
  std::string_view name() const override { return host_->plugin_name(); }
  bool configure(const Context&, const toml::table&, const std::string&, std::vector<ConfigError>&) override {
    return true;  // configured inside the host
  }
  Status admit(const JobView& job, const ClusterView& cluster, Admission& out) override;
  Status gate(const JobView& job, const ClusterView& cluster) override;

 private:
  std::unique_ptr<PluginHost> host_;
};

class IsolatedSelect final : public SelectPolicy {
 public:
  explicit IsolatedSelect(std::unique_ptr<PluginHost> host) : host_(std::move(host)) {}
  std::string_view name() const override { return host_->plugin_name(); }
  bool configure(const Context&, const toml::table&, const std::string&, std::vector<ConfigError>&) override {
    return true;
  }
  Status feasible(const JobView& job, const ClusterView& cluster) override;
  Status select(const JobView& job, const ClusterView& cluster, std::vector<NodeAlloc>& out) override;

 private:
  std::unique_ptr<PluginHost> host_;
};

// The proxy for an isolated plugin of extension point `point` (one whose registry entry is
// isolatable: partition, select), talking to `host`.
std::unique_ptr<Plugin> make_isolated(const std::string& point, std::unique_ptr<PluginHost> host);

// The host side: serves one loaded plugin on `endpoint` until stdin closes or SIGTERM.
int serve_plugin(Plugin& plugin, const std::string& endpoint);

}  // namespace sluice
