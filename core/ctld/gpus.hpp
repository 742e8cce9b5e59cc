// The controller's GPU rules (docs/gpu.md): what a node's NVML inventory means for it (Slurm's
// AutoDetect=nvml), the usage samples agents report per job (sluice jobstats), and the idle-GPU
// policy ([gpu_idle]).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/ctld/state.hpp"
#include "core/proto/messages.hpp"

namespace sluice {

// A node agent registered. For a gpu_detect = "nvml" node whose agent discovered its GPUs:
// - the entry lists no GPUs, or lists the same count of each type: the discovered inventory (PCI
//   bus order, with names, UUIDs, bus ids) replaces the configured one;
// - it lists others: the configured inventory stands and the node is drained with Slurm's reason
//   ("gres/gpu count reported lower than configured (1 < 2)", core/slurm/gpu_inventory.hpp);
// - a running job holds a GPU index the new inventory lacks (or of another type than it asked
//   for): nothing changes and the node is drained naming the job, so no index is handed out twice.
// An agent that could not use NVML leaves the configured inventory (logged with its reason).
void adopt_gpus(CtlState& s, Node& n, const Register& reg);

// The nodes of a new config for reconfigure: a gpu_detect node keeps the inventory its agent
// discovered under the same rule; the second of each pair is a node to drain and why.
std::vector<Node> nodes_with_discovered(const CtlState& s, const Config& cfg,
                                        std::vector<std::pair<std::string, std::string>>& drains);

// Drains `n` with `reason` as the controller (reason user: the controller's user), unless it is
// drained for that reason already; persisted like an admin's drain.
void drain_node(CtlState& s, Node& n, const std::string& reason);

// gpu_usage from a node agent: the job's samples on that node replace what the controller had
// (persisted with the job); the job's idle spell starts or ends.
void on_gpu_usage(CtlState& s, const Request& r, const Json& body);

// Once a second: running jobs whose GPUs stayed idle for [gpu_idle] after seconds get the policy's
// action: "warn" (reason GpusIdle, a line in the job's output and the controller log) or "cancel"
// (the same, then cancelled).
void check_idle_gpus(CtlState& s);

}  // namespace sluice
