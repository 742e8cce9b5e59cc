#include "cli/submit.hpp"

#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "cli/commands.hpp"
#include "core/slurm/dependency.hpp"
#include "core/slurm/export_env.hpp"
#include "core/slurm/gres.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/slurm/mem.hpp"
#include "core/slurm/signal_spec.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/util/net.hpp"
#include "core/util/text.hpp"
#include "core/zmtp/zmtp.hpp"

namespace sluice::cli {

namespace {

enum LongOnly {
  kMem = 1000,
  kGres,
  kExport,
  kOpenMode,
  kRequeue,
  kNoRequeue,
  kComment,
  kParsable,
  kWrap,
  kPty,
  kHelp,
  kUsage,
  kGpusPerNode,
  kMemPerCpu,
  kGpusPerTask,
  kCpusPerGpu,
  kMemPerGpu,
  kSignal,
  kTimeMin,
  kContainer,
  kContainerMode,
};

const option kOptions[] = {
    {"job-name", required_argument, nullptr, 'J'},
    {"partition", required_argument, nullptr, 'p'},
    {"time", required_argument, nullptr, 't'},
    {"time-min", required_argument, nullptr, kTimeMin},
    {"signal", required_argument, nullptr, kSignal},
    {"nodes", required_argument, nullptr, 'N'},
    {"ntasks", required_argument, nullptr, 'n'},
    {"cpus-per-task", required_argument, nullptr, 'c'},
    {"mem", required_argument, nullptr, kMem},
    {"mem-per-cpu", required_argument, nullptr, kMemPerCpu},
    {"gpus", required_argument, nullptr, 'G'},
    {"gres", required_argument, nullptr, kGres},
    {"gpus-per-node", required_argument, nullptr, kGpusPerNode},
    {"gpus-per-task", required_argument, nullptr, kGpusPerTask},
    {"cpus-per-gpu", required_argument, nullptr, kCpusPerGpu},
    {"mem-per-gpu", required_argument, nullptr, kMemPerGpu},
    {"constraint", required_argument, nullptr, 'C'},
    {"nodelist", required_argument, nullptr, 'w'},
    {"exclude", required_argument, nullptr, 'x'},
    {"chdir", required_argument, nullptr, 'D'},
    {"output", required_argument, nullptr, 'o'},
    {"error", required_argument, nullptr, 'e'},
    {"input", required_argument, nullptr, 'i'},
    {"open-mode", required_argument, nullptr, kOpenMode},
    {"dependency", required_argument, nullptr, 'd'},
    {"export", required_argument, nullptr, kExport},
    {"hold", no_argument, nullptr, 'H'},
    {"requeue", no_argument, nullptr, kRequeue},
    {"no-requeue", no_argument, nullptr, kNoRequeue},
    {"comment", required_argument, nullptr, kComment},
    {"parsable", no_argument, nullptr, kParsable},
    {"wrap", required_argument, nullptr, kWrap},
    {"pty", no_argument, nullptr, kPty},
    {"label", no_argument, nullptr, 'l'},
    {"unbuffered", no_argument, nullptr, 'u'},
    {"quiet", no_argument, nullptr, 'Q'},
    {"verbose", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, kHelp},
    {"usage", no_argument, nullptr, kUsage},
    {"version", no_argument, nullptr, 'V'},
    {"container", required_argument, nullptr, kContainer},
    {"container-mode", required_argument, nullptr, kContainerMode},
    {nullptr, 0, nullptr, 0},
};

// Slurm's parse_int: a whole decimal number (strtol's syntax) within int; positive when asked.
std::optional<std::uint32_t> parse_int_option(const char* prog, const char* name, const std::string& val,
                                              bool positive) {
  char* end = nullptr;
  const long v = std::strtol(val.c_str(), &end, 10);
  if (*end != '\0' || v < 0 || (positive && v == 0)) {
    error(prog, "Invalid numeric value \"" + val + "\" for " + name + ".");
    return std::nullopt;
  }
  if (v > INT_MAX) {
    error(prog, "Numeric argument (" + std::to_string(v) + ") to big for " + name + ".");
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(v);
}

std::optional<std::string> expand_list(const std::string& expr) {
  auto names = expand_hostlist(expr);
  if (!names) return std::nullopt;
  return join(*names, ",");
}

void print_usage(const char* prog) {
  if (!std::strcmp(prog, "srun"))
    std::printf("Usage: srun [OPTIONS(0)... [executable(0) [args(0)...]]]\n");
  else
    std::printf("Usage: sbatch [OPTIONS(0)...] [ : [OPTIONS(N)...]] script(0) [args(0)...]\n");
  std::printf(
      "\nParallel run options:\n"
      "  -c, --cpus-per-task=ncpus   number of cpus required per task\n"
      "      --container=image       run the job inside this Singularity/Apptainer image\n"
      "      --container-mode=mode   exec (the default), run or shell: how the image is started\n"
      "  -C, --constraint=list       specify a list of constraints (node features: a40, a40|a10, gpu&a40)\n"
      "      --cpus-per-gpu=n        number of CPUs required per allocated GPU\n"
      "  -d, --dependency=type:jobid[:time] defer job until condition on jobid is satisfied\n"
      "  -D, --chdir=path            change working directory\n"
      "  -e, --error=err             file for standard error (srun: default srun's stderr)\n"
      "      --export[=names]        specify environment variables to export\n"
      "  -G, --gpus=n                count of GPUs required for the job\n"
      "      --gpus-per-node=[type:]n  number of GPUs required per allocated node\n"
      "      --gpus-per-task=[type:]n  number of GPUs required per spawned task\n"
      "      --gres=list             required generic resources (gpu[:type]:count)\n"
      "  -H, --hold                  submit job in held state\n"
      "  -i, --input=in              file for standard input (srun: all, none, 0 or a file;\n"
      "                              default srun's stdin)\n"
      "  -J, --job-name=jobname      name of job\n"
      "  -l, --label                 prepend task number to lines of stdout/err (srun)\n"
      "      --pty                   run task zero in a pseudo-terminal (srun)\n"
      "  -u, --unbuffered            do not line-buffer stdout/err (srun; never buffered here)\n"
      "      --mem=MB                minimum amount of real memory\n"
      "      --mem-per-cpu=MB        maximum amount of real memory per allocated cpu\n"
      "      --mem-per-gpu=MB        real memory required per allocated GPU\n"
      "  -N, --nodes=N               number of nodes on which to run\n"
      "  -n, --ntasks=ntasks         number of tasks to run\n"
      "  -o, --output=out            file for standard output (srun: default srun's stdout)\n"
      "  -p, --partition=partition   partition requested\n"
      "      --parsable              outputs only the jobid and cluster name (if present)\n"
      "      --requeue / --no-requeue  permit / forbid the job to be requeued\n"
      "      --signal=[B:]num[@time] send signal when time limit within time seconds\n"
      "  -t, --time=minutes          time limit\n"
      "      --time-min=minutes      minimum time limit (if distinct)\n"
      "  -w, --nodelist=hosts...     request a specific list of hosts\n"
      "      --wrap[=command string] wrap command string in a sh script and submit (sbatch)\n"
      "  -x, --exclude=hosts...      exclude a specific list of hosts\n");
}

// One GPU type for the whole job: the type of whichever of -G, --gpus-per-node/--gres and
// --gpus-per-task asks for GPUs (a form asking for 0 GPUs does not count).
bool settle_gpu_type(const char* prog, SubmitOptions& o) {
  const std::uint32_t counts[3] = {o.spec.gpus, o.spec.gpus_per_node, o.spec.gpus_per_task};
  std::string type;
  for (int i = 0; i < 3; ++i) {
    const std::string& t = o.gpu_types[static_cast<std::size_t>(i)];
    if (counts[i] == 0 || t.empty()) continue;
    if (!type.empty() && t != type) {
      error(prog, "Invalid generic resource (gres) specification: one GPU type per job (" + type + " and " + t + ")");
      return false;
    }
    type = t;
  }
  o.spec.gpu_type = type;
  return true;
}

}  // namespace

bool parse_submit_options(const char* prog, const std::vector<std::string>& args, SubmitOptions& o) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  optind = 0;  // full re-initialisation (glibc)
  opterr = 1;
  const int argc = static_cast<int>(copy.size());
  int c;
  auto bad = [&](const std::string& msg) {
    error(prog, msg);
    return false;
  };
  std::set<int> mem_forms;  // given in this source (the command line, the environment, the script)
  while ((c = getopt_long(argc, argv.data(), "+J:p:t:N:n:c:C:G:w:x:D:o:e:i:d:HluQvV", kOptions, nullptr)) != -1) {
    const std::string arg = optarg ? optarg : "";
    switch (c) {
      case 'J': o.spec.name = arg, o.name_set = true; break;
      case 'p': o.spec.partition = arg; break;
      case 't': {  // as Slurm, 0 reads as UNLIMITED; a malformed time exits 255 as Slurm's exit(-1)
        auto t = parse_time_limit(arg);
        if (!t) return o.error_exit = 255, bad("Invalid --time specification");
        o.spec.time_limit = *t == 0 ? kUnlimited : *t;
        break;
      }
      case kTimeMin: {  // as Slurm, 0 reads as UNLIMITED; malformed: exit 255
        auto t = parse_time_limit(arg);
        if (!t) return o.error_exit = 255, bad("Invalid --time-min specification");
        o.spec.time_min = *t == 0 ? kUnlimited : *t;
        break;
      }
      case kSignal: {
        auto sig = parse_signal_spec(arg, std::strcmp(prog, "srun") != 0);
        if (!sig) return o.error_exit = 255, bad("Invalid --signal specification");  // slurm_opt.c: exit(-1)
        o.spec.signal = *sig;
        break;
      }
      case 'N': {
        // "2" or "2-2" (min-max; we take the minimum)
        auto v = parse_uint(arg.substr(0, arg.find('-')));
        if (!v || *v == 0 || *v > INT_MAX) return bad("invalid number of nodes (-N): " + arg);
        o.spec.nodes = static_cast<std::uint32_t>(*v);
        break;
      }
      case 'n': {
        auto v = parse_int_option(prog, "--ntasks", arg, true);
        if (!v) return false;
        o.spec.ntasks = *v;
        break;
      }
      case 'c': {
        auto v = parse_int_option(prog, "--cpus-per-task", arg, true);
        if (!v) return false;
        o.spec.cpus_per_task = *v;
        break;
      }
      case kMem:  // --mem, --mem-per-cpu and --mem-per-gpu: one of them, the last one given
      case kMemPerCpu:
      case kMemPerGpu: {
        auto v = parse_mem_mb(arg);
        if (!v) return bad("invalid memory constraint " + arg);
        mem_forms.insert(c);
        o.spec.mem_mb = c == kMem ? *v : 0;
        o.spec.mem_per_gpu_mb = c == kMemPerGpu ? *v : 0;
        if (c == kMemPerCpu)
          o.mem_per_cpu_mb = *v;
        else
          o.mem_per_cpu_mb.reset();
        break;
      }
      case 'G':  // "-G 2" or "-G t4:2"
        if (!parse_gpu_count(arg, o.spec.gpus, o.gpu_types[0]))
          return bad("Invalid generic resource (gres) specification");
        break;
      case kGpusPerNode:
        if (!parse_gpu_count(arg, o.spec.gpus_per_node, o.gpu_types[1]))
          return bad("Invalid generic resource (gres) specification");
        break;
      case kGpusPerTask:
        if (!parse_gpu_count(arg, o.spec.gpus_per_task, o.gpu_types[2]))
          return bad("Invalid generic resource (gres) specification");
        break;
      case kGres: {
        std::string err;
        auto g = parse_gres(arg, &err);
        if (!g) return bad(err);
        o.spec.gpus_per_node = g->count;
        o.gpu_types[1] = g->type;
        break;
      }
      case kCpusPerGpu: {
        auto v = parse_int_option(prog, "--cpus-per-gpu", arg, true);
        if (!v) return false;
        o.spec.cpus_per_gpu = *v;
        break;
      }
      case 'C':
        if (arg.empty() || arg.find_first_of(" \t\n") != std::string::npos)
          return bad("Invalid feature specification: " + arg);
        o.spec.constraint = arg;
        break;
      case 'w': {
        auto l = expand_list(arg);
        if (!l) return bad("Invalid node name specified: " + arg);
        o.spec.nodelist = *l;
        break;
      }
      case 'x': {
        auto l = expand_list(arg);
        if (!l) return bad("Invalid node name specified: " + arg);
        o.spec.exclude = *l;
        break;
      }
      case 'D': o.spec.workdir = arg; break;
      case 'o': o.spec.stdout_pattern = arg; break;
      case 'e': o.spec.stderr_pattern = arg; break;
      case 'i': o.spec.stdin_path = arg; break;
      case kOpenMode:
        if (arg != "append" && arg != "truncate") return bad("Invalid --open-mode argument: " + arg);
        o.spec.open_append = arg == "append";
        break;
      case 'd': {
        auto d = parse_dependency(arg);
        if (!d) return bad("Invalid dependency specification: " + arg);
        o.spec.depends = *d;
        break;
      }
      case kExport: o.export_mode = arg; break;
      case 'H': o.spec.hold = true; break;
      case kRequeue: o.spec.requeue = RequeueFlag::Requeue; break;
      case kNoRequeue: o.spec.requeue = RequeueFlag::NoRequeue; break;
      case kComment: o.spec.comment = arg; break;
      case kParsable: o.parsable = true; break;
      case kWrap: o.wrap = arg; break;
      case kPty: o.pty = true; break;
      case kContainer:
        if (arg.empty()) return bad("Invalid --container specification: no image given");
        o.spec.container = arg;
        break;
      case kContainerMode:
        if (arg != "exec" && arg != "run" && arg != "shell")
          return bad("Invalid --container-mode argument: " + arg + " (exec, run or shell)");
        o.spec.container_mode = arg;
        break;
      case 'l': o.label = true; break;
      case 'u': o.unbuffered = true; break;
      case 'Q': o.quiet = true; break;
      case 'v': o.verbose++; break;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); std::exit(0);
      case kHelp:
      case kUsage: print_usage(prog); std::exit(0);
      default: std::fprintf(stderr, "Try \"%s --help\" for more information\n", prog); return false;
    }
  }
  for (int i = optind; i < argc; ++i) o.positional.push_back(copy[static_cast<size_t>(i)]);
  if (mem_forms.size() > 1) return bad("--mem, --mem-per-cpu, and --mem-per-gpu are mutually exclusive.");
  return settle_gpu_type(prog, o);
}

