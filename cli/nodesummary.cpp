#include "cli/nodesummary.hpp"

#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "cli/commands.hpp"
#include "cli/describe.hpp"
#include "cli/format.hpp"
#include "cli/rpc.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {
namespace {

// ANSI SGR sequences.
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kMagenta = "\x1b[35m";

// Column widths (characters): meters include their brackets.
constexpr int kStateWidth = 6, kCpuMeter = 8, kCpuCount = 7, kMemMeter = 8, kMemCount = 11, kGpuMeter = 6,
              kGpuCount = 5;

std::string paint(const std::string& s, const char* sgr, const Style& style) {
  return style.color && sgr && !s.empty() ? sgr + s + kReset : s;
}

// A padded cell, painted after padding so that escape codes do not count toward the width.
std::string cell(const std::string& s, int width, bool right, const char* sgr, const Style& style) {
  return paint(pad(s, width, right, false), sgr, style);
}

const char* state_color(const std::string& state) {
  if (state.starts_with("idle")) return kGreen;
  if (state.starts_with("mix")) return kYellow;
  if (state.starts_with("alloc")) return kRed;
  return kMagenta;  // down, drained, draining, not responding
}

std::string fraction(const Usage& u) { return std::to_string(u.used) + "/" + std::to_string(u.total); }

void add_usage(Usage& to, const Usage& u) { to.used += u.used, to.total += u.total; }

void add_row(SummaryRow& to, const SummaryRow& n) {
  to.nodes += n.nodes, to.usable += n.usable;
  add_usage(to.cpus, n.cpus), add_usage(to.mem_mb, n.mem_mb), add_usage(to.gpus, n.gpus);
  for (const auto& t : n.by_type) {
    auto it = std::ranges::find(to.by_type, t.type, &GpuTypeSummary::type);
    if (it == to.by_type.end()) it = to.by_type.insert(to.by_type.end(), {t.type, {}, 0});
    add_usage(it->gpus, t.gpus);
    it->free += t.free;
  }
}

// An empty sum named `name`.
SummaryRow sum_row(std::string name) {
  SummaryRow r;
  r.name = std::move(name);
  r.nodes = r.usable = 0;
  return r;
}

SummaryRow node_row(const Node& n) {
  SummaryRow r;
  r.name = n.name;
  r.state = node_state_short(n);
  r.usable = n.responding && !n.down_admin && !n.drain;
  r.cpus = {n.alloc_cpus, n.cpus};
  r.mem_mb = {n.alloc_mem_mb, n.mem_mb};
  for (const auto& t : node_gpu_use(n)) {
    const std::uint64_t used = t.in_use.size();
    r.by_type.push_back({t.type, {used, t.total}, r.usable ? t.total - std::min<std::uint64_t>(used, t.total) : 0});
    add_usage(r.gpus, r.by_type.back().gpus);
  }
  return r;
}

// The GPU column: meter, used/total and the types ("t4", "t4,a10"; the GPU TYPE table has the
// counts of each type).
std::string gpu_cell(const SummaryRow& r, const Style& style) {
  if (r.gpus.total == 0) return paint("-", kDim, style);
  std::string types;
  for (const auto& t : r.by_type)
    if (!t.type.empty()) types += (types.empty() ? "" : ",") + t.type;
  return meter(r.gpus, kGpuMeter, style) + " " + pad(fraction(r.gpus), kGpuCount, true) +
         (types.empty() ? "" : " " + types);
}

std::string row_line(const SummaryRow& r, int name_width, const std::string& second, const char* second_color,
                     const Style& style) {
  std::string out = cell(r.name, name_width, false, nullptr, style) + " ";
  out += cell(second, kStateWidth, false, second_color, style) + " ";
  out += meter(r.cpus, kCpuMeter, style) + " " + pad(fraction(r.cpus), kCpuCount - 1, true) + " ";
  out += meter(r.mem_mb, kMemMeter, style) + " " +
         pad(human_mem(r.mem_mb.used) + "/" + human_mem(r.mem_mb.total), kMemCount - 1, true) + " ";
  return out + gpu_cell(r, style) + "\n";
}

std::string header(const std::string& first, const std::string& second, int name_width, const Style& style) {
  const std::string h = pad(first, name_width, false) + " " + pad(second, kStateWidth, false) + " " +
                        pad("CPUS used/total", kCpuMeter + kCpuCount, false) + " " +
                        pad("MEMORY used/total", kMemMeter + kMemCount, false) + " GPUS used/total";
  return paint(h, kBold, style) + "\n";
}

std::string gpu_types_table(const SummaryRow& cluster, const Style& style) {
  if (cluster.by_type.empty()) return "";
  std::string out = paint("GPU TYPE     FREE  USED/TOTAL", kBold, style) + "\n";
  for (const auto& t : cluster.by_type) {
    const char* free_color = t.free ? kGreen : kRed;
    out += pad(t.type.empty() ? "(untyped)" : t.type, 12, false) + " " +
           cell(std::to_string(t.free), 4, true, free_color, style) + "  " + meter(t.gpus, kGpuMeter, style) + " " +
           pad(fraction(t.gpus), kGpuCount, true) + "\n";
  }
  return out;
}

Json usage_json(const Usage& u) { return {{"used", u.used}, {"total", u.total}}; }

Json row_json(const SummaryRow& r, bool node) {
  Json types = Json::array();
  for (const auto& t : r.by_type)
    types.push_back({{"type", t.type}, {"used", t.gpus.used}, {"total", t.gpus.total}, {"free", t.free}});
  Json j = {{"name", r.name},
            {"cpus", usage_json(r.cpus)},
            {"memory_mb", usage_json(r.mem_mb)},
            {"gpus", usage_json(r.gpus)},
            {"gpu_types", types}};
  if (node) {
    j["state"] = r.state;
  } else {
    j["nodes"] = r.nodes;
    j["usable_nodes"] = r.usable;
  }
  return j;
}

}  // namespace

