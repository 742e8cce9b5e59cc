// sinfo [options]: partitions and node states, as Slurm 22.05 prints them.
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "core/util/hostlist.hpp"
#include "core/util/text.hpp"
#include "core/util/timefmt.hpp"

namespace sluice::cli {
namespace {

constexpr const char* kProg = "sinfo";

constexpr const char* kUsage =
    "Usage: sinfo [-adelNRrsTv] [-n nodes] [-o format] [-O format] [-p partition]\n"
    "             [-S fields] [-t states] [--json]\n";

constexpr const char* kHelp =
    "Usage: sinfo [OPTIONS]\n"
    "  -a, --all                  show all partitions (including hidden and those\n"
    "                             not accessible)\n"
    "  -d, --dead                 show only non-responding nodes\n"
    "  -e, --exact                group nodes only on exact match of configuration\n"
    "  -h, --noheader             no headers on output\n"
    "      --json                 Produce JSON output\n"
    "  -l, --long                 long output - displays more information\n"
    "  -n, --nodes=NODES          report on specific node(s)\n"
    "  -N, --Node                 Node-centric format\n"
    "  -o, --format=format        format specification\n"
    "  -O, --Format=format        long format specification\n"
    "  -p, --partition=PARTITION  report on specific partition\n"
    "  -r, --responding           report only responding nodes\n"
    "  -R, --list-reasons         list reason nodes are down or drained\n"
    "  -s, --summarize            report state summary only\n"
    "  -S, --sort=fields          comma separated list of fields to sort on\n"
    "  -t, --states=node_state    specify the what states of nodes to view\n"
    "  -T, --reservation          show only reservation information\n"
    "  -v, --verbose              verbosity level\n"
    "  -V, --version              output version information and exit\n"
    "\nHelp options:\n"
    "  --help                     show this help message\n"
    "  --usage                    display brief usage message\n";

}  // namespace

int sinfo(int argc, char** argv) {
  enum { kJson = 0x100, kHelpOpt, kUsageOpt };
  static const option kOptions[] = {
      {"all", no_argument, nullptr, 'a'},          {"dead", no_argument, nullptr, 'd'},
      {"exact", no_argument, nullptr, 'e'},        {"help", no_argument, nullptr, kHelpOpt},
      {"json", no_argument, nullptr, kJson},       {"long", no_argument, nullptr, 'l'},
      {"nodes", required_argument, nullptr, 'n'},  {"noheader", no_argument, nullptr, 'h'},
      {"Node", no_argument, nullptr, 'N'},         {"format", required_argument, nullptr, 'o'},
      {"Format", required_argument, nullptr, 'O'}, {"partition", required_argument, nullptr, 'p'},
      {"responding", no_argument, nullptr, 'r'},   {"list-reasons", no_argument, nullptr, 'R'},
      {"summarize", no_argument, nullptr, 's'},    {"sort", required_argument, nullptr, 'S'},
      {"states", required_argument, nullptr, 't'}, {"reservation", no_argument, nullptr, 'T'},
      {"usage", no_argument, nullptr, kUsageOpt},  {"verbose", no_argument, nullptr, 'v'},
      {"version", no_argument, nullptr, 'V'},      {nullptr, 0, nullptr, 0}};

  SinfoOptions o;
  std::string format, format_long;
  bool long_output = false, no_header = false, summarize = false, json = false, all = false, part_set = false;
  bool reservations = false;
  optind = 0;
  for (int c; (c = getopt_long(argc, argv, "adehln:No:O:p:rRsS:t:TvV", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'a': all = true, o.partitions.clear(); break;
      case 'd': o.dead_only = true; break;
      case 'e':
      case 'v': break;
      case 'h': no_header = true; break;
      case 'l': long_output = true; break;
      case 'n': {
        auto list = expand_hostlist(optarg);
        if (!list) {
          error(kProg, std::string("'") + optarg + "' invalid entry for --nodes");
          return 1;
        }
        o.nodes = std::move(*list);
        break;
      }
      case 'N': o.node_oriented = true; break;
      case 'o': format = optarg, format_long.clear(); break;
      case 'O': format_long = optarg, format.clear(); break;
      case 'p': part_set = true, o.partitions = split(optarg, ','); break;
      case 'r': o.responding_only = true; break;
      case 'R': o.list_reasons = true; break;
      case 's': summarize = true; break;
      case 'S': o.sort = optarg; break;
      case 't': {
        o.states.clear();
        const std::string arg = optarg;
        o.states_and = arg.find('&') != std::string::npos;
        if (to_lower(arg) == "all") break;
        for (const auto& s : split(arg, o.states_and ? '&' : ',')) {
          auto st = parse_node_state(s);
          if (!st) {
            error(kProg, "Bad state string: \"" + s + "\"");
            error(kProg, std::string("valid states: ") + kNodeStateList);
            return 1;
          }
          o.states.push_back(*st);
        }
        break;
      }
      case 'T': reservations = true; break;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); return 0;
      case kJson: json = true; break;
      case kHelpOpt: std::fputs(kHelp, stdout); return 0;
      case kUsageOpt: std::fputs(kUsage, stdout); return 0;
      default: std::fprintf(stderr, "Try \"sinfo --help\" for more information\n"); return 1;
    }
  }
  if (long_output && (!format.empty() || !format_long.empty())) {
    std::fprintf(stderr,
                 "sinfo: fatal: Options -o(--format) and -l(--long) are mutually exclusive. "
                 "Please remove one and retry.\n");
    return 1;
  }
  if (all && part_set) {
    error(kProg, "Conflicting options, -a and -p, specified. Please choose one or the other.");
    return 1;
  }
  if (format.empty() && format_long.empty()) {
    const char* env = std::getenv("SINFO_FORMAT");
    if (summarize)
      format = kSinfoSummaryFormat;
    else if (o.node_oriented)
      format = long_output ? kSinfoNodeLongFormat : kSinfoNodeFormat;
    else if (o.list_reasons)
      format = long_output ? kSinfoReasonLongFormat : kSinfoReasonFormat;
    else if (env)
      format = env;
    else
      format = long_output ? kSinfoLongFormat : kSinfoFormat;
    // Slurm sizes %P (and %N with -N) of its own formats to fit the names.
    o.part_width_auto = summarize || o.node_oriented || (!o.list_reasons && !env);
    o.node_width_auto = o.node_oriented && !summarize;
  }
  Format fmt;
  if (!format_long.empty()) {
    std::vector<std::string> unknown;
    fmt = parse_long_format(format_long, kSinfoLongNames, &unknown);
    for (const auto& u : unknown) std::fprintf(stderr, "Invalid node format specification: %s\n", u.c_str());
  } else {
    fmt = parse_format(format);
    for (const auto& f : fmt.fields)
      if (!sinfo_field_known(f.code)) std::fprintf(stderr, "Invalid node format specification: %c\n", f.code);
  }
  if (o.list_reasons && o.states.empty())
    o.states = {NodeStateFilter::Down, NodeStateFilter::None, NodeStateFilter::Drain};  // "down,fail,drain"

  auto cfg = load_cli_config(kProg);
  if (!cfg) return 1;
  Client client(*cfg);
  const auto reply =
      perror_call(client, "nodes", Json::object(), reservations ? "slurm_load_reservations" : "slurm_load_partitions");
  if (!reply) return 1;
  if (reservations) {
    std::printf("No reservations in the system\n");
    return 0;
  }
  if (json) {
    std::printf("%s\n", Json{{"nodes", reply->at("nodes")}, {"partitions", reply->at("partitions")}}.dump(2).c_str());
    return 0;
  }
  const auto nodes = reply->at("nodes").get<std::vector<Node>>();
  const auto parts = reply->at("partitions").get<std::vector<Partition>>();
  const Time now = reply->value("now", static_cast<Time>(std::time(nullptr)));
  o.cluster = reply->value("cluster", std::string());
  std::string out;
  if (long_output && !no_header) out = format_ctime(now) + "\n";
  out += sinfo_report(nodes, parts, fmt, o, !no_header);
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace sluice::cli
