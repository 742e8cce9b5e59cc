// sinfo [options]: partitions and node states, as Slurm 22.05 prints them.
#include "cli/sinfo.hpp"

#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <set>

#include "cli/commands.hpp"
#include "cli/describe.hpp"
#include "cli/format.hpp"
#include "cli/gpus.hpp"
#include "cli/rpc.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

// ---- Printing ------------------------------------------------------------------------------------

namespace {

// -O GresUsed: Slurm has no %-letter for it.
constexpr char kGresUsed = '\x01';

bool is_down(const Node& n) { return n.down_admin || !n.responding; }

// Slurm's numeric node state (base state plus DRAIN and NO_RESPOND flags): sinfo sorts by it.
int node_state_rank(const Node& n) {
  const NodeBase b = node_base(n);
  int rank = is_down(n) ? 1 : b == NodeBase::Idle ? 2 : b == NodeBase::Allocated ? 3 : 5;
  if (n.drain) rank |= 0x200;
  if (!n.responding) rank |= 0x800;
  return rank;
}

// sinfo's %T: "idle", "mixed", "allocated", "drained", "draining", "down", plus '*' when not responding.
std::string node_state_sinfo_long(const Node& n) {
  std::string s = node_state_short(n);
  const bool star = !s.empty() && s.back() == '*';
  if (star) s.pop_back();
  static const std::map<std::string, std::string> kLong = {
      {"mix", "mixed"}, {"alloc", "allocated"}, {"drain", "drained"}, {"drng", "draining"}};
  if (auto it = kLong.find(s); it != kLong.end()) s = it->second;
  return star ? s + "*" : s;
}

bool node_matches_state(const Node& n, NodeStateFilter f) {
  const NodeBase b = node_base(n);
  switch (f) {
    case NodeStateFilter::Down: return is_down(n);
    case NodeStateFilter::Idle: return !is_down(n) && !n.drain && b == NodeBase::Idle;
    case NodeStateFilter::Alloc: return n.alloc_cpus > 0;
    case NodeStateFilter::Mixed: return !is_down(n) && !n.drain && b == NodeBase::Mixed;
    case NodeStateFilter::Drain: return n.drain;
    case NodeStateFilter::Drained: return n.drain && b == NodeBase::Idle;
    case NodeStateFilter::Draining: return n.drain && b != NodeBase::Idle;
    case NodeStateFilter::NoRespond: return !n.responding;
    case NodeStateFilter::None: return false;
  }
  return false;
}

struct Group {
  const Partition* part = nullptr;
  std::size_t part_inx = 0;
  std::vector<const Node*> nodes;
};

// clang-format off
constexpr FieldName kSinfoTitles[] = {
    {"AVAIL", 'a'}, {"NODES(A/I)", 'A'}, {"CPUS", 'c'}, {"CPUS(A/I/O/T)", 'C'}, {"TMP_DISK", 'd'},
    {"NODES", 'D'}, {"FREE_MEM", 'e'}, {"REASON", 'E'}, {"AVAIL_FEATURES", 'f'}, {"NODES(A/I/O/T)", 'F'},
    {"GROUPS", 'g'}, {"GRES", 'G'}, {"GRES_USED", kGresUsed}, {"OVERSUBSCRIBE", 'h'}, {"TIMESTAMP", 'H'}, {"TIMELIMIT", 'l'},
    {"DEFAULTTIME", 'L'}, {"MEMORY", 'm'}, {"PREEMPT_MODE", 'M'}, {"HOSTNAMES", 'n'}, {"NODELIST", 'N'},
    {"NODE_ADDR", 'o'}, {"CPU_LOAD", 'O'}, {"PRIO_TIER", 'p'}, {"PARTITION", 'P'}, {"PARTITION", 'R'},
    {"ROOT", 'r'}, {"JOB_SIZE", 's'}, {"STATE", 't'}, {"STATE", 'T'}, {"USER", 'u'}, {"USER", 'U'},
    {"VERSION", 'v'}, {"CLUSTER", 'V'}, {"WEIGHT", 'w'}, {"S:C:T", 'z'},
};
// clang-format on

// "8" when the group's nodes agree, else "4+" or, as a range, "4-8" (Slurm's min/max strings).
template <typename T>
std::string min_max(const std::vector<const Node*>& nodes, T (*get)(const Node&), bool range = false) {
  if (nodes.empty()) return "0";
  T lo = get(*nodes.front()), hi = lo;
  for (const Node* n : nodes) lo = std::min(lo, get(*n)), hi = std::max(hi, get(*n));
  if (lo == hi) return std::to_string(lo);
  return std::to_string(lo) + (range ? "-" + std::to_string(hi) : "+");
}

std::string sinfo_value(const Group& g, char code, const SinfoOptions& o) {
  const Partition* p = g.part;
  const Node* first = g.nodes.empty() ? nullptr : g.nodes.front();
  const auto secs = [](Time t) { return t == kUnlimited ? std::string("infinite") : format_elapsed(t); };
  const auto hostlist_of = [&](const std::string Node::*member) {
    std::vector<std::string> v;
    for (const Node* n : g.nodes) v.push_back(n->*member);
    return sorted_hostlist(std::move(v));
  };
  std::uint32_t n_alloc = 0, n_idle = 0, n_other = 0, c_alloc = 0, c_idle = 0, c_other = 0, c_total = 0;
  for (const Node* n : g.nodes) {
    const bool busy = !is_down(*n) && node_base(*n) != NodeBase::Idle;
    const bool other = n->drain || is_down(*n);
    (busy ? n_alloc : other ? n_other : n_idle)++;
    c_alloc += n->alloc_cpus;
    c_total += n->cpus;
    (other ? c_other : c_idle) += n->cpus - std::min(n->cpus, n->alloc_cpus);
  }
  switch (code) {
    case 'a': return p ? (p->up ? "up" : "down") : "n/a";
    case 'A': return std::to_string(n_alloc) + "/" + std::to_string(n_idle);
    case 'c': return min_max<std::uint32_t>(g.nodes, [](const Node& n) { return n.cpus; });
    case 'C': return str_printf("%u/%u/%u/%u", c_alloc, c_idle, c_other, c_total);
    case 'd': return "0";
    case 'D': return std::to_string(g.nodes.size());
    case 'e':
      if (first && !first->responding) return "N/A";
      return min_max<std::uint64_t>(
          g.nodes, [](const Node& n) { return n.free_mem_mb; }, true);
    case 'E': return first && !first->reason.empty() ? first->reason : "none";
    case 'f': return first && !first->features.empty() ? first->features : "(null)";
    case 'F': return str_printf("%u/%u/%u/%zu", n_alloc, n_idle, n_other, g.nodes.size());
    case 'g': return p ? (p->allow_groups.empty() ? "all" : join(p->allow_groups, ",")) : "n/a";
    case 'G': return first ? node_gres(*first) : "(null)";
    case 'h': return "NO";
    case 'H': return first && first->reason_time ? format_iso(first->reason_time) : "Unknown";
    case 'l': return p ? secs(p->max_time) : "n/a";
    case 'L': return !p || p->default_time == kNoValue ? "n/a" : secs(p->default_time);
    case 'm': return min_max<std::uint64_t>(g.nodes, [](const Node& n) { return n.mem_mb; });
    case 'M': return p ? preempt_name(p->preempt_mode) : "n/a";
    case 'n': return hostlist_of(&Node::hostname);
    case 'N': return hostlist_of(&Node::name);
    case 'o': return hostlist_of(&Node::addr);
    case 'O': {
      if (!first) return "0.00";
      double lo = first->cpu_load, hi = lo;
      for (const Node* n : g.nodes) lo = std::min(lo, n->cpu_load), hi = std::max(hi, n->cpu_load);
      return lo == hi ? str_printf("%.2f", lo) : str_printf("%.2f-%.2f", lo, hi);
    }
    case 'p': return p ? std::to_string(p->priority_tier) : "n/a";
    case 'P': return p ? p->name : "n/a";
    case 'R': return p ? p->name : "n/a";
    case 'r': return p ? "no" : "n/a";
    case 's':
      if (!p) return "n/a";
      return p->max_nodes == 1 ? "1" : "1-" + (p->max_nodes ? std::to_string(p->max_nodes) : "infinite");
    case 't': return first ? node_state_short(*first) : "n/a";
    case 'T': return first ? node_state_sinfo_long(*first) : "n/a";
    case 'u': return first && !first->reason_user.empty() ? first->reason_user : "Unknown";
    case 'U': {
      if (!first || first->reason_user.empty()) return "Unknown";
      const auto uid = uid_of(first->reason_user);
      return first->reason_user + (uid ? "(" + std::to_string(*uid) + ")" : "");
    }
    case 'v': return first && !first->version.empty() ? first->version : "N/A";
    case 'V': return o.cluster;
    case 'w': return min_max<std::uint32_t>(g.nodes, [](const Node& n) { return n.weight; });
    case kGresUsed: {
      const std::string used = first ? node_gres_used(*first) : "";
      return used.empty() ? "(null)" : used;
    }
    case 'z': return "1:" + min_max<std::uint32_t>(g.nodes, [](const Node& n) { return n.cpus; }) + ":1";
    default: return "";
  }
}

// Whether `n` may join `g` (sinfo's _match_part_data and _match_node_data for the fields shown).
bool group_accepts(const Group& g, const Partition* p, const Node& n, const std::set<char>& codes,
                   const SinfoOptions& o) {
  const auto has = [&](std::string_view cs) { return std::ranges::any_of(cs, [&](char c) { return codes.count(c); }); };
  if (!o.list_reasons && g.part != p) {
    if (!g.part || !p) return false;
    if (has("PR") && g.part->name != p->name) return false;
    if (has("a") && g.part->up != p->up) return false;
    if (has("l") && g.part->max_time != p->max_time) return false;
    if (has("L") && g.part->default_time != p->default_time) return false;
    if (has("g") && g.part->allow_groups != p->allow_groups) return false;
    if (has("s") && g.part->max_nodes != p->max_nodes) return false;
    if (has("M") && g.part->preempt_mode != p->preempt_mode) return false;
    if (has("p") && g.part->priority_tier != p->priority_tier) return false;
  }
  if (g.nodes.empty()) return true;
  if (o.node_oriented) return false;
  const Node& f = *g.nodes.front();
  if (has("n") && f.hostname != n.hostname) return false;
  if (has("o") && f.addr != n.addr) return false;
  if (has("f") && f.features != n.features) return false;
  if (has("G") && node_gres(f) != node_gres(n)) return false;
  if (codes.count(kGresUsed) && node_gres_used(f) != node_gres_used(n)) return false;
  if (has("E") && f.reason != n.reason) return false;
  if (has("H") && f.reason_time != n.reason_time) return false;
  if (has("uU") && f.reason_user != n.reason_user) return false;
  if (has("tT") && node_state_sinfo_long(f) != node_state_sinfo_long(n)) return false;
  return true;
}

bool node_shown(const Node& n, const SinfoOptions& o) {
  if (!o.nodes.empty() && std::ranges::find(o.nodes, n.name) == o.nodes.end()) return false;
  if (o.dead_only && n.responding) return false;
  if (o.responding_only && !n.responding) return false;
  if (o.states.empty()) return true;
  const auto match = [&](NodeStateFilter f) { return node_matches_state(n, f); };
  return o.states_and ? std::ranges::all_of(o.states, match) : std::ranges::any_of(o.states, match);
}

void sort_groups(std::vector<Group>& groups, std::string_view spec) {
  for (std::size_t i = spec.size(); i-- > 0;) {
    const char c = spec[i];
    if (c == ',' || c == '#' || c == '+' || c == '-') continue;
    const bool reverse = i > 0 && spec[i - 1] == '-', part_order = i > 0 && spec[i - 1] == '#';
    std::function<int(const Group&, const Group&)> cmp;
    const auto first_node = [](const Group& g) { return g.nodes.empty() ? std::string() : g.nodes.front()->name; };
    switch (c) {
      case 'P':
        cmp = [part_order](const Group& a, const Group& b) {
          if (part_order) return static_cast<int>(a.part_inx) - static_cast<int>(b.part_inx);
          return (a.part ? a.part->name : "").compare(b.part ? b.part->name : "");
        };
        break;
      case 't':
      case 'T':
        cmp = [](const Group& a, const Group& b) {
          const auto rank = [](const Group& g) { return g.nodes.empty() ? 0 : node_state_rank(*g.nodes.front()); };
          return rank(a) - rank(b);
        };
        break;
      case 'N':
        cmp = [&](const Group& a, const Group& b) {
          const std::string x = first_node(a), y = first_node(b);
          return host_less(x, y) ? -1 : host_less(y, x) ? 1 : 0;
        };
        break;
      case 'D':
        cmp = [](const Group& a, const Group& b) {
          return static_cast<int>(a.nodes.size()) - static_cast<int>(b.nodes.size());
        };
        break;
      default: continue;  // as Slurm, letters it cannot sort by are ignored
    }
    std::ranges::stable_sort(groups, [&](const Group& a, const Group& b) {
      const int d = cmp(a, b);
      return reverse ? d > 0 : d < 0;
    });
  }
}

}  // namespace

