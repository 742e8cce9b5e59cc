// squeue [options]: the job queue, as Slurm 22.05 prints it.
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/users.hpp"
#include "core/util/hostlist.hpp"
#include "core/util/text.hpp"
#include "core/util/timefmt.hpp"

namespace sluice::cli {
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
  enum { kMe = 0x100, kJson, kHelpOpt, kUsageOpt };
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
                                    {"states", required_argument, nullptr, 't'},
                                    {"usage", no_argument, nullptr, kUsageOpt},
                                    {"user", required_argument, nullptr, 'u'},
                                    {"users", required_argument, nullptr, 'u'},
                                    {"verbose", no_argument, nullptr, 'v'},
                                    {"version", no_argument, nullptr, 'V'},
                                    {nullptr, 0, nullptr, 0}};

  std::string format, format_long, sort, jobs_arg;
  bool long_list = false, no_header = false, json = false, job_flag = false, all_states = false;
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
  if (sort.empty()) {
    const char* env = std::getenv("SQUEUE_SORT");
    sort = env ? env : std::string(kSqueueSort);
  }

  auto cfg = load_cli_config(kProg);
  if (!cfg) return 1;
  Client client(*cfg);
  Json body = Json::object();
  if (job_ids.size() == 1) body["ids"] = job_ids;  // several: Slurm loads all jobs and filters
  const auto reply = perror_call(client, "jobs", body, "slurm_load_jobs error");
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