void finish_spec(SubmitOptions& o, char** envp) {
  JobSpec& s = o.spec;
  if (o.mem_per_cpu_mb) {
    std::uint64_t mb = 0;
    s.mem_mb = __builtin_mul_overflow(*o.mem_per_cpu_mb, s.cpus_per_task, &mb) ? UINT64_MAX : mb;
  }
  if (s.workdir.empty()) {
    char cwd[4096];
    s.workdir = getcwd(cwd, sizeof cwd) ? cwd : "/";
  } else if (s.workdir.front() != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) s.workdir = std::string(cwd) + "/" + s.workdir;
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  s.submit_host = host;
  // --export: ALL (default), NONE, or [ALL,]NAME[=value],...; one entry per name, the caller's
  // value first (core/slurm/export_env.hpp).
  std::vector<std::string> caller;
  for (char** e = envp; e && *e; ++e) caller.emplace_back(*e);
  s.env = export_environment(o.export_mode, caller);
}

bool check_utf8(const char* prog, const SubmitOptions& o) {
  const JobSpec& s = o.spec;
  const auto bad = [&](const std::string& what, std::string_view value) {
    error(prog, what + " is not valid UTF-8: " + printable(value));
    return false;
  };
  const std::pair<const char*, const std::string*> fields[] = {
      {"job name", &s.name},
      {"partition", &s.partition},
      {"node list", &s.nodelist},
      {"excluded nodes", &s.exclude},
      {"GPU type", &s.gpu_type},
      {"working directory", &s.workdir},
      {"output file", &s.stdout_pattern},
      {"error file", &s.stderr_pattern},
      {"input file", &s.stdin_path},
      {"comment", &s.comment},
      {"container image", &s.container},
      {"submit host", &s.submit_host},
  };
  for (const auto& [what, value] : fields)
    if (!valid_utf8(*value)) return bad(what, *value);
  for (const auto& a : s.argv)
    if (!valid_utf8(a)) return bad(s.batch ? "script argument" : "command argument", a);
  for (const auto& e : s.env) {
    if (valid_utf8(e)) continue;
    const std::string name = e.substr(0, e.find('='));
    error(prog,
          "environment variable " + printable(name) + " is not valid UTF-8 (unset it, or leave it out with --export)");
    return false;
  }
  if (!valid_utf8(s.script)) {
    std::size_t line = 1;
    for (const auto& l : split(s.script, '\n', true)) {
      if (!valid_utf8(l)) break;
      ++line;
    }
    error(prog, "Batch script is not valid UTF-8 (line " + std::to_string(line) + ")");
    return false;
  }
  return true;
}

