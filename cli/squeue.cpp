// squeue [options]: the job queue, as Slurm 22.05 prints it.
#include "cli/squeue.hpp"

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
#include "core/slurm/hostlist.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

// ---- Printing ------------------------------------------------------------------------------------

namespace {

constexpr Time kYear = 365 * 86400;

// Fields that only -O/--Format names (Slurm has no %-letter for them).
constexpr char kTresPerJob = '\x01';
constexpr char kTresPerTask = '\x02';

std::string or_na(const std::string& s) { return s.empty() ? "N/A" : s; }

// squeue's _print_secs: "INVALID" outside [0, one year].
std::string secs_or_invalid(Time secs) { return secs < 0 || secs > kYear ? "INVALID" : format_elapsed(secs); }

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
    {"LICENSES", 'W'}, {"EXC_NODES", 'x'}, {"NICE", 'y'}, {"SCHEDNODES", 'Y'}, {"WORK_DIR", 'Z'},
    {"TRES_PER_JOB", kTresPerJob}, {"TRES_PER_TASK", kTresPerTask},
};
// clang-format on

// A field's value and whether it is cut to the field's width (Slurm never cuts times and node lists).
std::pair<std::string, bool> squeue_value(const Job& j, char code, Time now) {
  const auto time_or_na = [](Time t) { return t ? format_iso(t) : std::string("N/A"); };
  const Time limit = j.spec.time_limit;
  switch (code) {
    case 'a':
    case 'q':
    case 'v':
    case 'w':
    case 'W': return {"(null)", true};
    case 'A':
    case 'F':
    case 'i': return {std::to_string(j.id), true};
    case 'b': return {or_na(tres_per_node(j)), true};
    case kTresPerJob: return {or_na(tres_per_job(j)), true};
    case kTresPerTask: return {or_na(tres_per_task(j)), true};
    case 'f': return {or_null(j.spec.constraint), true};
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
    case 'Y': return {"(null)", true};  // the nodes a pending job's reservation holds: not reported
    case 'Z': return {j.spec.workdir, true};
    default: return {"", true};
  }
}

constexpr FieldName kSqueueNames[] = {
    {"Account", 'a'},
    {"BatchHost", 'B'},
    {"Command", 'o'},
    {"Comment", 'k'},
    {"Contiguous", 'O'},
    {"Dependency", 'E'},
    {"EndTime", 'e'},
    {"ExcNodes", 'x'},
    {"Feature", 'f'},
    {"Gres", 'b'},
    {"GroupId", 'G'},
    {"GroupName", 'g'},
    {"JobArrayId", 'i'},
    {"JobId", 'A'},
    {"Licenses", 'W'},
    {"MinCPUs", 'c'},
    {"MinMemory", 'm'},
    {"MinTmpDisk", 'd'},
    {"Name", 'j'},
    {"Nice", 'y'},
    {"NodeList", 'N'},
    {"NumCPUs", 'C'},
    {"NumNodes", 'D'},
    {"OverSubscribe", 'h'},
    {"Partition", 'P'},
    {"Priority", 'p'},
    {"PriorityLong", 'Q'},
    {"QOS", 'q'},
    {"Reason", 'r'},
    {"ReasonList", 'R'},
    {"ReqNodes", 'n'},
    {"Reservation", 'v'},
    {"StartTime", 'S'},
    {"State", 'T'},
    {"StateCompact", 't'},
    {"SubmitTime", 'V'},
    {"TimeLeft", 'L'},
    {"TimeLimit", 'l'},
    {"TimeUsed", 'M'},
    {"tres-per-node", 'b'},
    {"tres-per-job", kTresPerJob},
    {"tres-per-task", kTresPerTask},
    {"UserId", 'U'},
    {"UserName", 'u'},
    {"WCKey", 'w'},
    {"WorkDir", 'Z'},
};

}  // namespace

const std::span<const FieldName> kSqueueLongNames = kSqueueNames;

bool squeue_field_known(char code) { return title_of(kSqueueTitles, code) != nullptr; }

std::string squeue_header(const Format& f) {
  return format_line(f, kSqueueTitles, [](const Field& fd, const char* title) {
    return pad(title, fd.width, fd.right, fd.code != 'N' && fd.code != 'R');
  });
}

