// scontrol [options] [command ...]: show jobs, nodes and partitions, reconfigure, whatif and ping the
// controller, with Slurm 22.05's wording; the commands that change nodes and jobs (update, hold,
// release, requeue) are in scontrol_update.cpp. Without a command it reads commands from standard input.
#include "cli/scontrol.hpp"

#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "cli/describe.hpp"
#include "cli/format.hpp"
#include "cli/rpc.hpp"
#include "cli/scontrol_cmd.hpp"
#include "cli/show_config.hpp"
#include "cli/submit.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {
namespace {

constexpr const char* kUsage =
    "scontrol [<OPTION>] [<COMMAND>]\n"
    "    Valid <OPTION> values are:\n"
    "     -a or --all: equivalent to \"all\" command\n"
    "     -d or --details: equivalent to \"details\" command\n"
    "     -h or --help: equivalent to \"help\" command\n"
    "     -o or --oneliner: equivalent to \"oneliner\" command\n"
    "     -Q or --quiet: equivalent to \"quiet\" command\n"
    "     -v or --verbose: equivalent to \"verbose\" command\n"
    "     -V or --version: equivalent to \"version\" command\n"
    "\n"
    "    Valid <COMMAND> values are:\n"
    "     all                      display information about all partitions\n"
    "     details                  show more details in job output\n"
    "     exit                     terminate scontrol\n"
    "     help                     print this description of use\n"
    "     hold <job_list>          prevent specified job from starting\n"
    "     requeue <job_list>       re-queue a batch job\n"
    "     requeuehold <job_list>   re-queue and hold a batch job\n"
    "     oneliner                 report output one record per line\n"
    "     ping                     print status of slurmctld daemons\n"
    "     quiet                    print no messages other than error messages\n"
    "     quit                     terminate this command\n"
    "     reconfigure              re-read configuration files\n"
    "     whatif -f <config> [--job '<sbatch options>']...\n"
    "                              show how a candidate config would treat the pending jobs\n"
    "                              and where hypothetical jobs would go, next to the live one\n"
    "     release <job_list>       permit specified job to start\n"
    "     show <ENTITY> [<ID>]     display state of identified entity, default is all records\n"
    "     uhold <job_list>         place user hold on specified job\n"
    "     update <SPECIFICATIONS>  update job or node configuration\n"
    "     verbose                  enable detailed logging\n"
    "     version                  display tool version number\n"
    "\n"
    "  <ENTITY> may be \"config\", \"hostlist\", \"hostlistsorted\", \"hostnames\", \"job\", \"node\" or\n"
    "  \"partition\".\n"
    "\n"
    "  <SPECIFICATIONS> are: NodeName=<name> State=<DRAIN|DOWN|IDLE|RESUME|UNDRAIN> Reason=<text>\n"
    "                    or: JobId=<job_list> TimeLimit=[+|-]<time>\n";

// "tcp://host:port" -> "host"; the local host name for ipc endpoints.
std::string controller_host(const Config& cfg) {
  std::string ep = cfg.controller.address.empty() ? cfg.controller.listen : cfg.controller.address;
  if (starts_with(ep, "tcp://")) {
    ep = ep.substr(6);
    return ep.substr(0, ep.rfind(':'));
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host).substr(0, std::string(host).find('.'));
}

}  // namespace

bool Scontrol::run(const std::vector<std::string>& argv) {
  const std::string& tag = argv[0];
  const auto too_many = [&](std::size_t max_args) {
    if (argv.size() <= max_args) return false;
    fail("too many arguments for keyword:" + tag);
    return true;
  };
  if (keyword(tag, "all", 2) || keyword(tag, "verbose", 4)) {
    // Accepted for compatibility: Sluice has no hidden partitions and logs nothing more.
  } else if (keyword(tag, "details", 1)) {
    if (!too_many(1)) details_ = true;
  } else if (keyword(tag, "exit", 2) || keyword(tag, "quit", 4)) {
    too_many(1);
    return false;
  } else if (keyword(tag, "help", 2)) {
    too_many(1);
    std::fputs(kUsage, stdout);
  } else if (keyword(tag, "hide", 2)) {
    details_ = false;
  } else if (keyword(tag, "oneliner", 1)) {
    if (!too_many(1)) one_liner_ = true;
  } else if (keyword(tag, "ping", 3)) {
    if (!too_many(1)) ping();
  } else if (keyword(tag, "quiet", 4)) {
    too_many(1);
  } else if (keyword(tag, "reconfigure", 3)) {
    too_many(2);
    reconfigure();
  } else if (keyword(tag, "whatif", 4)) {
    whatif(argv);
  } else if (starts_with(to_lower(tag), "hold") || starts_with(to_lower(tag), "uhold") || keyword(tag, "release", 3)) {
    if (argv.size() < 2) fail("too few arguments for keyword:" + tag);
    for (std::size_t i = 1; i < argv.size(); ++i) hold(tag, argv[i]);
  } else if (to_lower(tag) == "requeue" || to_lower(tag) == "requeuehold") {
    if (argv.size() < 2) fail("too few arguments for keyword:" + tag);
    for (std::size_t i = 1; i < argv.size(); ++i) requeue(to_lower(tag) == "requeuehold", argv[i]);
  } else if (keyword(tag, "show", 3)) {
    show(argv);
  } else if (keyword(tag, "update", 1)) {
    if (argv.size() < 2)
      fail("too few arguments for " + tag + " keyword");
    else
      update(argv);
  } else if (keyword(tag, "version", 4)) {
    std::printf("sluice %s\n", SLUICE_VERSION);
  } else {
    fail("invalid keyword: " + tag);
  }
  return true;
}