Summary summarize(const std::vector<Node>& nodes, const std::vector<Partition>& parts, const SummaryFilter& filter) {
  const auto wanted_part = [&](const Partition& p) {
    return filter.partitions.empty() || std::ranges::find(filter.partitions, p.name) != filter.partitions.end();
  };
  const auto kept = [&](const Node& n) {
    if (!filter.nodes.empty() && std::ranges::find(filter.nodes, n.name) == filter.nodes.end()) return false;
    if (filter.partitions.empty()) return true;
    return std::ranges::any_of(parts, [&](const Partition& p) {
      return wanted_part(p) && std::ranges::find(p.nodes, n.name) != p.nodes.end();
    });
  };
  Summary s;
  s.cluster = sum_row("cluster");
  for (const Node& n : nodes)
    if (kept(n)) s.nodes.push_back(node_row(n));
  std::ranges::stable_sort(s.nodes, host_less, &SummaryRow::name);
  for (const auto& r : s.nodes) add_row(s.cluster, r);
  for (const Partition& p : parts) {
    if (!wanted_part(p)) continue;
    SummaryRow sum = sum_row(p.name + (p.is_default ? "*" : ""));
    for (const auto& r : s.nodes)
      if (std::ranges::find(p.nodes, r.name) != p.nodes.end()) add_row(sum, r);
    s.partitions.push_back(std::move(sum));
  }
  return s;
}

std::string meter(const Usage& u, int width, const Style& style) {
  const int inner = std::max(1, width - 2);
  int filled = 0;
  if (u.total && u.used) {
    const std::uint64_t cells = (std::min(u.used, u.total) * static_cast<std::uint64_t>(inner) + u.total - 1) / u.total;
    filled = static_cast<int>(std::min<std::uint64_t>(cells, static_cast<std::uint64_t>(inner)));
  }
  if (!u.total) return "[" + std::string(static_cast<std::size_t>(inner), ' ') + "]";
  const double load = static_cast<double>(u.used) / static_cast<double>(u.total);
  const char* color = load < 0.5 ? kGreen : load < 0.9 ? kYellow : kRed;
  return "[" + paint(std::string(static_cast<std::size_t>(filled), '#'), color, style) +
         paint(std::string(static_cast<std::size_t>(inner - filled), '.'), kDim, style) + "]";
}

std::string human_mem(std::uint64_t mb) {
  if (mb < 1024) return std::to_string(mb) + "M";
  const double g = static_cast<double>(mb) / 1024;
  if (g < 10 && mb % 1024) return str_printf("%.1fG", g);
  if (g < 1024) return str_printf("%.0fG", g);
  return str_printf("%.1fT", g / 1024);
}

std::string render_summary(const Summary& s, const Style& style) {
  int width = 9;  // "PARTITION"
  for (const auto& r : s.nodes) width = std::max(width, static_cast<int>(r.name.size()));
  for (const auto& r : s.partitions) width = std::max(width, static_cast<int>(r.name.size()));
  std::string out = header("NODE", "STATE", width, style);
  for (const auto& r : s.nodes) out += row_line(r, width, r.state, state_color(r.state), style);
  out += "\n" + header("PARTITION", "NODES", width, style);
  const auto nodes_cell = [](const SummaryRow& r) { return std::to_string(r.usable) + "/" + std::to_string(r.nodes); };
  for (const auto& r : s.partitions) out += row_line(r, width, nodes_cell(r), nullptr, style);
  out += row_line(s.cluster, width, nodes_cell(s.cluster), nullptr, style);
  const std::string types = gpu_types_table(s.cluster, style);
  return types.empty() ? out : out + "\n" + types;
}