bool finish_container(const char* prog, SubmitOptions& o) {
  JobSpec& s = o.spec;
  if (s.container.empty()) {
    if (!s.container_mode.empty()) {
      error(prog, "--container-mode requires --container");
      return false;
    }
    return true;
  }
  // Relative to the directory of the submission, with "." and empty components dropped ("./x.sif"
  // -> "/home/u/x.sif"); ".." is kept: through a symbolic link it need not mean the parent.
  std::string path = s.container;
  if (path.front() != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) path = std::string(cwd) + "/" + path;
  }
  std::string clean;
  for (const auto& part : split(path, '/'))
    if (!part.empty() && part != ".") clean += "/" + part;
  s.container = clean.empty() ? "/" : clean;
  struct stat st {};
  if (::stat(s.container.c_str(), &st) != 0 || ::access(s.container.c_str(), R_OK) != 0) {
    error(prog, "Unable to open container image " + s.container + ": " + std::strerror(errno));
    return false;
  }
  return true;
}

void print_submit_error(const char* prog, const std::string& context, const std::string& msg,
                        const std::string& partition) {
  if (msg == "Invalid partition name specified") error(prog, "invalid partition specified: " + partition);
  error(prog, context + msg);
}

int listen_for_node(const char* prog, const std::string& controller, JobSpec& spec) {
  const char* h = std::getenv("SLUICE_SRUN_HOST");
  const std::string host = h && *h ? h : local_address_toward(controller);
  int port = 0;
  std::string err;
  const int fd = zmtp::listen_tcp(host, &port, &err);
  if (fd < 0) {
    error(prog, "cannot open a socket for the job's node: " + err);
    return -1;
  }
  spec.io_endpoint = "tcp://" + host + ":" + std::to_string(port);
  return fd;
}

}  // namespace sluice::cli
