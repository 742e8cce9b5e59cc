// sluice-bench-placements: GPU placements per second of the real select_gpu plugin, in process
// through the controller's PluginSet and schedule_pass, on a generated 1,000-node cluster. Run
// through bench/placements.sh; results and method in docs/benchmarks.md ("GPU placements").
//
//   sluice-bench-placements [--nodes 1000] [--jobs 5000] [--passes 5]
//
// The cluster (from a generated config, as the controller reads it): 40 % t4 nodes (32 CPUs,
// 4 t4), 30 % a10 nodes (32 CPUs, 4 a10), 20 % a40 nodes (64 CPUs, 8 a40 in two link groups of 4)
// and 10 % CPU-only nodes (64 CPUs), weight 1, one partition over all. select_gpu runs with
// gpu_type_order = ["t4", "a10", "a40"], topology and cpu_jobs_avoid_gpu_nodes on.
// Three queues of --jobs jobs each, placed by one pass from idle nodes:
//   typed     -G t4:1, --gres=gpu:a10:2, -G a40:4 and --gres=gpu:a40:1 --cpus-per-gpu=8, in turn;
//   untyped   -G 1, -G 2, --gpus-per-task=1 -n 4, -G 1 --mem-per-gpu=16G, in turn;
//   mixed     the two above alternating, and every fifth job CPU-only (-c 4).
// A pass takes each job in order, asks select (and the partition plugin's gate), checks the
// placement against the select contract and takes it from the nodes, so later jobs see a fuller
// cluster; jobs that no longer fit are the expensive ones (every node is tried). Reported: jobs
// placed, pass time (median of --passes after a warm-up), placements per second and microseconds
// per decision (placed or not).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sluice/ledger.hpp>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/ctld/plugins.hpp"
#include "core/ctld/scheduler.hpp"

#ifndef SLUICE_BENCH_BUILD_TYPE
#define SLUICE_BENCH_BUILD_TYPE "unknown"
#endif

namespace {

using namespace sluice;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  int nodes = 1000;
  int jobs = 5000;
  int passes = 5;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "sluice-bench-placements: %s\nusage: sluice-bench-placements [--nodes N>=10] [--jobs N>=1] "
               "[--passes N>=1]\n",
               why.c_str());
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage("missing value for " + a);
    char* end = nullptr;
    const long v = std::strtol(argv[i + 1], &end, 10);
    const int min = a == "--nodes" ? 10 : 1;
    if (!end || *end || v < min || v > 1'000'000) usage("bad value for " + a + ": " + argv[i + 1]);
    if (a == "--nodes")
      o.nodes = static_cast<int>(v);
    else if (a == "--jobs")
      o.jobs = static_cast<int>(v);
    else if (a == "--passes")
      o.passes = static_cast<int>(v);
    else
      usage("unknown option " + a);
  }
  return o;
}

std::string config_text(const Options& o, const std::string& state_dir) {
  const int t4 = o.nodes * 4 / 10, a10 = o.nodes * 3 / 10, a40 = o.nodes * 2 / 10, cpu = o.nodes - t4 - a10 - a40;
  const auto nodes = [](const std::string& prefix, int count, int cpus, const std::string& gpus,
                        const std::string& features) {
    return "[[nodes]]\nnames = \"" + prefix + "[1-" + std::to_string(count) + "]\"\ncpus = " + std::to_string(cpus) +
           "\nmemory = \"512G\"\n" + (gpus.empty() ? "" : "gpus = { " + gpus + " }\n") + "features = " + features +
           "\n";
  };
  std::string s = "[cluster]\nname = \"bench\"\n[controller]\nstate_dir = \"" + state_dir + "\"\n";
  s += nodes("t", t4, 32, "t4 = 4", "[\"gpu\", \"t4\"]") + nodes("a", a10, 32, "a10 = 4", "[\"gpu\", \"a10\"]");
  s += nodes("h", a40, 64, "a40 = 8", "[\"gpu\", \"a40\", \"nvlink\"]") + nodes("c", cpu, 64, "", "[\"cpu\"]");
  s += "[[partitions]]\nname = \"all\"\nnodes = \"ALL\"\ndefault = true\nmax_time = \"2-00:00:00\"\n";
  s += "[plugins.partition]\nlibrary = \"partition\"\n[plugins.select]\nlibrary = \"select_gpu\"\n";
  s += "[plugins.select.options]\nstrategy = \"pack\"\ngpu_type_order = [\"t4\", \"a10\", \"a40\"]\n";
  return s;
}

enum class Queue { Typed, Untyped, Mixed };

