#include "cli/format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "cli/users.hpp"
#include "core/util/hostlist.hpp"
#include "core/util/text.hpp"
#include "core/util/timefmt.hpp"

namespace sluice::cli {
namespace {

constexpr Time kYear = 365 * 86400;

template <typename... Args>
std::string str_printf(const char* fmt, Args... args) {
  char buf[128];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string or_null(const std::string& s) { return s.empty() ? "(null)" : s; }

// squeue's _print_secs: "INVALID" outside [0, one year].
std::string secs_or_invalid(Time secs) { return secs < 0 || secs > kYear ? "INVALID" : format_elapsed(secs); }

// Names such as "n10" compare as ("n", 10), the way Slurm's hostlists sort.
bool host_less(const std::string& a, const std::string& b) {
  const auto split_num = [](const std::string& s) {
    std::size_t i = s.size();
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') --i;
    const std::string digits = s.substr(i);
    return std::pair{s.substr(0, i), digits.empty() ? -1LL : std::stoll(digits.substr(0, 18))};
  };
  return split_num(a) < split_num(b);
}

std::uint32_t job_cpus(const Job& j) {
  if (j.alloc.empty()) return j.spec.ntasks * j.spec.cpus_per_task;
  std::uint32_t n = 0;
  for (const auto& a : j.alloc) n += a.cpus;
  return n;
}

std::uint32_t job_node_count(const Job& j) {
  return j.alloc.empty() ? j.spec.nodes : static_cast<std::uint32_t>(j.alloc.size());
}

// The end Slurm reports: the real one once ended, else start + limit while the job runs.
Time job_end(const Job& j) {
  if (j.end_time) return j.end_time;
  if (j.start_time && j.spec.time_limit >= 0) return j.start_time + j.spec.time_limit;
  return 0;
}

std::string user_of(const Job& j) { return j.user.empty() ? std::to_string(j.uid) : j.user; }
std::string group_of(const Job& j) { return j.group.empty() ? std::to_string(j.gid) : j.group; }

const char* preempt_name(PreemptMode m) {
  return m == PreemptMode::Requeue ? "REQUEUE" : m == PreemptMode::Cancel ? "CANCEL" : "OFF";
}

std::string gres_request(const Job& j, std::uint32_t count) {
  return "gres:gpu:" + (j.spec.gpu_type.empty() ? "" : j.spec.gpu_type + ":") + std::to_string(count);
}

std::string mem_or_zero(std::uint64_t mb) { return mb ? format_mem_mb(mb) : "0"; }

// ---- squeue fields --------------------------------------------------------------------------------

// Column titles by %-letter.
const char* title_of(std::span<const FieldName> titles, char code) {
  const auto it = std::ranges::find(titles, code, &FieldName::code);
  return it == titles.end() ? nullptr : it->name;
}

// clang-format off
constexpr FieldName kSqueueTitles[] = {
    {"ACCOUNT", 'a'}, {"JOBID", 'A'}, {"JOBID", 'i'}, {"TRES_PER_NODE", 'b'}, {"EXEC_HOST", 'B'},
    {"MIN_CPUS", 'c'}, {"CPUS", 'C'}, {"MIN_TMP_DISK", 'd'}, {"NODES", 'D'}, {"END_TIME", 'e'},
    {"DEPENDENCY", 'E'}, {"FEATURES", 'f'}, {"ARRAY_JOB_ID", 'F'}, {"GROUP", 'g'}, {"GROUP", 'G'},
    {"OVER_SUBSCRIBE", 'h'}, {"NAME", 'j'}, {"COMMENT", 'k'}, {"ARRAY_TASK_ID", 'K'}, {"TIME_LIMIT", 'l'},
    {"TIME_LEFT", 'L'}, {"MIN_MEMORY", 'm'}, {"TIME", 'M'}, {"REQ_NODES", 'n'}, {"NODELIST", 'N'},
    {"COMMAND", 'o'}, {"CONTIGUOUS", 'O'}, {"PRIORITY", 'p'}, {"PRIORITY", 'Q'}, {"PARTITION", 'P'},
    {"QOS", 'q'}, {"REASON", 'r'}, {"NODELIST(REASON)", 'R'}, {"START_TIME", 'S'}, {"ST", 't'},
    {"STATE", 'T'}, {"USER", 'u'}, {"UID", 'U'}, {"RESERVATION", 'v'}, {"SUBMIT_TIME", 'V'}, {"WCKEY", 'w'},
    {"LICENSES", 'W'}, {"EXC_NODES", 'x'}, {"NICE", 'y'}, {"WORK_DIR", 'Z'},
};
// clang-format on

// A field's value and whether it is cut to the field's width (Slurm never cuts times and node lists).
std::pair<std::string, bool> squeue_value(const Job& j, char code, Time now) {
  const auto time_or_na = [](Time t) { return t ? format_iso(t) : std::string("N/A"); };
  const Time limit = j.spec.time_limit;
  switch (code) {
    case 'a':
    case 'f':
    case 'q':
    case 'v':
    case 'w':
    case 'W': return {"(null)", true};
    case 'A':
    case 'F':
    case 'i': return {std::to_string(j.id), true};
    case 'b': return {j.spec.gpus_per_node ? gres_request(j, j.spec.gpus_per_node) : "N/A", true};
    case 'B': return {j.alloc.empty() ? "n/a" : j.alloc.front().node, true};
    case 'c': return {std::to_string(j.spec.cpus_per_task), true};
    case 'C': return {std::to_string(job_cpus(j)), true};
    case 'd':
    case 'O':
    case 'y': return {"0", true};
    case 'D': return {std::to_string(job_node_count(j)), true};
    case 'e':
      if (limit == kUnlimited && j.state == JobState::Running) return {"NONE", true};
      return {time_or_na(job_end(j)), true};
    case 'E': return {j.spec.depends.empty() ? "(null)" : dependency_string(j.spec.depends), true};
    case 'g': return {group_of(j), true};
    case 'G': return {std::to_string(j.gid), true};
    case 'h': return {"OK", true};
    case 'j': return {j.spec.name, true};
    case 'k': return {or_null(j.spec.comment), true};
    case 'K': return {"N/A", true};
    case 'l':
    case 'L':
      if (limit == kUnlimited) return {"UNLIMITED", true};
      if (limit == kNoValue) return {"NOT_SET", true};
      return {secs_or_invalid(code == 'l' ? limit : limit - job_time_used(j, now)), false};
    case 'm': return {mem_or_zero(j.spec.mem_mb), true};
    case 'M': return {secs_or_invalid(job_time_used(j, now)), false};
    case 'n': return {j.spec.nodelist, false};
    case 'N': return {job_nodelist(j), false};
    case 'o': return {j.spec.batch ? "(null)" : join(j.spec.argv, " "), true};
    case 'p': return {str_printf("%16.14f", j.priority / 4294967295.0), true};
    case 'P': return {j.spec.partition, true};
    case 'Q': return {std::to_string(j.priority), true};
    case 'r': return {j.reason, true};
    case 'R': {
      const bool show_reason = (j.state == JobState::Pending || j.state == JobState::Timeout ||
                                j.state == JobState::OutOfMemory || j.state == JobState::Failed);
      if (show_reason) return {"(" + j.reason + ")", true};
      return {job_nodelist(j), false};
    }
    case 'S': return {time_or_na(j.start_time), true};
    case 't': return {state_code(j.state), true};
    case 'T': return {state_name(j.state), true};
    case 'u': return {user_of(j), true};
    case 'U': return {std::to_string(j.uid), true};
    case 'V': return {time_or_na(j.submit_time), true};
    case 'x': return {j.spec.exclude, false};
    case 'Z': return {j.spec.workdir, true};
    default: return {"", true};
  }
}

constexpr FieldName kSqueueNames[] = {
    {"Account", 'a'},    {"BatchHost", 'B'},    {"Command", 'o'},    {"Comment", 'k'},       {"Contiguous", 'O'},
    {"Dependency", 'E'}, {"EndTime", 'e'},      {"ExcNodes", 'x'},   {"Feature", 'f'},       {"Gres", 'b'},
    {"GroupId", 'G'},    {"GroupName", 'g'},    {"JobArrayId", 'i'}, {"JobId", 'A'},         {"Licenses", 'W'},
    {"MinCPUs", 'c'},    {"MinMemory", 'm'},    {"MinTmpDisk", 'd'}, {"Name", 'j'},          {"Nice", 'y'},
    {"NodeList", 'N'},   {"NumCPUs", 'C'},      {"NumNodes", 'D'},   {"OverSubscribe", 'h'}, {"Partition", 'P'},
    {"Priority", 'p'},   {"PriorityLong", 'Q'}, {"QOS", 'q'},        {"Reason", 'r'},        {"ReasonList", 'R'},
    {"ReqNodes", 'n'},   {"Reservation", 'v'},  {"StartTime", 'S'},  {"State", 'T'},         {"StateCompact", 't'},
    {"SubmitTime", 'V'}, {"TimeLeft", 'L'},     {"TimeLimit", 'l'},  {"TimeUsed", 'M'},      {"tres-per-node", 'b'},
    {"UserId", 'U'},     {"UserName", 'u'},     {"WCKey", 'w'},      {"WorkDir", 'Z'},
};

// ---- Job states -----------------------------------------------------------------------------------

struct StateName {
  const char* name;
  const char* code;
  std::optional<JobState> state;
};
constexpr StateName kStateNames[] = {
    {"PENDING", "PD", JobState::Pending},       {"RUNNING", "R", JobState::Running},
    {"SUSPENDED", "S", std::nullopt},           {"COMPLETED", "CD", JobState::Completed},
    {"CANCELLED", "CA", JobState::Cancelled},   {"FAILED", "F", JobState::Failed},
    {"TIMEOUT", "TO", JobState::Timeout},       {"NODE_FAIL", "NF", JobState::NodeFail},
    {"PREEMPTED", "PR", JobState::Preempted},   {"BOOT_FAIL", "BF", std::nullopt},
    {"DEADLINE", "DL", std::nullopt},           {"OUT_OF_MEMORY", "OOM", JobState::OutOfMemory},
    {"COMPLETING", "CG", JobState::Completing}, {"CONFIGURING", "CF", std::nullopt},
    {"RESIZING", "RS", std::nullopt},           {"RESV_DEL_HOLD", "RD", std::nullopt},
    {"REQUEUED", "RQ", std::nullopt},           {"REQUEUE_FED", "RF", std::nullopt},
    {"REQUEUE_HOLD", "RH", std::nullopt},       {"REVOKED", "RV", std::nullopt},
    {"SIGNALING", "SI", std::nullopt},          {"SPECIAL_EXIT", "SE", std::nullopt},
    {"STAGE_OUT", "SO", std::nullopt},          {"STOPPED", "ST", std::nullopt},
};

// ---- sinfo ---------------------------------------------------------------------------------------

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
    {"GROUPS", 'g'}, {"GRES", 'G'}, {"OVERSUBSCRIBE", 'h'}, {"TIMESTAMP", 'H'}, {"TIMELIMIT", 'l'},
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
    case 'w': return "1";
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

// ---- sacct ---------------------------------------------------------------------------------------

struct AcctSpec {
  const char* name;
  int width;
};
constexpr AcctSpec kAcctFields[] = {
    {"Account", 10},   {"AllocCPUS", 10},  {"AllocNodes", 10}, {"Comment", 14},   {"DerivedExitCode", 15},
    {"Elapsed", 10},   {"ElapsedRaw", 10}, {"Eligible", 19},   {"End", 19},       {"ExitCode", 8},
    {"GID", 6},        {"Group", 9},       {"JobID", -12},     {"JobIDRaw", -12}, {"JobName", 10},
    {"NCPUS", 10},     {"NNodes", 8},      {"NodeList", 15},   {"NTasks", 8},     {"Priority", 10},
    {"Partition", 10}, {"QOS", 10},        {"Reason", 22},     {"ReqCPUS", 8},    {"ReqMem", 10},
    {"ReqNodes", 8},   {"Restarts", 8},    {"Start", 19},      {"State", 10},     {"Submit", 19},
    {"Timelimit", 10}, {"User", 9},        {"UID", 6},         {"WorkDir", 20},
};

std::string acct_value(const Job& j, const std::string& name, Time now) {
  const Time limit = j.spec.time_limit;
  if (name == "Account" || name == "QOS") return "";
  if (name == "AllocCPUS" || name == "NCPUS") return std::to_string(j.alloc.empty() ? 0 : job_cpus(j));
  if (name == "AllocNodes") return std::to_string(j.alloc.size());
  if (name == "Comment") return j.spec.comment;
  if (name == "DerivedExitCode" || name == "ExitCode") return str_printf("%d:%d", j.exit_code, j.term_signal);
  if (name == "Elapsed") return format_hms(job_time_used(j, now));
  if (name == "ElapsedRaw") return std::to_string(job_time_used(j, now));
  if (name == "Eligible") return format_iso(j.eligible_time);
  if (name == "End") return format_iso(j.end_time);
  if (name == "GID") return std::to_string(j.gid);
  if (name == "Group") return group_of(j);
  if (name == "JobID" || name == "JobIDRaw") return std::to_string(j.id);
  if (name == "JobName") return j.spec.name;
  if (name == "NNodes") return std::to_string(job_node_count(j));
  if (name == "NodeList") return j.alloc.empty() ? "None assigned" : job_nodelist(j);
  if (name == "NTasks") return std::to_string(j.spec.ntasks);
  if (name == "Priority") return std::to_string(j.priority);
  if (name == "Partition") return j.spec.partition;
  if (name == "Reason") return j.reason.empty() ? "None" : j.reason;
  if (name == "ReqCPUS") return std::to_string(j.spec.ntasks * j.spec.cpus_per_task);
  if (name == "ReqMem") return mem_or_zero(j.spec.mem_mb);
  if (name == "ReqNodes") return std::to_string(j.spec.nodes);
  if (name == "Restarts") return std::to_string(j.restarts);
  if (name == "Start") return format_iso(j.start_time);
  if (name == "State") return state_name(j.state);
  if (name == "Submit") return format_iso(j.submit_time);
  if (name == "Timelimit") return limit == kNoValue ? "Partition_Limit" : format_hms(limit);
  if (name == "User") return user_of(j);
  if (name == "UID") return std::to_string(j.uid);
  if (name == "WorkDir") return j.spec.workdir;
  return "";
}

// print_fields_str: "value|" when parsable, else padded to the width with '+' marking a cut.
std::string acct_cell(std::string v, int width, Parsable p, bool last) {
  if (p == Parsable::NoEnding && last) return v;
  if (p != Parsable::No) return v + "|";
  const std::size_t w = static_cast<std::size_t>(std::abs(width));
  if (v.size() > w) v = v.substr(0, w - 1) + "+";
  return pad(v, static_cast<int>(w), width > 0) + " ";
}

}  // namespace

// ---- Shared helpers -------------------------------------------------------------------------------

std::optional<Json> perror_call(Client& c, const std::string& type, const Json& body, const std::string& what) {
  try {
    return c.call(type, body);
  } catch (const RpcError& e) {
    std::fprintf(stderr, "%s: %s\n", what.c_str(), e.what());
    return std::nullopt;
  }
}

std::string pad(std::string_view s, int width, bool right, bool cut) {
  std::string out(s);
  if (width <= 0) return out;
  const auto w = static_cast<std::size_t>(width);
  if (cut && out.size() > w) out.resize(w);
  if (out.size() < w) out = right ? std::string(w - out.size(), ' ') + out : out + std::string(w - out.size(), ' ');
  return out;
}

std::string sorted_hostlist(std::vector<std::string> names) {
  std::ranges::stable_sort(names, host_less);
  return compress_hostlist(names);
}

std::string job_nodelist(const Job& j) {
  std::vector<std::string> names;
  for (const auto& a : j.alloc) names.push_back(a.node);
  return sorted_hostlist(std::move(names));
}

Time job_time_used(const Job& j, Time now) {
  if (j.start_time == 0 || j.state == JobState::Pending) return 0;
  const Time end = j.state == JobState::Running || j.end_time == 0 ? now : j.end_time;
  return std::max<Time>(0, end - j.start_time);
}

std::string node_gres(const Node& n) {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& g : n.gpus) {
    auto it = std::ranges::find(counts, g.type, &std::pair<std::string, int>::first);
    if (it == counts.end())
      counts.emplace_back(g.type, 1);
    else
      ++it->second;
  }
  std::vector<std::string> parts;
  for (const auto& [type, count] : counts)
    parts.push_back("gpu:" + (type.empty() ? "" : type + ":") + std::to_string(count));
  return parts.empty() ? "(null)" : join(parts, ",");
}

// ---- Format engine --------------------------------------------------------------------------------

namespace {

// Widths past this are taken as this: Slurm pads to any width, so "%999999999i" would print a
// gigabyte per line.
constexpr int kMaxFieldWidth = 4096;

// The decimal width at `i` ("20" of "%.20i"), 0 when none; `i` moves past it.
int parse_width(std::string_view s, std::size_t& i) {
  int width = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') width = std::min(kMaxFieldWidth, width * 10 + (s[i++] - '0'));
  return width;
}

}  // namespace

Format parse_format(std::string_view spec) {
  Format f;
  const std::size_t first = spec.find('%');
  f.prefix = std::string(spec.substr(0, first));
  if (first == std::string_view::npos) return f;
  for (const std::string& token : split(spec.substr(first), '%')) {
    Field fd;
    std::size_t i = 0;
    if (token[i] == '.') fd.right = true, ++i;
    fd.width = parse_width(token, i);
    fd.code = i < token.size() ? token[i++] : 0;
    fd.suffix = token.substr(i);
    fd.token = "%" + token;
    f.fields.push_back(std::move(fd));
  }
  return f;
}

Format parse_long_format(std::string_view spec, std::span<const FieldName> names, std::vector<std::string>* unknown) {
  Format f;
  for (const std::string& item : split(spec, ',')) {
    Field fd;
    std::string name = item;
    if (const std::size_t colon = item.find(':'); colon != std::string::npos) {
      name = item.substr(0, colon);
      std::size_t i = colon + 1;
      if (i < item.size() && item[i] == '.') fd.right = true, ++i;
      fd.width = parse_width(item, i);
      fd.suffix = item.substr(i);
    } else {
      fd.width = 20;
    }
    const std::string lname = to_lower(name);
    const auto it = std::ranges::find_if(names, [&](const FieldName& n) { return to_lower(n.name) == lname; });
    if (it == names.end()) {
      unknown->push_back(name);
      continue;
    }
    fd.code = it->code;
    f.fields.push_back(std::move(fd));
  }
  return f;
}

// ---- squeue --------------------------------------------------------------------------------------

const std::span<const FieldName> kSqueueLongNames = kSqueueNames;

bool squeue_field_known(char code) { return title_of(kSqueueTitles, code) != nullptr; }

std::string squeue_header(const Format& f) {
  std::string out = f.prefix;
  for (const auto& fd : f.fields) {
    if (!squeue_field_known(fd.code)) {
      out += fd.token;
      continue;
    }
    const bool cut = fd.code != 'N' && fd.code != 'R';
    out += pad(title_of(kSqueueTitles, fd.code), fd.width, fd.right, cut) + fd.suffix;
  }
  return out + "\n";
}

std::string squeue_line(const Job& j, const Format& f, Time now) {
  std::string out = f.prefix;
  for (const auto& fd : f.fields) {
    if (!squeue_field_known(fd.code)) {
      out += fd.token;
      continue;
    }
    const auto [value, cut] = squeue_value(j, fd.code, now);
    out += pad(value, fd.width, fd.right, cut) + fd.suffix;
  }
  return out + "\n";
}

std::optional<char> sort_jobs(std::vector<Job>& jobs, std::string_view spec, Time now) {
  using Key = std::function<int(const Job&, const Job&)>;
  const auto by = [](auto get) -> Key {
    return [get](const Job& a, const Job& b) {
      const auto x = get(a), y = get(b);
      return x < y ? -1 : y < x ? 1 : 0;
    };
  };
  const auto start_key = [now](const Job& j) {
    if (j.start_time == 0) return now + 100;
    return j.state == JobState::Pending && j.start_time < now ? now : j.start_time;
  };
  std::ranges::stable_sort(jobs, [&](const Job& a, const Job& b) { return start_key(a) > start_key(b); });
  for (std::size_t i = spec.size(); i-- > 0;) {
    const char c = spec[i];
    if (c == ',' || c == '+' || c == '-') continue;
    const bool reverse = i > 0 && spec[i - 1] == '-';
    Key cmp;
    switch (c) {
      case 'i': cmp = by([](const Job& j) { return j.id; }); break;
      case 'P': cmp = by([](const Job& j) { return j.spec.partition; }); break;
      case 't': cmp = by([](const Job& j) { return std::string(state_code(j.state)); }); break;
      case 'T': cmp = by([](const Job& j) { return std::string(state_name(j.state)); }); break;
      case 'p':
      case 'Q': cmp = by([](const Job& j) { return j.priority; }); break;
      case 'u': cmp = by(user_of); break;
      case 'U': cmp = by([](const Job& j) { return j.uid; }); break;
      case 'g': cmp = by(group_of); break;
      case 'G': cmp = by([](const Job& j) { return j.gid; }); break;
      case 'j': cmp = by([](const Job& j) { return j.spec.name; }); break;
      case 'M': cmp = by([now](const Job& j) { return job_time_used(j, now); }); break;
      case 'l':  // UNLIMITED sorts last, as Slurm's INFINITE
        cmp = by([](const Job& j) { return static_cast<std::uint64_t>(j.spec.time_limit); });
        break;
      case 'L':
        cmp = by([now](const Job& j) {
          return j.spec.time_limit < 0 ? INT64_MAX : j.spec.time_limit - job_time_used(j, now);
        });
        break;
      case 'D': cmp = by(job_node_count); break;
      case 'C': cmp = by(job_cpus); break;
      case 'S': cmp = by(start_key); break;
      case 'V': cmp = by([](const Job& j) { return j.submit_time; }); break;
      case 'e': cmp = by(job_end); break;
      case 'B': cmp = by([](const Job& j) { return j.alloc.empty() ? std::string() : j.alloc.front().node; }); break;
      case 'N':
        cmp = [](const Job& a, const Job& b) {
          const std::string x = a.alloc.empty() ? "" : a.alloc.front().node;
          const std::string y = b.alloc.empty() ? "" : b.alloc.front().node;
          return host_less(x, y) ? -1 : host_less(y, x) ? 1 : 0;
        };
        break;
      case 'm': cmp = by([](const Job& j) { return j.spec.mem_mb; }); break;
      case 'b':  // keys on which all Sluice jobs are alike
      case 'c':
      case 'd':
      case 'f':
      case 'h':
      case 'H':
      case 'I':
      case 'J':
      case 'n':
      case 'O':
      case 'v':
      case 'z': continue;
      default: return c;
    }
    std::ranges::stable_sort(jobs, [&](const Job& a, const Job& b) {
      const int d = cmp(a, b);
      return reverse ? d > 0 : d < 0;
    });
  }
  return std::nullopt;
}

const char* const kJobStateList =
    "pending,running,suspended,completed,cancelled,failed,timeout,node_fail,preempted,boot_fail,deadline,"
    "out_of_memory,completing,configuring,resizing,resv_del_hold,requeued,requeue_fed,requeue_hold,revoked,"
    "signaling,special_exit,stage_out,stopped";

std::optional<StateFilter> parse_job_state(std::string_view name) {
  const std::string upper = [&] {
    std::string s(name);
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }();
  for (const auto& s : kStateNames)
    if (upper == s.name || upper == s.code) return StateFilter{s.state};
  return std::nullopt;
}

bool state_matches(const Job& j, const StateFilter& f) { return f.state && j.state == *f.state; }

// ---- sinfo ---------------------------------------------------------------------------------------

constexpr FieldName kSinfoNames[] = {
    {"available", 'a'},     {"cluster", 'V'},      {"cpus", 'c'},
    {"cpusload", 'O'},      {"cpusstate", 'C'},    {"defaulttime", 'L'},
    {"disk", 'd'},          {"features", 'f'},     {"freemem", 'e'},
    {"gres", 'G'},          {"groups", 'g'},       {"memory", 'm'},
    {"nodeaddr", 'o'},      {"nodeai", 'A'},       {"nodeaiot", 'F'},
    {"nodehost", 'n'},      {"nodelist", 'N'},     {"nodes", 'D'},
    {"oversubscribe", 'h'}, {"partition", 'P'},    {"partitionname", 'R'},
    {"preemptmode", 'M'},   {"prioritytier", 'p'}, {"reason", 'E'},
    {"root", 'r'},          {"size", 's'},         {"socketcorethread", 'z'},
    {"statecompact", 't'},  {"statelong", 'T'},    {"time", 'l'},
    {"timestamp", 'H'},     {"user", 'u'},         {"userlong", 'U'},
    {"version", 'v'},       {"weight", 'w'},
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
    std::string out = f.prefix;
    for (const auto& fd : f.fields) out += sinfo_field_known(fd.code) ? cell(g, fd) + fd.suffix : fd.token;
    return out + "\n";
  };
  std::string out = header ? line(nullptr) : "";
  for (const Group& g : groups) out += line(&g);
  return out;
}

