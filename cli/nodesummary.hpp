// nodesummary: the cluster at a glance, the first command a student runs. One line per node
// (state, CPUs, memory and GPUs held by jobs out of the node's total, GPUs by type), then one line
// per partition and one for the whole cluster, and the free GPUs of each type. Bar meters and
// colour on a terminal; plain text when piped, with --no-color or NO_COLOR; --json for scripts.
// Everything fits 80 columns unless a node name is very long.
#pragma once
#include <cstdint>
#include <sluice/model.hpp>
#include <string>
#include <vector>

#include "cli/gpus.hpp"
#include "core/proto/wire.hpp"

namespace sluice::cli {

// Used and total of one resource (CPUs; memory in MB; GPUs).
struct Usage {
  std::uint64_t used = 0, total = 0;
};

struct GpuTypeSummary {
  std::string type;        // "" for GPUs configured without a type
  Usage gpus;              // held by jobs / configured
  std::uint64_t free = 0;  // not held, on nodes that take jobs
};

// One node, or a sum of nodes (a partition, the cluster).
struct SummaryRow {
  std::string name;                     // node, partition ("batch*" for the default) or "cluster"
  std::string state;                    // sinfo's compact state ("idle", "mix", "drain", "down*"); "" for sums
  std::uint32_t nodes = 1;              // nodes summed
  std::uint32_t usable = 1;             // of those, nodes that take jobs (not down, not drained)
  Usage cpus, mem_mb, gpus;             // held by jobs / configured
  std::vector<GpuTypeSummary> by_type;  // in first-seen order
};

struct Summary {
  std::vector<SummaryRow> nodes;       // sorted as hostlists sort (n2 before n10)
  std::vector<SummaryRow> partitions;  // in config order
  SummaryRow cluster;
};

// What to show: partitions and nodes (empty: all).
struct SummaryFilter {
  std::vector<std::string> partitions;
  std::vector<std::string> nodes;  // expanded names
};

// The summary of the nodes `filter` keeps. Partition rows sum the kept nodes of each partition
// (every partition when no -p, the named ones otherwise); the cluster row sums every kept node once.
Summary summarize(const std::vector<Node>& nodes, const std::vector<Partition>& parts, const SummaryFilter& filter);

struct Style {
  bool color = false;  // ANSI colours (a terminal, unless --no-color or NO_COLOR)
};

// "[####......]": `width` cells in all, brackets included; used/total rounded up so that any use
// shows (1 of 64 CPUs is one '#'); no total: blank cells. Coloured by load when style.color:
// green under 50%, yellow under 90%, red from there.
std::string meter(const Usage& u, int width, const Style& style);

// Memory as a person reads it: "512M", "16G", "1.5T" (MB in).
std::string human_mem(std::uint64_t mb);

// The text report: the nodes' table, the partitions' and the cluster's totals, the GPU types.
std::string render_summary(const Summary& s, const Style& style);

// The same as JSON: {"nodes": [...], "partitions": [...], "cluster": {...}}, each row with
// name, state, nodes, cpus/memory_mb/gpus {used, total} and gpu_types [{type, used, total}].
Json summary_json(const Summary& s);

}  // namespace sluice::cli