// Job `id` of a queue: one of the shapes in the header comment.
Job make_job(std::uint64_t id, Queue q) {
  Job j;
  j.id = id;
  j.uid = j.gid = 2000;
  j.user = "user";
  j.group = "users";
  j.submit_time = j.eligible_time = 1'700'000'000;
  j.priority = static_cast<std::uint32_t>(4'000'000'000ULL - id);
  j.reason = "None";
  JobSpec& s = j.spec;
  s.partition = "all";
  s.time_limit = 3600;
  s.cpus_per_task = 2;
  const bool cpu_only = q == Queue::Mixed && id % 5 == 0;
  const bool typed = q == Queue::Typed || (q == Queue::Mixed && id % 2 == 0);
  if (cpu_only) {
    s.cpus_per_task = 4;
  } else if (typed) {
    switch (id % 4) {
      case 0: s.gpus = 1, s.gpu_type = "t4"; break;
      case 1: s.gpus_per_node = 2, s.gpu_type = "a10"; break;
      case 2: s.gpus = 4, s.gpu_type = "a40"; break;
      default: s.gpus_per_node = 1, s.gpu_type = "a40", s.cpus_per_gpu = 8;
    }
  } else {
    switch (id % 4) {
      case 0: s.gpus = 1; break;
      case 1: s.gpus = 2; break;
      case 2: s.ntasks = 4, s.gpus_per_task = 1, s.cpus_per_task = 1; break;
      default: s.gpus = 1, s.mem_per_gpu_mb = 16384;
    }
  }
  return j;
}

struct Result {
  double us = 0;  // median pass
  int placed = 0, considered = 0;
};

// One pass over `queue` from the idle nodes of `cfg` (registered, link groups set as NVML would).
Result one_pass(const Config& cfg, const std::vector<Job>& queue, PluginSet& plugins, double& us) {
  std::vector<Node> nodes = cfg.nodes;
  for (Node& n : nodes) {
    n.responding = true;
    clear_allocations(n);
    for (std::size_t i = 0; i < n.gpus.size(); ++i)
      n.gpus[i].link_group = n.gpus.size() == 8 ? static_cast<std::int32_t>(i / 4) : -1;
  }
  std::vector<const Job*> pending;
  for (const Job& j : queue) pending.push_back(&j);
  static const DependencyFacts no_dependencies;
  const auto t0 = Clock::now();
  const auto decisions = schedule_pass(pending, nodes, cfg.partitions, plugins, no_dependencies, 0);
  us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  Result r;
  r.considered = static_cast<int>(decisions.size());
  for (const auto& d : decisions) {
    if (!d.fault.empty()) {
      std::fprintf(stderr, "plugin fault: %s\n", d.fault.c_str());
      std::exit(1);
    }
    r.placed += d.start;
  }
  return r;
}

Result run(const Options& o, const Config& cfg, PluginSet& plugins, Queue q) {
  std::vector<Job> queue;
  for (int i = 1; i <= o.jobs; ++i) queue.push_back(make_job(static_cast<std::uint64_t>(i), q));
  std::vector<double> times;
  Result r;
  for (int i = 0; i <= o.passes; ++i) {
    double us = 0;
    r = one_pass(cfg, queue, plugins, us);
    if (i) times.push_back(us);  // the first pass warms up
  }
  std::sort(times.begin(), times.end());
  r.us = times[times.size() / 2];
  return r;
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  std::string dir = (fs::temp_directory_path() / "sluice-placements.XXXXXX").string();
  if (!::mkdtemp(dir.data())) return std::perror("mkdtemp"), 1;
  const std::string file = dir + "/bench.toml";
  std::ofstream(file) << config_text(o, dir);
  std::vector<std::string> errors;
  const auto cfg = load_config(file, errors);
  std::unique_ptr<PluginSet> plugins;
  if (cfg) plugins = PluginSet::load(*cfg, errors);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!plugins) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  const std::string load_before = loadavg();
  std::printf("sluice GPU placements: select_gpu in process through PluginSet and schedule_pass\n");
  std::printf("command      ");
  for (int i = 0; i < argc; ++i) std::printf("%s%s", i ? " " : "", argv[i]);
  std::printf("\nbuild        %s, gcc %s; %ld CPUs online\n", SLUICE_BENCH_BUILD_TYPE, __VERSION__,
              ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("plugins      %s\n", plugins->describe().c_str());
  std::printf("cluster      %zu nodes: 40%% 4 t4, 30%% 4 a10, 20%% 8 a40 (2 link groups), 10%% CPU only\n",
              cfg->nodes.size());
  std::printf("queue        %d jobs per queue, one pass from idle nodes, median of %d passes\n\n", o.jobs, o.passes);
  std::printf("%-10s %8s %8s %12s %14s %14s\n", "queue", "jobs", "placed", "pass", "placements/s", "us/decision");
  const std::pair<const char*, Queue> queues[] = {
      {"typed", Queue::Typed}, {"untyped", Queue::Untyped}, {"mixed", Queue::Mixed}};
  for (const auto& [name, q] : queues) {
    const Result r = run(o, *cfg, *plugins, q);
    std::printf("%-10s %8d %8d %9.1f ms %14.0f %14.1f\n", name, r.considered, r.placed, r.us / 1000,
                r.placed / (r.us / 1e6), r.us / r.considered);
  }
  std::printf("\nload average %s before, %s after\n", load_before.c_str(), loadavg().c_str());
  return 0;
}