// ---- scontrol show -------------------------------------------------------------------------------

std::string show_job(const Job& j, Time now, const std::vector<Node>& nodes, const std::vector<Partition>& parts,
                     bool details, bool one_liner) {
  const Time limit = j.spec.time_limit;
  const std::string exit = str_printf("%d:%d", j.exit_code, j.term_signal);
  const std::string cpus = std::to_string(job_cpus(j)), node_count = std::to_string(job_node_count(j));
  std::uint64_t mem = j.spec.mem_mb * j.spec.nodes;
  if (!j.alloc.empty()) {
    mem = 0;
    for (const auto& a : j.alloc) mem += a.mem_mb;
  }
  const auto part = std::ranges::find(parts, j.spec.partition, &Partition::name);
  const auto gpu_type = [&](const NodeAlloc& a) {  // the type of the first GPU allocated on a node
    const auto n = std::ranges::find(nodes, a.node, &Node::name);
    if (n == nodes.end() || a.gpus.empty()) return std::string();
    const auto g = std::ranges::find(n->gpus, a.gpus.front(), &Gpu::index);
    return g == n->gpus.end() ? std::string() : g->type;
  };
  const auto gres = [](const std::string& type, std::size_t count) {
    return "gpu:" + (type.empty() ? "" : type + ":") + std::to_string(count);
  };

  std::vector<std::string> l;
  l.push_back("JobId=" + std::to_string(j.id) + " JobName=" + j.spec.name);
  l.push_back(
      str_printf("UserId=%s(%u) GroupId=%s(%u) MCS_label=N/A", user_of(j).c_str(), j.uid, group_of(j).c_str(), j.gid));
  l.push_back(str_printf("Priority=%u Nice=0 Account=(null) QOS=(null)", j.priority));
  l.push_back(std::string("JobState=") + state_name(j.state) + " Reason=" + j.reason +
              " Dependency=" + (j.spec.depends.empty() ? "(null)" : dependency_string(j.spec.depends)));
  l.push_back(str_printf("Requeue=%d Restarts=%u BatchFlag=%d Reboot=0 ExitCode=%s", j.spec.requeue, j.restarts,
                         j.spec.batch, exit.c_str()));
  if (details) l.push_back("DerivedExitCode=" + exit);
  l.push_back("RunTime=" + format_hms(job_time_used(j, now)) +
              " TimeLimit=" + (limit == kNoValue ? "Partition_Limit" : format_hms(limit)) + " TimeMin=N/A");
  l.push_back("SubmitTime=" + format_iso(j.submit_time) + " EligibleTime=" + format_iso(j.eligible_time));
  l.push_back("AccrueTime=" + format_iso(j.spec.hold ? 0 : j.eligible_time));
  l.push_back("StartTime=" + format_iso(j.start_time) + " EndTime=" + format_iso(job_end(j)) + " Deadline=N/A");
  if (part != parts.end() && part->preempt_mode != PreemptMode::Off && j.state != JobState::Pending)
    l.push_back("PreemptEligibleTime=" + format_iso(j.start_time) +
                " PreemptTime=" + format_iso(j.state == JobState::Preempted ? j.end_time : 0, "None"));
  l.push_back("SuspendTime=None SecsPreSuspend=0 LastSchedEval=" +
              format_iso(j.start_time ? j.start_time : j.submit_time) + " Scheduler=Main");
  l.push_back("Partition=" + j.spec.partition +
              " AllocNode:Sid=" + (j.spec.submit_host.empty() ? "localhost" : j.spec.submit_host) + ":0");
  l.push_back("ReqNodeList=" + or_null(j.spec.nodelist) + " ExcNodeList=" + or_null(j.spec.exclude));
  l.push_back("NodeList=" + (j.alloc.empty() && !j.restarts ? "(null)" : job_nodelist(j)));
  if (!j.alloc.empty()) l.push_back("BatchHost=" + j.alloc.front().node);
  l.push_back("NumNodes=" + node_count + " NumCPUs=" + cpus +
              str_printf(" NumTasks=%u CPUs/Task=%u", j.spec.ntasks, j.spec.cpus_per_task) + " ReqB:S:C:T=0:0:*:*");
  l.push_back("TRES=cpu=" + cpus + (mem ? ",mem=" + format_mem_mb(mem) : "") + ",node=" + node_count +
              ",billing=" + cpus);
  l.push_back("Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*");
  if (details && !j.alloc.empty()) {
    std::size_t gpus = 0;
    std::string job_type;
    std::vector<std::pair<std::string, std::string>> rows;  // (node, "CPU_IDs=... GRES=...")
    for (const auto& a : j.alloc) {
      gpus += a.gpus.size();
      const std::string type = gpu_type(a);
      if (!a.gpus.empty() && job_type.empty()) job_type = type;
      std::string idx;  // "0-1,3", as Slurm's bit_fmt
      for (std::size_t i = 0; i < a.gpus.size();) {
        std::size_t k = i;
        while (k + 1 < a.gpus.size() && a.gpus[k + 1] == a.gpus[k] + 1) ++k;
        idx += (idx.empty() ? "" : ",") + std::to_string(a.gpus[i]) + (k > i ? "-" + std::to_string(a.gpus[k]) : "");
        i = k + 1;
      }
      const std::string cpu_ids = a.cpus > 1 ? str_printf("0-%u", a.cpus - 1) : "0";
      const std::string g = a.gpus.empty() ? "" : gres(type, a.gpus.size()) + "(IDX:" + idx + ")";
      rows.emplace_back(a.node, "CPU_IDs=" + cpu_ids + " Mem=" + std::to_string(a.mem_mb) + " GRES=" + g);
    }
    l.push_back("JOB_GRES=" + (gpus ? gres(job_type, gpus) : std::string("(null)")));
    for (std::size_t i = 0; i < rows.size();) {  // consecutive nodes alike share a line
      std::vector<std::string> names;
      std::size_t k = i;
      for (; k < rows.size() && rows[k].second == rows[i].second; ++k) names.push_back(rows[k].first);
      l.push_back("  Nodes=" + sorted_hostlist(names) + " " + rows[i].second);
      i = k;
    }
  }
  l.push_back(str_printf("MinCPUsNode=%u MinMemoryNode=", j.spec.cpus_per_task) + mem_or_zero(j.spec.mem_mb) +
              " MinTmpDiskNode=0");
  l.push_back("Features=(null) DelayBoot=00:00:00");
  l.push_back("OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)");
  l.push_back("Command=" + (j.spec.batch || j.spec.argv.empty() ? "(null)" : join(j.spec.argv, " ")));
  l.push_back("WorkDir=" + j.spec.workdir);
  if (j.spec.batch) {
    const PatternVars vars{j.id, j.spec.name, user_of(j), "", j.spec.workdir};
    const std::string out =
        !j.stdout_path.empty()
            ? j.stdout_path
            : expand_output_pattern(j.spec.stdout_pattern.empty() ? "slurm-%j.out" : j.spec.stdout_pattern, vars);
    const std::string err = !j.stderr_path.empty()          ? j.stderr_path
                            : j.spec.stderr_pattern.empty() ? out
                                                            : expand_output_pattern(j.spec.stderr_pattern, vars);
    l.push_back("StdErr=" + err);
    l.push_back("StdIn=" + (j.spec.stdin_path.empty() ? std::string("/dev/null") : j.spec.stdin_path));
    l.push_back("StdOut=" + out);
  }
  l.push_back("Power=");
  if (j.spec.gpus) l.push_back("TresPerJob=" + gres_request(j, j.spec.gpus));
  if (j.spec.gpus_per_node) l.push_back("TresPerNode=" + gres_request(j, j.spec.gpus_per_node));
  l.emplace_back();
  return join(l, one_liner ? " " : "\n   ") + (one_liner ? "\n" : "\n\n");
}