constexpr FieldName kSinfoNames[] = {
    {"available", 'a'},    {"cluster", 'V'},       {"cpus", 'c'},           {"cpusload", 'O'},
    {"cpusstate", 'C'},    {"defaulttime", 'L'},   {"disk", 'd'},           {"features", 'f'},
    {"freemem", 'e'},      {"gres", 'G'},          {"gresused", kGresUsed}, {"groups", 'g'},
    {"memory", 'm'},       {"nodeaddr", 'o'},      {"nodeai", 'A'},         {"nodeaiot", 'F'},
    {"nodehost", 'n'},     {"nodelist", 'N'},      {"nodes", 'D'},          {"oversubscribe", 'h'},
    {"partition", 'P'},    {"partitionname", 'R'}, {"preemptmode", 'M'},    {"prioritytier", 'p'},
    {"reason", 'E'},       {"root", 'r'},          {"size", 's'},           {"socketcorethread", 'z'},
    {"statecompact", 't'}, {"statelong", 'T'},     {"time", 'l'},           {"timestamp", 'H'},
    {"user", 'u'},         {"userlong", 'U'},      {"version", 'v'},        {"weight", 'w'},
};
const std::span<const FieldName> kSinfoLongNames = kSinfoNames;

bool sinfo_field_known(char code) { return title_of(kSinfoTitles, code) != nullptr; }

