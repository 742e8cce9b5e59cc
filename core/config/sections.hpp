// Internal to core/config (other code includes config.hpp): the readers of each section of the
// file, filling the Config that config.hpp describes. Each reports every problem it finds to the
// Section's diagnostics and leaves a value it cannot take at its default.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/reader.hpp"

namespace sluice::config_reader {

// [cluster], [controller], [agent], [auth] (daemons.cpp).
void read_cluster(Section s, Config& cfg);
void read_controller(Section s, ControllerConfig& c);
void read_agent(Section s, AgentConfig& a);
void read_auth(Section s, AuthConfig& a);

// [[nodes]], expanded one Node per name; the names of nodes with gpu_detect = "nvml" go to
// `detect` (nodes.cpp).
void read_nodes(Section& root, std::vector<Node>& nodes, std::set<std::string>& detect);

// The GPU keys of [agent] (nvml_library, gpu_sample_interval, gpu_types) and [gpu_idle] (gpus.cpp).
void read_agent_gpus(Section& s, AgentConfig& a);
void read_gpu_idle(Section s, GpuIdleConfig& g);

// [[partitions]], after the nodes they name: records each partition in its nodes' `partitions`
// (partitions.cpp).
void read_partitions(Section& root, Config& cfg);

// [plugins] (absent: nullopt), one PluginConfig per extension point that has a library; option
// tables stay in cfg.doc (plugins.cpp).
void read_plugins(std::optional<Section> s, Config& cfg);

}  // namespace sluice::config_reader