void Scontrol::show(const std::vector<std::string>& argv) {
  if (argv.size() > 3) return fail("too many arguments for keyword:" + argv[0]);
  if (argv.size() < 2) return fail("too few arguments for keyword:" + argv[0]);
  std::string tag = argv[1], val = argv.size() > 2 ? argv[2] : "";
  if (const std::size_t eq = tag.find('='); eq != std::string::npos) {
    val = tag.substr(eq + 1);
    tag = tag.substr(0, eq);
  }
  if (keyword(tag, "config", 1)) {
    show_config();
  } else if (keyword(tag, "hostnames", 5) || keyword(tag, "hostlist", 5) || keyword(tag, "hostlistsorted", 9)) {
    if (val.empty())
      if (const char* env = std::getenv("SLURM_JOB_NODELIST")) val = env;
    const auto names = expand_hostlist(val);
    if (!names) return fail("Invalid hostlist: " + val);
    if (keyword(tag, "hostnames", 5)) {
      for (const auto& n : *names) std::printf("%s\n", n.c_str());
    } else {
      const bool sorted = keyword(tag, "hostlistsorted", 9);
      std::printf("%s\n", (sorted ? sorted_hostlist(*names) : compress_hostlist(*names)).c_str());
    }
  } else if (keyword(tag, "jobs", 1) || keyword(tag, "jobid", 1)) {
    show_jobs(val);
  } else if (keyword(tag, "nodes", 1) || keyword(tag, "nodename", 1)) {
    show_nodes(val);
  } else if (keyword(tag, "partitions", 2) || keyword(tag, "partitionname", 2)) {
    show_partitions(val);
  } else {
    fail("invalid entity:" + tag + " for keyword:" + argv[0] + " ");
  }
}

void Scontrol::show_jobs(const std::string& id) {
  Json body = Json::object();
  if (!id.empty()) {
    const auto n = parse_uint(id);
    if (!n || *n == 0) return fail("slurm_load_jobs error: Invalid job id specified");
    body["ids"] = {*n};
  }
  const auto jobs_reply = rpc_.call_or_perror("jobs", body, "slurm_load_jobs error");
  if (!jobs_reply) {
    exit_code_ = 1;
    return;
  }
  auto jobs = jobs_reply->at("jobs").get<std::vector<Job>>();
  if (jobs.empty()) {
    if (!id.empty()) return fail("slurm_load_jobs error: Invalid job id specified");
    std::printf("No jobs in the system\n");
    return;
  }
  const auto nodes_reply = rpc_.call_or_perror("nodes", Json::object(), "slurm_load_partitions error");
  if (!nodes_reply) {
    exit_code_ = 1;
    return;
  }
  const auto nodes = nodes_reply->at("nodes").get<std::vector<Node>>();
  const auto parts = nodes_reply->at("partitions").get<std::vector<Partition>>();
  const Time now = jobs_reply->value("now", static_cast<Time>(std::time(nullptr)));
  std::ranges::sort(jobs, {}, &Job::id);
  std::string out;
  for (const auto& j : jobs) out += show_job(j, now, nodes, parts, details_, one_liner_);
  std::fputs(out.c_str(), stdout);
}