const char* const kNodeStateList =
    "unknown,down,idle,allocated,error,mixed,future,drain,drained,draining,no_respond,reserved,perfctrs,"
    "cloud,"
    "completing,powering_down,powered_down,power_down,powering_up,fail,maint,reboot_requested,reboot_issued,"
    "planned";

std::optional<NodeStateFilter> parse_node_state(std::string_view name) {
  const std::string s = to_lower(name);
  if (s.empty()) return std::nullopt;
  const auto prefix_of = [&](std::string_view full) { return full.substr(0, s.size()) == s; };
  // Base states first (long or compact names), then the flags, as Slurm's _node_state_id.
  struct Entry {
    std::string_view full, compact;
    NodeStateFilter f;
  };
  static constexpr Entry kBase[] = {
      {"unknown", "unk", NodeStateFilter::None}, {"down", "down", NodeStateFilter::Down},
      {"idle", "idle", NodeStateFilter::Idle},   {"allocated", "alloc", NodeStateFilter::Alloc},
      {"error", "err", NodeStateFilter::None},   {"mixed", "mix", NodeStateFilter::Mixed},
      {"future", "futr", NodeStateFilter::None},
  };
  for (const auto& e : kBase)
    if (prefix_of(e.full) || prefix_of(e.compact)) return e.f;
  if (prefix_of("planned") || prefix_of("plnd")) return NodeStateFilter::None;
  if (prefix_of("drain")) return NodeStateFilter::Drain;
  if (prefix_of("drained")) return NodeStateFilter::Drained;
  if (prefix_of("draining") || prefix_of("drng")) return NodeStateFilter::Draining;
  if (prefix_of("no_respond")) return NodeStateFilter::NoRespond;
  for (std::string_view other :
       {"resv", "reserved", "perfctrs", "npc", "completing", "comp", "powering_down", "powered_down", "power_down",
        "powering_up", "fail", "maint", "reboot_requested", "reboot_issued", "cloud"})
    if (prefix_of(other)) return NodeStateFilter::None;
  return std::nullopt;
}