std::string show_node(const Node& n, bool one_liner) {
  const bool heard = n.last_seen != 0;
  std::vector<std::string> l;
  l.push_back("NodeName=" + n.name + " " + (n.arch.empty() ? "" : "Arch=" + n.arch + " ") +
              str_printf("CoresPerSocket=%u ", n.cpus));
  l.push_back(str_printf("CPUAlloc=%u CPUEfctv=%u CPUTot=%u CPULoad=", n.alloc_cpus, n.cpus, n.cpus) +
              (heard ? str_printf("%.2f", n.cpu_load) : "N/A"));
  l.push_back("AvailableFeatures=" + or_null(n.features));
  l.push_back("ActiveFeatures=" + or_null(n.features));
  l.push_back("Gres=" + node_gres(n));
  l.push_back("NodeAddr=" + (n.addr.empty() ? n.name : n.addr) + " NodeHostName=" +
              (n.hostname.empty() ? n.name : n.hostname) + (n.version.empty() ? " " : " Version=" + n.version));
  if (!n.os.empty()) l.push_back("OS=" + n.os + " ");
  l.push_back(str_printf("RealMemory=%llu AllocMem=%llu FreeMem=", static_cast<unsigned long long>(n.mem_mb),
                         static_cast<unsigned long long>(n.alloc_mem_mb)) +
              (heard ? std::to_string(n.free_mem_mb) : "N/A") + " Sockets=1 Boards=1");
  l.push_back("State=" + node_state_long(n) + " ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A");
  if (!n.partitions.empty()) l.push_back("Partitions=" + join(n.partitions, ",") + " ");
  l.push_back("BootTime=" + format_iso(n.boot_time, "None") +
              " SlurmdStartTime=" + format_iso(n.agent_start_time, "None"));
  l.push_back("LastBusyTime=" + format_iso(n.last_busy));
  l.push_back(str_printf("CfgTRES=cpu=%u,mem=", n.cpus) + format_mem_mb(n.mem_mb) + str_printf(",billing=%u", n.cpus));
  std::vector<std::string> alloc;
  if (n.alloc_cpus) alloc.push_back(str_printf("cpu=%u", n.alloc_cpus));
  if (n.alloc_mem_mb) alloc.push_back("mem=" + format_mem_mb(n.alloc_mem_mb));
  l.push_back("AllocTRES=" + join(alloc, ","));
  l.push_back("CapWatts=n/a");
  l.push_back("CurrentWatts=0 AveWatts=0");
  l.push_back("ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s");
  if (!n.reason.empty())
    l.push_back("Reason=" + n.reason +
                (n.reason_time ? " [" + n.reason_user + "@" + format_iso(n.reason_time) + "]" : ""));
  return join(l, one_liner ? " " : "\n   ") + (one_liner ? "\n" : "\n\n");
}