void Scontrol::show_nodes(const std::string& names) {
  const auto reply = rpc_.call_or_perror("nodes", Json::object(), "slurm_load_node error");
  if (!reply) {
    exit_code_ = 1;
    return;
  }
  const auto nodes = reply->at("nodes").get<std::vector<Node>>();
  std::string out;
  if (names.empty()) {
    for (const auto& n : nodes) out += show_node(n, details_, one_liner_);
    if (nodes.empty()) out = "No nodes in the system\n";
  } else {
    const auto list = expand_hostlist(names);
    if (!list) return fail("unable to parse node list " + names);
    for (const auto& name : *list) {
      const auto n = std::ranges::find(nodes, name, &Node::name);
      if (n != nodes.end()) {
        out += show_node(*n, details_, one_liner_);
      } else {
        out += "Node " + name + " not found\n";
        exit_code_ = 1;
      }
    }
  }
  std::fputs(out.c_str(), stdout);
}

void Scontrol::show_partitions(const std::string& name) {
  const auto reply = rpc_.call_or_perror("nodes", Json::object(), "slurm_load_partitions error");
  if (!reply) {
    exit_code_ = 1;
    return;
  }
  const auto nodes = reply->at("nodes").get<std::vector<Node>>();
  const auto parts = reply->at("partitions").get<std::vector<Partition>>();
  std::string out;
  for (const auto& p : parts)
    if (name.empty() || p.name == name) out += show_partition(p, nodes, one_liner_);
  if (out.empty()) {
    out = name.empty() ? "No partitions in the system\n" : "Partition " + name + " not found\n";
    if (!name.empty()) exit_code_ = 1;
  }
  std::fputs(out.c_str(), stdout);
}

// A short "show config": the settings Sluice has, in Slurm's "Name = value" layout and order.
void Scontrol::show_config() {
  std::optional<Json> reply;
  try {
    reply = rpc_.call("ping");
  } catch (const RpcError&) {
  }
  std::string out = "Configuration data as of " + format_iso(std::time(nullptr)) + "\n";
  for (const auto& [k, v] : show_config_items(cfg_, reply, controller_host(cfg_)))
    out += pad(k, 23, false) + " = " + v + "\n";
  std::fputs((out + "\n").c_str(), stdout);
  print_ping(reply.has_value());
}

// Slurm prints nothing on success; Sluice says what the controller loaded, one line per point.
void Scontrol::reconfigure() {
  try {
    const Json r = rpc_.call("reconfigure");
    std::printf("reconfigured from %s\n", r.value("config", std::string("?")).c_str());
    if (auto p = r.find("plugins"); p != r.end() && p->is_object())
      for (const auto& [point, info] : p->items()) {
        if (!info.is_object()) continue;
        const std::string what = info.value("path", info.value("library", std::string()));
        const std::string name = info.value("name", std::string());
        std::printf("  %-9s %s%s%s\n", point.c_str(), name.empty() ? "" : (name + " from ").c_str(), what.c_str(),
                    info.value("isolate", false) ? " (isolated)" : "");
      }
  } catch (const RpcError& e) {
    fail(e.unreachable ? std::string("slurm_reconfigure error: ") + e.what() : e.what());
  }
}

namespace {

// Runs a candidate config's plugins against a snapshot of the live queue; changes nothing.
// A hypothetical job for whatif: `options` as sbatch reads them (the CLI's own parser), without a
// script. False, after printing why, when they do not parse.
bool whatif_job(const std::string& options, JobSpec& out) {
  std::vector<std::string> args = {"scontrol"};
  for (auto& w : shell_split(options)) args.push_back(std::move(w));
  SubmitOptions o;
  if (!parse_submit_options("scontrol", args, o)) return false;
  if (!o.positional.empty()) {
    std::fprintf(stderr, "scontrol: error: whatif --job takes sbatch options only (got \"%s\")\n",
                 o.positional.front().c_str());
    return false;
  }
  finish_spec(o, nullptr);
  if (!o.name_set) o.spec.name = "whatif";
  out = std::move(o.spec);
  return true;
}

}  // namespace

