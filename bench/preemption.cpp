// sluice-bench-preemption: what one scheduling pass costs when its pending jobs must preempt, with the
// real partition, select_gpu and preempt plugins in process through the controller's PluginSet and
// schedule_pass. Run through bench/preemption.sh; results and method in docs/benchmarks.md
// ("Preemption").
//
//   sluice-bench-preemption [--nodes 1000] [--passes 10] [--calls 200]
//
// The cluster (from a generated config, as the controller reads it), the node mix of
// bench/placements.cpp: 40 % t4 nodes (32 CPUs, 4 t4), 30 % a10 nodes (32 CPUs, 4 a10), 20 % a40
// nodes (64 CPUs, 8 a40 in two link groups of 4) and 10 % CPU-only nodes (64 CPUs). Partitions over
// all nodes: `prioritized` (tier 10, preempt_mode off) and `batch` (tier 1, preempt_mode requeue,
// grace_time 0), as in bench/bench.toml. Plugins: partition, select_gpu (pack) and preempt (order
// youngest, exempt_time 0).
//
// One RUNNING `batch` job per node fills it (all its CPUs and GPUs; placed by a first pass from idle
// nodes), and as many PENDING `prioritized` jobs ask for a whole node of each kind in the same mix,
// so no pending job can start without stopping a running one. Timed:
//   with preemption     schedule_pass(pending, nodes, ..., now, &facts). Every pending job asks gate
//                       and select, which answer Resources. The first job of the partition that waits
//                       for Resources asks preempt.victims with the running jobs not yet taken by the
//                       pass; the answer is checked (preempt_problem), select places the job on a copy
//                       of the nodes with the victims released, and that placement is reserved in the
//                       pass's node copy (reason "Preempting"). The jobs after it in the partition wait
//                       with reason "Priority" and do not ask (schedule_pass asks only for "Resources"),
//                       so one pass chooses the victims of one job per partition.
//   without preemption  the same pass with no PreemptionFacts: gate and select only.
//   preempt.victims     one call through PluginSet on the full cluster with every running job a
//                       candidate, for pending jobs of each kind in turn: what a pass pays per job that
//                       asks, before the check and the reservation.
// Each pass starts from a fresh copy of the full nodes; the first pass (call) of each kind warms up.
// Reported: p50 / p99 (nearest rank) / min / max, victims and jobs preempting per pass, decisions.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <sluice/ledger.hpp>
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
  int passes = 10;
  int calls = 200;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "sluice-bench-preemption: %s\nusage: sluice-bench-preemption [--nodes N>=10] [--passes N>=1]\n",
               why.c_str());
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  bench::parse_int_options(argc, argv,
                           {{"--nodes", &o.nodes, 10}, {"--passes", &o.passes, 1}, {"--calls", &o.calls, 1}}, usage);
  return o;
}

std::string config_text(const Options& o, const std::string& state_dir) {
  std::string s = "[cluster]\nname = \"bench\"\n[controller]\nstate_dir = \"" + state_dir + "\"\n";
  s += bench::mix_nodes_toml(o.nodes, false);
  s += "[[partitions]]\nname = \"prioritized\"\nnodes = \"ALL\"\ndefault = true\nmax_time = \"2-00:00:00\"\n"
       "priority_tier = 10\npreempt_mode = \"off\"\n";
  s += "[[partitions]]\nname = \"batch\"\nnodes = \"ALL\"\nmax_time = \"2-00:00:00\"\npriority_tier = 1\n"
       "preempt_mode = \"requeue\"\ngrace_time = 0\n";
  s += "[plugins.partition]\nlibrary = \"partition\"\n[plugins.select]\nlibrary = \"select_gpu\"\n";
  s += "[plugins.select.options]\nstrategy = \"pack\"\ngpu_type_order = [\"t4\", \"a10\", \"a40\"]\n";
  s += "[plugins.preempt]\nlibrary = \"preempt\"\n[plugins.preempt.options]\norder = \"youngest\"\nexempt_time = 0\n";
  return s;
}