std::string show_partition(const Partition& p, const std::vector<Node>& nodes, bool one_liner) {
  std::uint32_t cpus = 0;
  std::uint64_t mem = 0;
  for (const Node& n : nodes)
    if (std::ranges::find(p.nodes, n.name) != p.nodes.end()) cpus += n.cpus, mem += n.mem_mb;
  const std::string node_count = std::to_string(p.nodes.size()), cpu_count = std::to_string(cpus);
  const auto time = [](Time t) { return t == kNoValue ? std::string("NONE") : format_hms(t); };
  std::vector<std::string> l;
  l.push_back("PartitionName=" + p.name);
  l.push_back("AllowGroups=" + (p.allow_groups.empty() ? "ALL" : join(p.allow_groups, ",")) +
              (p.allow_users.empty() ? "" : " AllowUsers=" + join(p.allow_users, ",")) +
              " AllowAccounts=ALL AllowQos=ALL");
  l.push_back(std::string("AllocNodes=ALL Default=") + (p.is_default ? "YES" : "NO") + " QoS=N/A");
  l.push_back("DefaultTime=" + time(p.default_time) + " DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO");
  l.push_back("MaxNodes=" + (p.max_nodes ? std::to_string(p.max_nodes) : "UNLIMITED") + " MaxTime=" + time(p.max_time) +
              " MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED");
  l.push_back("Nodes=" + (p.nodes_expr.empty() ? sorted_hostlist(p.nodes) : p.nodes_expr));
  l.push_back(
      str_printf("PriorityJobFactor=1 PriorityTier=%u RootOnly=NO ReqResv=NO OverSubscribe=NO", p.priority_tier));
  l.push_back(std::string("OverTimeLimit=NONE PreemptMode=") + preempt_name(p.preempt_mode));
  l.push_back(std::string("State=") + (p.up ? "UP" : "DOWN") + " TotalCPUs=" + cpu_count + " TotalNodes=" + node_count +
              " SelectTypeParameters=NONE");
  l.push_back("JobDefaults=(null)");
  l.push_back("DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED");
  l.push_back("TRES=cpu=" + cpu_count + (mem ? ",mem=" + format_mem_mb(mem) : "") + ",node=" + node_count +
              ",billing=" + cpu_count);
  return join(l, one_liner ? " " : "\n   ") + (one_liner ? "\n" : "\n\n");
}