// whatif -f CANDIDATE.toml [--job '<sbatch options>']... (or whatif CANDIDATE.toml ...)
void Scontrol::whatif(const std::vector<std::string>& argv) {
  std::string file;
  std::vector<std::string> requests;
  std::vector<JobSpec> specs;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    const bool has_value = i + 1 < argv.size();
    if (a == "-f" && has_value) {
      file = argv[++i];
    } else if ((a == "--job" || a == "-j") && has_value) {
      requests.push_back(argv[++i]);
    } else if (starts_with(a, "--job=")) {
      requests.push_back(a.substr(6));
    } else if (file.empty() && !starts_with(a, "-")) {
      file = a;
    } else {
      return fail("usage: scontrol whatif -f CONFIG [--job '<sbatch options>']...");
    }
  }
  if (file.empty()) return fail("usage: scontrol whatif -f CONFIG [--job '<sbatch options>']...");
  for (const std::string& req : requests) {
    JobSpec spec;
    if (!whatif_job(req, spec)) return fail("scontrol: error: whatif --job '" + req + "': invalid options");
    specs.push_back(std::move(spec));
  }
  std::error_code ec;
  const std::string path = std::filesystem::absolute(file, ec).string();
  Json r;
  try {
    r = rpc_.call(Whatif{path, specs});
  } catch (const RpcError& e) {
    return fail(e.what());
  }
  const auto& changes = r["changes"];
  std::printf("What-if: %s (%s) against %zu pending jobs\n", r.value("config", path).c_str(),
              r.value("plugins", std::string()).c_str(), r.value("pending", std::size_t{0}));
  if (changes.empty()) {
    std::printf("No pending job would be treated differently.\n");
  } else {
    std::printf("%-10s %-10s %-12s %-32s %s\n", "JOBID", "USER", "NAME", "NOW", "WITH CANDIDATE");
    for (const auto& c : changes)
      std::printf("%-10llu %-10s %-12s %-32s %s\n", static_cast<unsigned long long>(c.value("id", 0ULL)),
                  c.value("user", std::string()).c_str(), c.value("name", std::string()).substr(0, 12).c_str(),
                  c.value("now", std::string()).c_str(), c.value("then", std::string()).c_str());
  }
  if (!requests.empty()) print_whatif_jobs(r.value("jobs", Json::array()), requests);
}

// The hypothetical jobs, one line each, placed after the pending jobs: "R node(type:indices)",
// "PD (reason)" or "rejected: message", now and under the candidate.
void Scontrol::print_whatif_jobs(const Json& jobs, const std::vector<std::string>& requests) {
  std::printf("\nHypothetical jobs (each --job, placed after the pending jobs):\n");
  std::printf("%-4s %-32s %-32s %s\n", "JOB", "NOW", "WITH CANDIDATE", "REQUEST");
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const Json j = i < jobs.size() ? jobs[i] : Json::object();
    const std::string now = j.value("now", std::string("?")), then = j.value("then", std::string("?"));
    std::printf("%-4zu %-32s %-32s %s%s\n", i + 1, now.c_str(), then.c_str(), requests[i].c_str(),
                now == then ? "" : "  (moves)");
  }
}

void Scontrol::ping() {
  bool up = true;
  try {
    rpc_.call("ping");
  } catch (const RpcError&) {
    up = false;
  }
  print_ping(up);
}

void Scontrol::print_ping(bool up) {
  if (!up) exit_code_ = 1;
  std::printf("Slurmctld(primary) at %s is %s\n", controller_host(cfg_).c_str(), up ? "UP" : "DOWN");
}

int scontrol(int argc, char** argv) {
  static const option kOptions[] = {{"all", no_argument, nullptr, 'a'},
                                    {"details", no_argument, nullptr, 'd'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {"oneliner", no_argument, nullptr, 'o'},
                                    {"quiet", no_argument, nullptr, 'Q'},
                                    {"usage", no_argument, nullptr, 'h'},
                                    {"verbose", no_argument, nullptr, 'v'},
                                    {"version", no_argument, nullptr, 'V'},
                                    {nullptr, 0, nullptr, 0}};
  bool details = false, one_liner = false;
  optind = 0;
  for (int c; (c = getopt_long(argc, argv, "+adhoQvV", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'a':
      case 'Q':
      case 'v': break;
      case 'd': details = true; break;
      case 'h': std::fputs(kUsage, stdout); return 0;
      case 'o': one_liner = true; break;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); return 0;
      default: std::fprintf(stderr, "Try \"scontrol --help\" for more information\n"); return 1;
    }
  }
  auto rpc = Rpc::open("scontrol");
  if (!rpc) return kExitError;
  Scontrol ctl(*rpc, details, one_liner);
  if (optind < argc) {
    ctl.run(std::vector<std::string>(argv + optind, argv + argc));
    return ctl.exit_code();
  }
  const bool tty = isatty(0);
  for (std::string line;;) {
    if (tty) std::printf("scontrol: "), std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    const auto words = shell_split(line);
    if (!words.empty() && !ctl.run(words)) break;
  }
  return ctl.exit_code();
}

}  // namespace sluice::cli