// Job `id` of `partition`, asking for a whole node of kind `kind` (0 t4, 1 a10, 2 a40, 3 CPU only).
Job make_job(std::uint64_t id, const std::string& partition, int kind, Time submit) {
  Job j;
  j.id = id;
  j.uid = j.gid = 2000;
  j.user = "user";
  j.group = "users";
  j.submit_time = j.eligible_time = submit;
  j.priority = static_cast<std::uint32_t>(4'000'000'000ULL - id);
  j.reason = "None";
  JobSpec& s = j.spec;
  s.partition = partition;
  s.time_limit = 3600;
  switch (kind) {
    case 0: s.gpus = 4, s.gpu_type = "t4", s.cpus_per_task = 32; break;
    case 1: s.gpus = 4, s.gpu_type = "a10", s.cpus_per_task = 32; break;
    case 2: s.gpus = 8, s.gpu_type = "a40", s.cpus_per_task = 64; break;
    default: s.cpus_per_task = 64;
  }
  return j;
}

// Kinds in the node mix, interleaved: job i of n gets the kind whose share of n it falls in, spread
// over the queue rather than in blocks.
std::vector<int> kinds(int n) {
  const bench::Mix m = bench::mix(n);
  std::vector<int> out;
  int left[4] = {m.t4, m.a10, m.a40, m.cpu};
  while (static_cast<int>(out.size()) < n)
    for (int k = 0; k < 4; ++k)
      if (left[k]-- > 0) out.push_back(k);
  return out;
}

struct PassStats {
  std::vector<double> ms;
  int victims = 0, preempting = 0, started = 0, resources = 0, other = 0;
};

void fail(const std::string& why) {
  std::fprintf(stderr, "sluice-bench-preemption: %s\n", why.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  const bench::Generated g =
      bench::load_generated_or_exit("sluice-preemption", [&](const std::string& dir) { return config_text(o, dir); });
  const auto& cfg = g.config;
  PluginSet* const plugins = g.plugins.get();
  if (!plugins->preempt()) fail("the preempt plugin did not load");

  // Registered, idle nodes; a40 GPUs in two link groups, as NVML discovery would report.
  const std::vector<Node> idle = bench::registered_idle(cfg->nodes);
  const auto now = static_cast<Time>(std::time(nullptr));
  static const DependencyFacts no_dependencies;

  // The running batch jobs: placed by a pass from idle nodes, one per node, then RUNNING for an hour.
  const std::vector<int> kind = kinds(o.nodes);
  std::vector<Job> running;
  for (int i = 0; i < o.nodes; ++i)
    running.push_back(make_job(static_cast<std::uint64_t>(i + 1), "batch", kind[i], now - 3600 - o.nodes + i));
  std::vector<Node> full = idle;
  {
    std::vector<const Job*> queue;
    for (const Job& j : running) queue.push_back(&j);
    const auto decisions = schedule_pass(queue, full, cfg->partitions, *plugins, no_dependencies, 0, now);
    for (std::size_t i = 0; i < decisions.size(); ++i) {
      Job& j = running[i];
      if (decisions[i].job != j.id) fail("the batch pass answered out of order");
      if (!decisions[i].start) fail("batch job " + std::to_string(j.id) + " not placed: " + decisions[i].reason);
      j.state = JobState::Running;
      j.start_time = now - 3600;
      j.alloc = decisions[i].alloc;
      j.reason = "None";
    }
  }
  for (const Node& n : full)
    if (n.running_jobs != 1) fail("node " + n.name + " holds " + std::to_string(n.running_jobs) + " batch jobs, not 1");

  // The pending prioritized jobs: the same mix, submitted after the batch jobs.
  std::vector<Job> pending_jobs;
  for (int i = 0; i < o.nodes; ++i)
    pending_jobs.push_back(make_job(static_cast<std::uint64_t>(o.nodes + i + 1), "prioritized", kind[i], now - 60));
  std::vector<const Job*> pending;
  for (const Job& j : pending_jobs) pending.push_back(&j);
  PreemptionFacts facts;
  for (const Job& j : running) facts.running.push_back(&j);

  auto one_pass = [&](const PreemptionFacts* f, PassStats& st, bool timed) {
    std::vector<Node> nodes = full;
    const auto t0 = Clock::now();
    const auto decisions = schedule_pass(pending, nodes, cfg->partitions, *plugins, no_dependencies, 1, now, f);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!timed) return;
    st.ms.push_back(ms);
    int victims = 0, preempting = 0, started = 0, resources = 0, other = 0;
    for (const auto& d : decisions) {
      if (!d.fault.empty()) fail("plugin fault: " + d.fault);
      victims += static_cast<int>(d.preempt.size());
      if (d.start)
        ++started;
      else if (d.reason == "Preempting")
        ++preempting;
      else if (d.reason == "Resources" || d.reason == "Priority")
        ++resources;
      else
        ++other;
    }
    if (st.ms.size() > 1 && (victims != st.victims || preempting != st.preempting || started != st.started))
      fail("two passes over the same queue decided differently");
    st.victims = victims, st.preempting = preempting, st.started = started, st.resources = resources, st.other = other;
  };

  const std::string load_before = bench::loadavg();
  std::printf(
      "sluice preemption pass: partition, select_gpu and preempt in process through PluginSet and schedule_pass\n");
  bench::print_command_and_build(argc, argv);
  std::printf("plugins      %s\n", plugins->describe().c_str());
  std::printf("cluster      %zu nodes: %s\n", full.size(), bench::kMixText);
  std::printf(
      "jobs         %zu RUNNING batch (tier 1, requeue, grace 0), one filling each node; %zu PENDING "
      "prioritized (tier 10), each asking for a whole node\n",
      running.size(), pending.size());
  std::printf(
      "passes       %d timed per kind after a warm-up, alternating, each from a fresh copy of the full nodes\n\n",
      o.passes);

  PassStats with, without;
  one_pass(&facts, with, false);
  one_pass(nullptr, without, false);
  for (int i = 0; i < o.passes; ++i) {
    one_pass(&facts, with, true);
    one_pass(nullptr, without, true);
  }
  std::printf("%-20s %9s %9s %9s %9s %12s %8s %11s %8s %10s\n", "pass", "p50 ms", "p99 ms", "min ms", "max ms",
              "us/pending", "victims", "preempting", "started", "Resources");
  for (const auto& [name, st] : {std::pair<const char*, const PassStats&>{"with preemption", with},
                                 std::pair<const char*, const PassStats&>{"without preemption", without}}) {
    const double p50 = bench::percentile(st.ms, 50);
    std::printf("%-20s %9.1f %9.1f %9.1f %9.1f %12.1f %8d %11d %8d %10d\n", name, p50, bench::percentile(st.ms, 99),
                bench::percentile(st.ms, 0.001), bench::percentile(st.ms, 100),
                p50 * 1000 / static_cast<double>(pending.size()), st.victims, st.preempting, st.started, st.resources);
  }

  // One preempt.victims call through PluginSet on the full cluster, all running jobs candidates, for
  // pending jobs of each kind in turn: what the pass pays for each job that asks.
  std::vector<const JobView*> views(facts.running.begin(), facts.running.end());
  const ClusterView cv{full, cfg->partitions, 0};
  std::vector<double> call_us;
  std::size_t victims_per_call = 0;
  for (int i = 0; i <= o.calls; ++i) {
    const Job& j = *pending[static_cast<std::size_t>(i) % pending.size()];
    PreemptDecision pd;
    const auto t0 = Clock::now();
    const Status st = plugins->preempt(j, views, cv, pd);
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (st.code != Code::Ok)
      fail("preempt.victims did not answer Ok for job " + std::to_string(j.id) + ": " + st.reason);
    if (i) call_us.push_back(us), victims_per_call += pd.victims.size();  // the first call warms up
  }
  std::printf("\n%-20s %9s %9s %9s %9s %12s\n", "preempt.victims", "p50 us", "p99 us", "min us", "max us",
              "victims/call");
  std::printf("%-20s %9.1f %9.1f %9.1f %9.1f %12.2f\n", "one call, full", bench::percentile(call_us, 50),
              bench::percentile(call_us, 99), bench::percentile(call_us, 0.001), bench::percentile(call_us, 100),
              static_cast<double>(victims_per_call) / static_cast<double>(call_us.size()));
  std::printf("\np99: nearest rank (of %d passes, of %d calls)\n", o.passes, o.calls);
  std::printf("load average %s before, %s after\n", load_before.c_str(), bench::loadavg().c_str());
  return 0;
}