// ---- sacct ---------------------------------------------------------------------------------------

std::optional<std::vector<AcctField>> parse_acct_fields(std::string_view spec, std::string* bad) {
  std::vector<AcctField> out;
  for (const std::string& item : split(spec, ',')) {
    const std::size_t pct = item.find('%');
    const std::string name = to_lower(item.substr(0, pct));
    const auto it = std::ranges::find_if(kAcctFields, [&](const AcctSpec& s) {
      return !name.empty() && to_lower(s.name).compare(0, name.size(), name) == 0;
    });
    if (it == std::end(kAcctFields)) {
      *bad = item;
      return std::nullopt;
    }
    AcctField f{it->name, it->width};
    if (pct != std::string::npos) {
      const long w = std::strtol(item.c_str() + pct + 1, nullptr, 10);  // "%-20": left-justified
      if (w) f.width = static_cast<int>(std::clamp<long>(w, -kMaxFieldWidth, kMaxFieldWidth));
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string sacct_header(const std::vector<AcctField>& fields, Parsable p) {
  std::string out, dashes;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const AcctField& f = fields[i];
    if (p == Parsable::NoEnding && i + 1 == fields.size())
      out += f.name;
    else if (p != Parsable::No)
      out += f.name + "|";
    else
      out += pad(f.name, std::abs(f.width), f.width > 0) + " ";
    dashes += std::string(static_cast<std::size_t>(std::abs(f.width)), '-') + " ";
  }
  return out + "\n" + (p == Parsable::No ? dashes + "\n" : "");
}

std::string sacct_line(const Job& j, const std::vector<AcctField>& fields, Parsable p, Time now) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i)
    out += acct_cell(acct_value(j, fields[i].name, now), fields[i].width, p, i + 1 == fields.size());
  return out + "\n";
}

}  // namespace sluice::cli