Json summary_json(const Summary& s) {
  Json nodes = Json::array(), parts = Json::array();
  for (const auto& r : s.nodes) nodes.push_back(row_json(r, true));
  for (const auto& r : s.partitions) parts.push_back(row_json(r, false));
  return {{"nodes", nodes}, {"partitions", parts}, {"cluster", row_json(s.cluster, false)}};
}

// ---- The command ---------------------------------------------------------------------------------

namespace {

constexpr const char* kProg = "nodesummary";

constexpr const char* kUsage =
    "Usage: nodesummary [OPTIONS]\n"
    "The cluster at a glance: for each node its state and the CPUs, memory and GPUs that jobs hold\n"
    "out of its total, then the totals of each partition and of the cluster, and the free GPUs of\n"
    "each type.\n"
    "\n"
    "  -p, --partition=PARTITION[,...]  only the nodes of these partitions\n"
    "  -n, --nodes=HOSTLIST             only these nodes (a hostlist: n[1-4],gpu01)\n"
    "      --json                       the same as JSON\n"
    "      --no-color                   no colours (also when NO_COLOR is set or the output is not\n"
    "                                   a terminal)\n"
    "  -h, --help                       this text\n"
    "  -V, --version                    the version\n"
    "\n"
    "States are sinfo's: idle (free), mix (partly used), alloc (full), drain/drng (taking no new\n"
    "jobs), down (unreachable); a '*' means the node does not answer. In NODES, usable/all.\n";

struct Options {
  SummaryFilter filter;
  bool json = false, no_color = false;
};

// Parses argv; nullopt with the exit status when the command is done (help, version, an error).
std::optional<Options> parse_options(int argc, char** argv, int& rc) {
  static const option kOptions[] = {{"partition", required_argument, nullptr, 'p'},
                                    {"nodes", required_argument, nullptr, 'n'},
                                    {"json", no_argument, nullptr, 'j'},
                                    {"no-color", no_argument, nullptr, 'C'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {"usage", no_argument, nullptr, 'h'},
                                    {"version", no_argument, nullptr, 'V'},
                                    {nullptr, 0, nullptr, 0}};
  Options o;
  optind = 0;
  rc = kExitError;
  for (int c; (c = getopt_long(argc, argv, "p:n:hV", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'p':
        for (const auto& p : split(optarg, ',')) o.filter.partitions.push_back(p);
        break;
      case 'n': {
        std::string why;
        const auto names = expand_hostlist(optarg, &why);
        if (!names || names->empty()) {
          error(kProg, "invalid node list " + printable(optarg) + (why.empty() ? "" : ": " + why));
          return std::nullopt;
        }
        o.filter.nodes.insert(o.filter.nodes.end(), names->begin(), names->end());
        break;
      }
      case 'j': o.json = true; break;
      case 'C': o.no_color = true; break;
      case 'h': std::fputs(kUsage, stdout), rc = 0; return std::nullopt;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION), rc = 0; return std::nullopt;
      default: std::fprintf(stderr, "Try \"nodesummary --help\" for more information\n"); return std::nullopt;
    }
  }
  if (optind < argc) {
    error(kProg, "unexpected argument " + printable(argv[optind]));
    std::fprintf(stderr, "Try \"nodesummary --help\" for more information\n");
    return std::nullopt;
  }
  return o;
}

}  // namespace

int nodesummary(int argc, char** argv) {
  int rc = 0;
  const auto o = parse_options(argc, argv, rc);
  if (!o) return rc;
  auto rpc = Rpc::open(kProg);
  if (!rpc) return kExitError;
  const auto reply = rpc->call_or_error("nodes", Json::object());
  if (!reply) return kExitError;
  const auto nodes = reply->at("nodes").get<std::vector<Node>>();
  const auto parts = reply->at("partitions").get<std::vector<Partition>>();
  for (const auto& p : o->filter.partitions) {
    if (std::ranges::find(parts, p, &Partition::name) != parts.end()) continue;
    std::vector<std::string> names;
    for (const auto& q : parts) names.push_back(q.name);
    error(kProg, "no partition named " + printable(p) + " (partitions: " + join(names, ", ") + ")");
    return kExitError;
  }
  const Summary s = summarize(nodes, parts, o->filter);
  if (o->json) {
    std::printf("%s\n", summary_json(s).dump(2).c_str());
    return 0;
  }
  if (s.nodes.empty()) {
    std::printf("No nodes to show.\n");
    return 0;
  }
  const char* no_color = std::getenv("NO_COLOR");
  const Style style{.color = !o->no_color && !(no_color && *no_color) && ::isatty(1)};
  std::fputs(render_summary(s, style).c_str(), stdout);
  return 0;
}

}  // namespace sluice::cli