std::string squeue_line(const Job& j, const Format& f, Time now) {
  return format_line(f, kSqueueTitles, [&](const Field& fd, const char*) {
    const auto [value, cut] = squeue_value(j, fd.code, now);
    return pad(value, fd.width, fd.right, cut);
  });
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

// ---- The command ---------------------------------------------------------------------------------
namespace {

constexpr const char* kProg = "squeue";

constexpr const char* kUsage =
    "Usage: squeue [-j jobid] [-n name] [-p partitions] [-S fields] [-t states]\n"
    "              [-u user_name] [-w nodes] [-o format] [-O format] [--me]\n"
    "              [--json] [-ahlrv]\n";

constexpr const char* kHelp =
    "Usage: squeue [OPTIONS]\n"
    "  -a, --all                       display jobs in hidden partitions\n"
    "  -h, --noheader                  no headers on output\n"
    "  -j, --jobs                      comma separated list of jobs IDs to view, default is all\n"
    "      --json                      Produce JSON output\n"
    "  -l, --long                      long report\n"
    "      --me                        equivalent to --user=<my username>\n"
    "  -n, --name=job_name(s)          comma separated list of job names to view\n"
    "  -o, --format=format             format specification\n"
    "  -O, --Format=format             format specification\n"
    "  -p, --partition=partition(s)    comma separated list of partitions to view, default is all "
    "partitions\n"
    "  -r, --array                     display one job array element per line\n"
    "  -S, --sort=fields               comma separated list of fields to sort on\n"
    "      --start                     print expected start times of pending jobs\n"
    "  -t, --states=states             comma separated list of states to view, default is pending and "
    "running,\n"
    "                                  '--states=all' reports all states\n"
    "  -u, --user=user_name(s)         comma separated list of users to view\n"
    "  -v, --verbose                   verbosity level\n"
    "  -V, --version                   output version information and exit\n"
    "  -w, --nodelist=hostlist         list of nodes to view, default is all nodes\n"
    "\nHelp options:\n"
    "  --help                          show this help message\n"
    "  --usage                         display a brief summary of squeue options\n";

}  // namespace

int squeue(int argc, char** argv) {
  enum { kMe = 0x100, kJson, kHelpOpt, kUsageOpt, kStart };
  static const option kOptions[] = {{"all", no_argument, nullptr, 'a'},
                                    {"array", no_argument, nullptr, 'r'},
                                    {"Format", required_argument, nullptr, 'O'},
                                    {"format", required_argument, nullptr, 'o'},
                                    {"help", no_argument, nullptr, kHelpOpt},
                                    {"jobs", optional_argument, nullptr, 'j'},
                                    {"json", optional_argument, nullptr, kJson},
                                    {"long", no_argument, nullptr, 'l'},
                                    {"me", no_argument, nullptr, kMe},
                                    {"name", required_argument, nullptr, 'n'},
                                    {"node", required_argument, nullptr, 'w'},
                                    {"nodes", required_argument, nullptr, 'w'},
                                    {"nodelist", required_argument, nullptr, 'w'},
                                    {"noheader", no_argument, nullptr, 'h'},
                                    {"partitions", required_argument, nullptr, 'p'},
                                    {"sort", required_argument, nullptr, 'S'},
                                    {"start", no_argument, nullptr, kStart},
                                    {"states", required_argument, nullptr, 't'},
                                    {"usage", no_argument, nullptr, kUsageOpt},
                                    {"user", required_argument, nullptr, 'u'},
                                    {"users", required_argument, nullptr, 'u'},
                                    {"verbose", no_argument, nullptr, 'v'},
                                    {"version", no_argument, nullptr, 'V'},
                                    {nullptr, 0, nullptr, 0}};

  std::string format, format_long, sort, jobs_arg;
  bool long_list = false, no_header = false, json = false, job_flag = false, all_states = false, start = false;
  std::vector<std::string> names, partitions;
  std::optional<std::vector<std::uint32_t>> users;
  std::vector<StateFilter> states;
  std::set<std::string> nodes;
  optind = 0;
  for (int c; (c = getopt_long(argc, argv, "ahj::ln:O:o:p:rS:t:u:vVw:", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'a':
      case 'r':
      case 'v': break;
      case 'h': no_header = true; break;
      case 'j':
        job_flag = true;
        if (optarg) jobs_arg = optarg;
        break;
      case 'l': long_list = true; break;
      case 'n': names = split(optarg, ','); break;
      case 'o':
      case 'O':
        if (!(c == 'o' ? format_long : format).empty()) {
          error(kProg, c == 'o' ? "-o (--format) is incompatible with -O (--Format)"
                                : "-O (--Format) is incompatible with -o (--format)");
          return 1;
        }
        (c == 'o' ? format : format_long) = optarg;
        break;
      case 'p': partitions = split(optarg, ','); break;
      case 'S': sort = optarg; break;
      case 't':
        states.clear();
        all_states = to_lower(optarg) == "all";
        if (all_states) break;
        for (const auto& s : split(optarg, ',')) {
          auto f = parse_job_state(s);
          if (!f) {
            error(kProg, "Invalid job state specified: " + s);
            error(kProg, std::string("Valid job states include: ") + kJobStateList + "\n");
            return 1;
          }
          states.push_back(*f);
        }
        break;
      case 'u':
        users.emplace();
        for (const auto& u : split(optarg, ',')) {
          if (auto uid = uid_from_string(u))
            users->push_back(*uid);
          else
            error(kProg, "Invalid user: " + u + "\n");
        }
        break;
      case 'w': {
        auto list = expand_hostlist(optarg);
        if (!list) {
          error(kProg, std::string("'") + optarg + "' invalid entry for --nodelist");
          return 1;
        }
        nodes = {list->begin(), list->end()};
        break;
      }
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); return 0;
      case kMe: users = std::vector<std::uint32_t>{geteuid()}; break;
      case kJson: json = true; break;
      case kStart: start = true; break;
      case kHelpOpt: std::fputs(kHelp, stdout); return 0;
      case kUsageOpt: std::fputs(kUsage, stdout); return 0;
      default: std::fprintf(stderr, "Try \"squeue --help\" for more information\n"); return 1;
    }
  }
  if (optind < argc && job_flag && jobs_arg.empty()) jobs_arg = argv[optind++];
  if (optind < argc) {
    error(kProg, std::string("Unrecognized option: ") + argv[optind]);
    std::fputs(kUsage, stdout);
    return 1;
  }
  if (long_list && !format.empty()) {
    std::fprintf(stderr,
                 "squeue: fatal: Options -o(--format) and -l(--long) are mutually exclusive. "
                 "Please remove one and retry.\n");
    return 1;
  }
  std::vector<std::uint64_t> job_ids;
  for (const auto& tok : split(jobs_arg, ',')) {
    const long long id = std::strtoll(tok.c_str(), nullptr, 10);
    if (id <= 0) {
      error(kProg, "Invalid job id: " + tok);
      return 1;
    }
    job_ids.push_back(static_cast<std::uint64_t>(id));
  }
  if (format.empty() && format_long.empty() && !long_list) {
    if (const char* env = std::getenv("SQUEUE_FORMAT"))
      format = env;
    else if (const char* env2 = std::getenv("SQUEUE_FORMAT2"))
      format_long = env2;
  }
  if (start) {  // --start: pending jobs only, by expected start time, in Slurm's columns
    if (format.empty() && format_long.empty() && !long_list) format = "%.18i %.9P %.8j %.8u %.2t %.19S %.6D %20Y %R";
    if (states.empty() && !all_states) states.push_back(*parse_job_state("PD"));
    if (sort.empty()) sort = "S";
  }
  if (sort.empty()) {
    const char* env = std::getenv("SQUEUE_SORT");
    sort = env ? env : std::string(kSqueueSort);
  }

  auto rpc = Rpc::open(kProg);
  if (!rpc) return kExitError;
  Json body = Json::object();
  if (job_ids.size() == 1) body["ids"] = job_ids;  // several: Slurm loads all jobs and filters
  const auto reply = rpc->call_or_perror("jobs", body, "slurm_load_jobs error");
  if (!reply) return 1;
  auto jobs = reply->at("jobs").get<std::vector<Job>>();
  const Time now = reply->value("now", static_cast<Time>(std::time(nullptr)));
  if (job_ids.size() == 1 && jobs.empty()) {
    std::fprintf(stderr, "slurm_load_jobs error: Invalid job id specified\n");
    return 1;
  }

  std::erase_if(jobs, [&](const Job& j) {
    if (!job_ids.empty() && std::ranges::find(job_ids, j.id) == job_ids.end()) return true;
    if (!partitions.empty() && std::ranges::find(partitions, j.spec.partition) == partitions.end()) return true;
    if (!all_states) {
      if (!states.empty() && std::ranges::none_of(states, [&](const StateFilter& f) { return state_matches(j, f); }))
        return true;
      if (states.empty() && is_final(j.state)) return true;
    }
    if (!nodes.empty() && std::ranges::none_of(j.alloc, [&](const NodeAlloc& a) { return nodes.count(a.node) > 0; }))
      return true;
    if (users && std::ranges::find(*users, j.uid) == users->end()) return true;
    return !names.empty() &&
           std::ranges::none_of(names, [&](const std::string& n) { return to_lower(n) == to_lower(j.spec.name); });
  });

  Format fmt;
  if (!format_long.empty()) {
    std::vector<std::string> unknown;
    fmt = parse_long_format(format_long, kSqueueLongNames, &unknown);
    for (const auto& u : unknown) error(kProg, "Invalid job format specification: " + u);
  } else {
    fmt = parse_format(!format.empty() ? format : long_list ? kSqueueLongFormat : kSqueueFormat);
    for (const auto& f : fmt.fields)
      if (!squeue_field_known(f.code)) error(kProg, std::string("Invalid job format specification: ") + f.code);
  }

  std::string out;
  if (!no_header && !json) {
    if (long_list) out += format_ctime(now) + "\n";
    out += squeue_header(fmt);
  }
  if (const auto bad = sort_jobs(jobs, sort, now)) {  // Slurm sorts after printing the header
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    error(kProg, std::string("Invalid sort specification: ") + *bad);
    return 1;
  }
  if (json) {
    std::printf("%s\n", Json{{"jobs", jobs}}.dump(2).c_str());
    return 0;
  }
  for (const auto& j : jobs) out += squeue_line(j, fmt, now);
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace sluice::cli
