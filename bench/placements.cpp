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

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/common.hpp"
#include "core/config/config.hpp"
#include "core/ctld/plugins.hpp"
#include "core/ctld/scheduler.hpp"

namespace {

using namespace sluice;
using bench::Clock;

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
  bench::parse_int_options(argc, argv, {{"--nodes", &o.nodes, 10}, {"--jobs", &o.jobs, 1}, {"--passes", &o.passes, 1}},
                           usage);
  return o;
}

std::string config_text(const Options& o, const std::string& state_dir) {
  std::string s = "[cluster]\nname = \"bench\"\n[controller]\nstate_dir = \"" + state_dir + "\"\n";
  s += bench::mix_nodes_toml(o.nodes, true);
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
  std::vector<Node> nodes = bench::registered_idle(cfg.nodes);
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

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  const bench::Generated g =
      bench::load_generated_or_exit("sluice-placements", [&](const std::string& dir) { return config_text(o, dir); });
  const auto& cfg = g.config;
  PluginSet* const plugins = g.plugins.get();
  const std::string load_before = bench::loadavg();
  std::printf("sluice GPU placements: select_gpu in process through PluginSet and schedule_pass\n");
  bench::print_command_and_build(argc, argv);
  std::printf("plugins      %s\n", plugins->describe().c_str());
  std::printf("cluster      %zu nodes: %s\n", cfg->nodes.size(), bench::kMixText);
  std::printf("queue        %d jobs per queue, one pass from idle nodes, median of %d passes\n\n", o.jobs, o.passes);
  std::printf("%-10s %8s %8s %12s %14s %14s\n", "queue", "jobs", "placed", "pass", "placements/s", "us/decision");
  const std::pair<const char*, Queue> queues[] = {
      {"typed", Queue::Typed}, {"untyped", Queue::Untyped}, {"mixed", Queue::Mixed}};
  for (const auto& [name, q] : queues) {
    const Result r = run(o, *cfg, *plugins, q);
    std::printf("%-10s %8d %8d %9.1f ms %14.0f %14.1f\n", name, r.considered, r.placed, r.us / 1000,
                r.placed / (r.us / 1e6), r.us / r.considered);
  }
  std::printf("\nload average %s before, %s after\n", load_before.c_str(), bench::loadavg().c_str());
  return 0;
}