std::string sinfo_report(const std::vector<Node>& nodes, const std::vector<Partition>& parts, const Format& f,
                         const SinfoOptions& o, bool header) {
  std::set<char> codes;
  for (const auto& fd : f.fields) codes.insert(fd.code);
  const bool by_partition = codes.count('P') || codes.count('R');
  const auto part_wanted = [&](const Partition& p) {
    return o.partitions.empty() || std::ranges::find(o.partitions, p.name) != o.partitions.end();
  };
  std::vector<Group> groups;
  if (!o.node_oriented && by_partition)  // every partition is shown, even without nodes
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (part_wanted(parts[i])) groups.push_back({&parts[i], i, {}});
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Partition& p = parts[i];
    if (!part_wanted(p)) continue;
    const std::set<std::string> members(p.nodes.begin(), p.nodes.end());
    for (const Node& n : nodes) {
      if (!members.count(n.name) || !node_shown(n, o)) continue;
      auto g = std::ranges::find_if(groups, [&](const Group& gr) { return group_accepts(gr, &p, n, codes, o); });
      if (g == groups.end())
        groups.push_back({&p, i, {&n}});
      else if (std::ranges::find(g->nodes, &n) == g->nodes.end())
        g->nodes.push_back(&n);
    }
  }
  if (o.node_oriented)  // records of one node: Slurm's (racy) insertion order shows them by partition name
    std::ranges::stable_sort(groups, {}, [](const Group& g) { return g.part ? g.part->name : std::string(); });
  sort_groups(groups, !o.sort.empty() ? std::string_view(o.sort) : o.node_oriented ? "N" : "#P,-t");

  int part_width = 9, node_width = 9;
  for (const Group& g : groups) {
    if (g.part) part_width = std::max(part_width, static_cast<int>(g.part->name.size() + g.part->is_default));
    node_width = std::max(node_width, static_cast<int>(sinfo_value(g, 'N', o).size()));
  }
  const auto cell = [&](const Group* g, const Field& fd) {
    int width = fd.width;
    if (o.part_width_auto && (fd.code == 'P' || fd.code == 'R')) width = part_width;
    if (o.node_width_auto && fd.code == 'N') width = node_width;
    if (!g)
      return pad(title_of(kSinfoTitles, fd.code), width, fd.right, fd.code != 'N' && fd.code != 'n' && fd.code != 'o');
    std::string v = sinfo_value(*g, fd.code, o);
    if (fd.code == 'P' && g->part && g->part->is_default) {
      if (width == 0 || static_cast<int>(v.size()) < width)
        v += '*';
      else
        v[static_cast<std::size_t>(width) - 1] = '*';
    }
    return pad(v, width, fd.right);
  };
  const auto line = [&](const Group* g) {
    return format_line(f, kSinfoTitles, [&](const Field& fd, const char*) { return cell(g, fd); });
  };
  std::string out = header ? line(nullptr) : "";
  for (const Group& g : groups) out += line(&g);
  return out;
}

// ---- The command ---------------------------------------------------------------------------------
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

  auto rpc = Rpc::open(kProg);
  if (!rpc) return kExitError;
  const auto reply =
      rpc->call_or_perror("nodes", Json::object(), reservations ? "slurm_load_reservations" : "slurm_load_partitions");
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
