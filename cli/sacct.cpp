// sacct [options]: accounting records of jobs, finished or not, as Slurm 22.05 prints them.
#include "cli/sacct.hpp"

#include <getopt.h>
#include <unistd.h>

#include <algorithm>
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
#include "core/slurm/mem.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

// ---- Printing ------------------------------------------------------------------------------------

namespace {

struct AcctSpec {
  const char* name;
  int width;
};
constexpr AcctSpec kAcctFields[] = {
    {"Account", 10},   {"AllocCPUS", 10},  {"AllocNodes", 10},
    {"AllocTRES", 10}, {"Comment", 14},    {"DerivedExitCode", 15},
    {"Elapsed", 10},   {"ElapsedRaw", 10}, {"Eligible", 19},
    {"End", 19},       {"ExitCode", 8},    {"GID", 6},
    {"Group", 9},      {"JobID", -12},     {"JobIDRaw", -12},
    {"JobName", 10},   {"NCPUS", 10},      {"NNodes", 8},
    {"NodeList", 15},  {"NTasks", 8},      {"Priority", 10},
    {"Partition", 10}, {"QOS", 10},        {"Reason", 22},
    {"ReqCPUS", 8},    {"ReqMem", 10},     {"ReqNodes", 8},
    {"ReqTRES", 10},   {"Restarts", 8},    {"Start", 19},
    {"State", 10},     {"Submit", 19},     {"SystemComment", 15},
    {"Timelimit", 10}, {"User", 9},        {"UID", 6},
    {"WorkDir", 20},
};

// sacct's TRES strings, sorted by name as sacct prints them:
// "billing=2,cpu=2,gres/gpu=1,gres/gpu:t4=1,mem=8G,node=1". `allocated`: what the job held, else
// what it asked for.
std::string acct_tres(const Job& j, const GpuCount& gpus, bool allocated) {
  std::uint64_t mem = j.spec.mem_mb * j.spec.nodes;
  std::uint32_t cpus = j.spec.ntasks * j.spec.cpus_per_task, nodes = j.spec.nodes;
  if (allocated) {
    mem = 0, cpus = 0, nodes = static_cast<std::uint32_t>(j.alloc.size());
    for (const auto& a : j.alloc) mem += a.mem_mb, cpus += a.cpus;
  }
  std::string out = "billing=" + std::to_string(cpus) + ",cpu=" + std::to_string(cpus);
  if (const std::string g = gpu_tres(gpus); !g.empty()) out += "," + g;
  if (mem) out += ",mem=" + format_mem_mb(mem);
  return out + ",node=" + std::to_string(nodes);
}

std::string acct_value(const Job& j, const std::string& name, Time now) {
  const Time limit = j.spec.time_limit;
  if (name == "Account" || name == "QOS") return "";
  if (name == "AllocCPUS" || name == "NCPUS") return std::to_string(j.alloc.empty() ? 0 : job_cpus(j));
  if (name == "AllocNodes") return std::to_string(j.alloc.size());
  if (name == "AllocTRES") return j.alloc.empty() ? "" : acct_tres(j, job_gpus_allocated(j), true);
  if (name == "ReqTRES") return acct_tres(j, job_gpus_requested(j), false);
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
  if (name == "Start") return format_iso(j.state == JobState::Pending ? 0 : j.start_time);  // Unknown while pending
  if (name == "State") return state_name(j.state);
  if (name == "Submit") return format_iso(j.submit_time);
  if (name == "SystemComment") return j.system_comment;
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

// ---- The command ---------------------------------------------------------------------------------
namespace {

constexpr const char* kProg = "sacct";

constexpr const char* kHelp =
    "sacct [<OPTION>]\n"
    "    Valid <OPTION> values are:\n"
    "     -a, --allusers:\n"
    "\t           Display jobs for all users. By default, only the\n"
    "\t           current user's jobs are displayed.  If ran by user root\n"
    "\t           this is the default.\n"
    "     -b, --brief:\n"
    "\t           Equivalent to '--format=jobid,state,exitcode'.\n"
    "     -D, --duplicates:\n"
    "\t           If Slurm job ids are reset, some job numbers will\n"
    "\t           probably appear more than once refering to different jobs.\n"
    "     -e, --helpformat:\n"
    "\t           Print a list of fields that can be specified with the\n"
    "\t           '--format' option\n"
    "     -h, --help: Print this description of use.\n"
    "     -j, --jobs:\n"
    "\t           Format is <job(.step)>. Display information about this\n"
    "\t           job or comma-separated list of jobs.\n"
    "     --name:\n"
    "\t           Display jobs that have any of these name(s).\n"
    "     -n, --noheader:\n"
    "\t           No header will be added to the beginning of output.\n"
    "     -o, --format:\n"
    "\t           Comma separated list of fields. (use \"--helpformat\"\n"
    "\t           for a list of available fields).\n"
    "     -p, --parsable: output will be '|' delimited with a '|' at the end\n"
    "     -P, --parsable2: output will be '|' delimited without a '|' at the end\n"
    "     -r, --partition:\n"
    "\t           Comma separated list of partitions to select jobs and\n"
    "\t           job steps from. The default is all partitions.\n"
    "     -s, --state:\n"
    "\t           Select jobs based on their current state.\n"
    "     -S, --starttime:\n"
    "\t           Select jobs eligible after this time.  Default is\n"
    "\t           00:00:00 of the current day, unless '-s' or '-j' is set.\n"
    "     -u, --user:\n"
    "\t           Use this comma separated list of user names to select jobs.\n"
    "     -V, --version: Print version.\n"
    "     -X, --allocations:\n"
    "\t           Only show statistics relevant to the job allocation\n"
    "\t           itself, not taking steps into consideration.\n";

constexpr std::string_view kFieldNames[] = {
    "Account", "AllocCPUS", "AllocNodes", "Comment",  "DerivedExitCode", "Elapsed",  "ElapsedRaw",    "Eligible",
    "End",     "ExitCode",  "GID",        "Group",    "JobID",           "JobIDRaw", "JobName",       "NCPUS",
    "NNodes",  "NodeList",  "NTasks",     "Priority", "Partition",       "QOS",      "Reason",        "ReqCPUS",
    "ReqMem",  "ReqNodes",  "Restarts",   "Start",    "State",           "Submit",   "SystemComment", "Timelimit",
    "User",    "UID",       "WorkDir"};

// "2026-11-26", "2026-11-26T03:52[:09]", "now", "today" or "midnight": local time.
std::optional<Time> parse_start(const std::string& s) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  const std::string l = to_lower(s);
  if (l == "now") return now;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  if (l != "today" && l != "midnight") {
    int n = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3) return std::nullopt;
    if (s[static_cast<std::size_t>(n)] == 'T') {
      int m = 0;
      const int got = std::sscanf(s.c_str() + n + 1, "%d:%d%n:%d%n", &tm.tm_hour, &tm.tm_min, &m, &tm.tm_sec, &m);
      if (got < 2) return std::nullopt;
      n += 1 + m;
    }
    if (static_cast<std::size_t>(n) != s.size()) return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
  }
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

}  // namespace

int sacct(int argc, char** argv) {
  enum { kUsageOpt = 0x100, kNameOpt };
  static const option kOptions[] = {{"allusers", no_argument, nullptr, 'a'},
                                    {"allocations", no_argument, nullptr, 'X'},
                                    {"allclusters", no_argument, nullptr, 'L'},
                                    {"brief", no_argument, nullptr, 'b'},
                                    {"duplicates", no_argument, nullptr, 'D'},
                                    {"format", required_argument, nullptr, 'o'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {"helpformat", no_argument, nullptr, 'e'},
                                    {"jobs", required_argument, nullptr, 'j'},
                                    {"name", required_argument, nullptr, kNameOpt},
                                    {"noheader", no_argument, nullptr, 'n'},
                                    {"parsable", no_argument, nullptr, 'p'},
                                    {"parsable2", no_argument, nullptr, 'P'},
                                    {"partition", required_argument, nullptr, 'r'},
                                    {"starttime", required_argument, nullptr, 'S'},
                                    {"state", required_argument, nullptr, 's'},
                                    {"usage", no_argument, nullptr, kUsageOpt},
                                    {"user", required_argument, nullptr, 'u'},
                                    {"verbose", no_argument, nullptr, 'v'},
                                    {"version", no_argument, nullptr, 'V'},
                                    {nullptr, 0, nullptr, 0}};

  std::string format;
  bool brief = false, no_header = false, all_users = false, duplicates = false;
  Parsable parsable = Parsable::No;
  std::vector<std::uint64_t> ids;
  std::vector<std::string> users, partitions, names;
  std::vector<StateFilter> states;
  std::optional<Time> since;
  optind = 0;
  for (int c; (c = getopt_long(argc, argv, "abDehj:LnNo:pPr:s:S:u:vVX", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'a': all_users = true; break;
      case 'b': brief = true; break;
      case 'D': duplicates = true; break;
      case 'L':
      case 'N':
      case 'v':
      case 'X': break;
      case 'e':
        for (std::size_t i = 0; i < std::size(kFieldNames); ++i)
          std::printf("%-20s%s", std::string(kFieldNames[i]).c_str(), i % 4 == 3 ? "\n" : "");
        std::printf("\n");
        return 0;
      case 'h':
      case kUsageOpt: std::fputs(kHelp, stdout); return 0;
      case 'j':
        for (const auto& tok : split(optarg, ',')) {
          const auto id = parse_uint(tok.substr(0, tok.find('.')));
          if (!id) {
            error(kProg, "Invalid job id: " + tok);
            return 1;
          }
          ids.push_back(*id);
        }
        break;
      case 'n': no_header = true; break;
      case 'o': format += (format.empty() ? "" : ",") + std::string(optarg); break;
      case 'p': parsable = Parsable::Ending; break;
      case 'P': parsable = Parsable::NoEnding; break;
      case 'r': partitions = split(optarg, ','); break;
      case kNameOpt: names = split(optarg, ','); break;
      case 's':
        for (const auto& s : split(optarg, ',')) {
          auto f = parse_job_state(s);
          if (!f) {
            error(kProg, "Invalid state: " + s);
            return 1;
          }
          states.push_back(*f);
        }
        break;
      case 'S':
        since = parse_start(optarg);
        if (!since) {
          error(kProg, std::string("Invalid time specification: ") + optarg);
          return 1;
        }
        break;
      case 'u':
        for (const auto& u : split(optarg, ',')) {
          if (!valid_utf8(u)) {  // the controller keeps names as UTF-8: no such user
            error(kProg, "Invalid user name: " + printable(u));
            return 1;
          }
          users.push_back(u);
        }
        break;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); return 0;
      default: std::fprintf(stderr, "Try \"sacct --help\" for more information\n"); return 1;
    }
  }
  std::string bad;
  const auto fields = parse_acct_fields(!format.empty() ? std::string_view(format)
                                        : brief         ? kSacctBriefFormat
                                                        : kSacctFormat,
                                        &bad);
  if (!fields) {
    std::fprintf(stderr, "Invalid field requested: \"%s\"\n", bad.c_str());
    return 1;
  }
  if (!since && ids.empty() && states.empty()) since = parse_start("today");
  if (!no_header) std::fputs(sacct_header(*fields, parsable).c_str(), stdout);

  auto rpc = Rpc::open(kProg);
  if (!rpc) return kExitError;
  // One query per user named; without names: the given jobs, everybody's (-a, or root), or the caller's.
  std::vector<Json> queries;
  if (!ids.empty())
    queries.push_back({{"ids", ids}});
  else if (!users.empty())
    for (const auto& u : users) queries.push_back({{"user", u}});
  else if (all_users || getuid() == 0)
    queries.push_back({{"all_users", true}});
  else
    queries.push_back(Json::object());
  std::vector<Job> jobs;
  Time now = std::time(nullptr);
  for (auto& q : queries) {
    if (since) q["since"] = *since;
    if (duplicates) q["duplicates"] = true;
    const auto reply = rpc->call_or_error("acct", q);
    if (!reply) return 1;
    for (auto& j : reply->at("jobs").get<std::vector<Job>>()) jobs.push_back(std::move(j));
    now = reply->value("now", now);
  }
  // A job's runs (-D) in order, its current record last (it has the highest restart count).
  auto key = [](const Job& j) { return std::pair(j.id, j.restarts); };
  std::ranges::sort(jobs, {}, key);
  const auto [dup_begin, dup_end] = std::ranges::unique(jobs, {}, key);
  jobs.erase(dup_begin, dup_end);
  std::string out;
  for (const auto& j : jobs) {
    if (!partitions.empty() && std::ranges::find(partitions, j.spec.partition) == partitions.end()) continue;
    if (!names.empty() && std::ranges::find(names, j.spec.name) == names.end()) continue;
    if (!states.empty() &&
        std::ranges::none_of(states, [&](const StateFilter& f) { return f.state && j.state == *f.state; }))
      continue;
    out += sacct_line(j, *fields, parsable, now);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace sluice::cli
