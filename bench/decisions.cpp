// sluice-bench-decisions: what one plugin decision costs in process and isolated (sluice-plugin-host),
// with the real partition and select_gpu plugins, on a generated cluster and queue. The plugins are
// the controller's: a PluginSet loaded from the generated config, once with isolate = false and once
// with isolate = true. Run through bench/decisions.sh; results and method in docs/benchmarks.md
// ("Plugin decision overhead").
//
//   sluice-bench-decisions [--nodes 64] [--jobs 1000] [--calls 2000] [--passes 5] [--strategy pack|spread]
//
// (a) per call, through PluginSet (its wrapper included): select() (cluster unchanged since the last
//     call, and cluster changed before every call, which makes the isolated proxy resend it), gate(),
//     and gate() + select() (what a pass asks per job), each timed alone; median, p99, mean.
// (b) a scheduling pass: the controller's schedule_pass() (core/ctld/scheduler.hpp) over the pending
//     jobs, which sorts them, asks gate then select for each, checks each placement against the
//     select contract and takes it from the nodes with the ledger (sluice/ledger.hpp), advancing the
//     ClusterView generation (so an isolated proxy resends the cluster after every placement). Pass A
//     starts from idle nodes; pass B is the next pass over what is still pending, on the nodes pass A
//     filled.
// Both modes must make the same placements; the program fails (exit 1) when they differ or when any
// call returns Status::error (in a pass: a PluginError decision).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sluice/ledger.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/common.hpp"
#include "core/config/config.hpp"
#include "core/ctld/plugins.hpp"
#include "core/ctld/scheduler.hpp"
#include "core/proto/wire.hpp"

namespace {

using namespace sluice;
namespace fs = std::filesystem;
using bench::Clock;

double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }

struct Options {
  int nodes = 64;
  int jobs = 1000;
  int calls = 2000;
  int passes = 5;
  std::string strategy = "pack";
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "sluice-bench-decisions: %s\nusage: sluice-bench-decisions [--nodes N>=2] [--jobs N>=1] "
               "[--calls N>=10] [--passes N>=1] [--strategy pack|spread]\n",
               why);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    const std::string v = argv[++i];
    auto number = [&](int min) {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (!end || *end || n < min || n > 1'000'000) usage(("bad value for " + a + ": " + v).c_str());
      return static_cast<int>(n);
    };
    if (a == "--nodes")
      o.nodes = number(2);
    else if (a == "--jobs")
      o.jobs = number(1);
    else if (a == "--calls")
      o.calls = number(10);
    else if (a == "--passes")
      o.passes = number(1);
    else if (a == "--strategy" && (v == "pack" || v == "spread"))
      o.strategy = v;
    else
      usage(("unknown option " + a + " " + v).c_str());
  }
  return o;
}

// Half the nodes "g<i>" (64 CPUs, 512 GB, 8 x a100), half "t<i>" (32 CPUs, 256 GB, 4 x t4); partition
// "gpu" over all (default, tier 10, 2 days), "short" over the t nodes (tier 1, 4 hours). Both plugins
// in process or both isolated.
std::string config_text(const Options& o, const std::string& state_dir, bool isolate) {
  const int g = (o.nodes + 1) / 2, t = o.nodes - g;
  std::string s = "[cluster]\nname = \"bench\"\n[controller]\nstate_dir = \"" + state_dir + "\"\n";
  s += "[[nodes]]\nnames = \"g[1-" + std::to_string(g) + "]\"\ncpus = 64\nmemory = \"512G\"\ngpus = { a100 = 8 }\n";
  s += "[[nodes]]\nnames = \"t[1-" + std::to_string(t) + "]\"\ncpus = 32\nmemory = \"256G\"\ngpus = { t4 = 4 }\n";
  s += "[[partitions]]\nname = \"gpu\"\nnodes = \"ALL\"\ndefault = true\nmax_time = \"2-00:00:00\"\npriority_tier = "
       "10\n";
  s += "[[partitions]]\nname = \"short\"\nnodes = \"t[1-" + std::to_string(t) +
       "]\"\nmax_time = \"4:00:00\"\npriority_tier = 1\n";
  // deadline_ms only bounds a failing call; a long one keeps a noisy machine from restarting hosts.
  const std::string iso = isolate ? "true" : "false";
  s += "[plugins.partition]\nlibrary = \"partition\"\nisolate = " + iso + "\ndeadline_ms = 10000\n";
  s += "[plugins.select]\nlibrary = \"select_gpu\"\nisolate = " + iso + "\ndeadline_ms = 10000\n";
  s += "[plugins.select.options]\nstrategy = \"" + o.strategy + "\"\n";
  return s;
}

// Generations are unique over the whole run, as in the controller: an isolated proxy resends the
// cluster whenever the generation differs from the one it last sent, so a value must never repeat.
std::uint64_t g_generation = 0;

// The cluster as the controller keeps it: configured nodes, registered and idle.
struct Cluster {
  std::vector<Node> nodes;
  std::vector<Partition> partitions;
  std::uint64_t generation = 0;  // 0: unknown (a proxy always sends the cluster)

  explicit Cluster(const Config& cfg) : nodes(cfg.nodes), partitions(cfg.partitions) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      Node& n = nodes[i];
      n.responding = true;
      clear_allocations(n);
      n.hostname = n.name + ".cluster.example.org";
      n.addr = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
      n.os = "Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1";
      n.arch = "x86_64";
      n.version = "0.1.0";
      n.boot_time = n.agent_start_time = n.last_seen = 1'700'000'000;
      n.free_mem_mb = n.mem_mb;
    }
  }
  ClusterView view() const { return ClusterView{nodes, partitions, generation}; }
  void bump() { generation = ++g_generation; }
};

// A submission as sbatch sends it (--export=ALL carries the submitter's environment: 40 variables,
// about 2.4 KB, and a short script), in ten shapes.
Job make_job(std::uint64_t id) {
  Job j;
  j.id = id;
  j.uid = j.gid = 2000 + static_cast<std::uint32_t>(id % 20);
  j.user = "user" + std::to_string(id % 20);
  j.group = "users";
  j.submit_time = j.eligible_time = 1'700'000'000 + static_cast<Time>(id);
  JobSpec& s = j.spec;
  s.name = "train-" + std::to_string(id);
  s.workdir = "/home/" + j.user + "/project";
  s.script =
      "#!/bin/bash\n#SBATCH --gres=gpu:1\nsource ~/venv/bin/activate\nsrun python train.py --epochs 10 "
      "--config configs/run" +
      std::to_string(id) + ".yaml --data /scratch/" + j.user + "/data\n";
  for (int k = 0; k < 40; ++k)
    s.env.push_back("SOME_VARIABLE_" + std::to_string(k) + "=/usr/local/lib/some/path/value/" + std::to_string(id));
  s.submit_host = "login1";
  switch (id % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:  // one GPU of any type
      s.cpus_per_task = 4 + static_cast<std::uint32_t>(id % 5);
      s.mem_mb = 16384;
      s.gpus = 1;
      s.time_limit = 3600 * (1 + static_cast<Time>(id % 8));
      break;
    case 5:
    case 6:  // two a100s
      s.cpus_per_task = 16;
      s.mem_mb = 65536;
      s.gpus_per_node = 2;
      s.gpu_type = "a100";
      break;  // time limit: the partition's
    case 7:   // CPU only
      s.cpus_per_task = 2;
      s.mem_mb = 8192;
      s.time_limit = 600;
      break;
    case 8:  // two nodes, four a100s each
      s.nodes = 2;
      s.ntasks = 8;
      s.cpus_per_task = 4;
      s.gpus_per_node = 4;
      s.gpu_type = "a100";
      s.time_limit = 86400;
      break;
    default:  // a t4 in the short partition
      s.partition = "short";
      s.cpus_per_task = 4;
      s.gpus = 1;
      s.gpu_type = "t4";
      s.time_limit = 7200;
  }
  return j;
}

struct Stats {
  double median = 0, p99 = 0, mean = 0, min = 0;
};
Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.min = v.front();
  s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  return s;
}

int g_errors = 0;  // Status::error answers (a failing host, a missed deadline): the numbers are void
void fault(const char* what, const std::string& message) {
  if (++g_errors <= 5) std::fprintf(stderr, "error from %s: %s\n", what, message.c_str());
}
void count(const Status& st, const char* what) {
  if (st.code == Code::Error) fault(what, st.message);
}

struct Mode {
  const char* name;
  PluginSet* plugins;
};

enum class Call { Select, Gate, GateThenSelect };

// (a): `calls` timed calls after a warm-up; bump: a new generation before every call.
std::vector<double> time_calls(const Options& o, Cluster& c, const Job& job, Call call, bool bump, const Mode& m) {
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(o.calls));
  const int warmup = std::max(20, o.calls / 10);
  c.bump();
  for (int i = 0; i < warmup + o.calls; ++i) {
    if (bump) c.bump();
    const ClusterView cv = c.view();
    std::vector<NodeAlloc> alloc;
    const auto t0 = Clock::now();
    if (call != Call::Select) count(m.plugins->gate(job, cv), "gate");
    if (call != Call::Gate) count(m.plugins->select(job, cv, alloc), "select");
    const double us = us_since(t0);
    if (i >= warmup) out.push_back(us);
  }
  return out;
}

struct PassResult {
  double us = 0;
  int considered = 0, placed = 0;
  std::map<std::string, int> waiting;               // pending reason -> jobs not placed
  std::map<std::uint64_t, std::string> placements;  // job id -> "node:gpus,..." (to compare modes)
};

// (b): one schedule_pass() over the jobs of `jobs` still pending, on `c`'s nodes. Started jobs take
// state Running and their allocation; the others keep the decision's reason.
PassResult timed_pass(Cluster& c, std::vector<Job>& jobs, const Mode& m) {
  PassResult r;
  std::vector<const Job*> pending;
  std::unordered_map<std::uint64_t, Job*> by_id;
  for (Job& j : jobs)
    if (j.state == JobState::Pending) {
      pending.push_back(&j);
      by_id[j.id] = &j;
    }
  static const DependencyFacts no_dependencies;
  c.bump();  // a pass starts from a generation of its own, as in the controller
  const auto t0 = Clock::now();
  std::vector<PassDecision> decisions =
      schedule_pass(pending, c.nodes, c.partitions, *m.plugins, no_dependencies, c.generation);
  r.us = us_since(t0);
  r.considered = static_cast<int>(pending.size());
  for (PassDecision& d : decisions) {
    Job& j = *by_id.at(d.job);
    if (!d.fault.empty()) fault("pass", d.fault);
    if (!d.start) {
      j.reason = d.reason;
      ++r.waiting[d.reason];
      continue;
    }
    // schedule_pass advanced the generation once per placement; keep generations unique.
    c.generation = ++g_generation;
    j.state = JobState::Running;
    j.reason = "None";
    j.alloc = std::move(d.alloc);
    ++r.placed;
    std::string where;
    for (const NodeAlloc& a : j.alloc) {
      where += a.node + ":";
      for (auto g : a.gpus) where += std::to_string(g) + ",";
      where += " ";
    }
    r.placements[j.id] = where;
  }
  return r;
}

std::string waiting_text(const PassResult& r) {
  std::string out;
  for (const auto& [reason, jobs] : r.waiting) out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(jobs);
  return out.empty() ? "none" : out;
}

struct PassStats {
  Stats a, b;  // microseconds per pass
  PassResult first_a, first_b;
};

// Rounds of pass A then pass B, alternating the modes so that a change in background load hits both.
// The first round warms up (and is the one whose placements are compared).
std::vector<PassStats> time_passes(const Options& o, const Cluster& idle, const std::vector<Job>& queue,
                                   const std::vector<Mode>& modes) {
  std::vector<PassStats> out(modes.size());
  std::vector<std::vector<double>> ta(modes.size()), tb(modes.size());
  for (int i = 0; i < o.passes + 1; ++i) {
    for (std::size_t m = 0; m < modes.size(); ++m) {
      Cluster c = idle;
      std::vector<Job> jobs = queue;
      PassResult a = timed_pass(c, jobs, modes[m]);
      PassResult b = timed_pass(c, jobs, modes[m]);
      if (i == 0) {
        out[m].first_a = std::move(a);
        out[m].first_b = std::move(b);
      } else {
        ta[m].push_back(a.us);
        tb[m].push_back(b.us);
      }
    }
  }
  for (std::size_t m = 0; m < modes.size(); ++m) {
    out[m].a = stats(ta[m]);
    out[m].b = stats(tb[m]);
  }
  return out;
}

// The sluice-plugin-host processes this program runs now. PluginSet keeps its hosts to itself; a host
// that crashed or missed a deadline is gone, or back under a new pid.
std::set<int> host_pids() {
  std::set<int> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    std::ifstream children(task.path() / "children");
    for (int pid; children >> pid;) {
      std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
      std::string name;
      std::getline(comm, name);
      if (name.starts_with("sluice-plugin")) out.insert(pid);
    }
  }
  return out;
}

std::string human(double us) {
  char buf[32];
  if (us >= 10000)
    std::snprintf(buf, sizeof buf, "%.1f ms", us / 1000);
  else if (us >= 1000)
    std::snprintf(buf, sizeof buf, "%.2f ms", us / 1000);
  else if (us >= 100)
    std::snprintf(buf, sizeof buf, "%.0f us", us);
  else if (us >= 10)
    std::snprintf(buf, sizeof buf, "%.1f us", us);
  else
    std::snprintf(buf, sizeof buf, "%.2f us", us);
  return buf;
}

void row(const char* what, double in, double iso) {
  const double ratio = in > 0 ? iso / in : 0.0;
  std::printf("%-50s %12s %12s %9.*fx\n", what, human(in).c_str(), human(iso).c_str(), ratio < 10 ? 1 : 0, ratio);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  spdlog::set_level(spdlog::level::warn);

  const bench::TempDir dir("sluice-decisions");

  // The same cluster and plugins twice: in process and isolated (hosts found as $SLUICE_PLUGIN_HOST,
  // else beside this binary).
  std::vector<std::string> errors;
  std::shared_ptr<const Config> cfgs[2];
  std::unique_ptr<PluginSet> sets[2];
  double load_us[2] = {0, 0};
  for (int isolate = 0; isolate < 2; ++isolate) {
    const std::string conf = dir.path() + (isolate ? "/sluice-isolated.toml" : "/sluice.toml");
    bench::Generated g = bench::load_generated(conf, config_text(o, dir.path(), isolate), errors);
    cfgs[isolate] = g.config;
    sets[isolate] = std::move(g.plugins);
    load_us[isolate] = g.load_us;
    if (!sets[isolate]) break;
  }
  if (!sets[0] || !sets[1]) {
    bench::print_errors(errors);
    return 1;
  }
  Mode in{"in-process", sets[0].get()};
  Mode iso{"isolated", sets[1].get()};
  const std::set<int> hosts_at_start = host_pids();

  // The queue: admitted at submission by the in-process partition plugin, as the controller does.
  // schedule_pass puts it in the controller's order (partition tier, priority: older first, id).
  const Cluster idle(*cfgs[0]);
  std::vector<Job> queue;
  for (int i = 1; i <= o.jobs; ++i) {
    Job j = make_job(static_cast<std::uint64_t>(i));
    const Status st = in.plugins->admit(j, idle.view());
    if (st.code != Code::Ok) {
      std::fprintf(stderr, "job %d not admitted: %s\n", i, st.message.c_str());
      return 1;
    }
    j.reason = "None";
    j.priority = static_cast<std::uint32_t>(4294901760LL - static_cast<std::int64_t>(j.id));
    queue.push_back(std::move(j));
  }
  Job probe_job = make_job(1);  // one GPU of any type, 5 CPUs, 16 GB
  (void)in.plugins->admit(probe_job, idle.view());

  const std::string load_before = bench::loadavg();
  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));

  // (a) per call, on idle nodes (select walks every node and returns a placement).
  struct CallRow {
    const char* what;
    Call call;
    bool bump;
    Stats in, iso;
  };
  std::vector<CallRow> call_rows = {{"select(), cluster unchanged", Call::Select, false, {}, {}},
                                    {"select(), cluster changed before each call", Call::Select, true, {}, {}},
                                    {"gate(), cluster unchanged", Call::Gate, false, {}, {}},
                                    {"gate() + select(), cluster unchanged", Call::GateThenSelect, false, {}, {}}};
  for (CallRow& r : call_rows) {
    Cluster a = idle, b = idle;
    r.in = stats(time_calls(o, a, probe_job, r.call, r.bump, in));
    r.iso = stats(time_calls(o, b, probe_job, r.call, r.bump, iso));
  }
  // (b) passes.
  const std::vector<PassStats> passes = time_passes(o, idle, queue, {in, iso});
  const PassStats& pin = passes[0];
  const PassStats& piso = passes[1];
  const std::string load_after = bench::loadavg();
  const std::set<int> hosts_at_end = host_pids();
  int hosts_lost = 0;
  for (int pid : hosts_at_start) hosts_lost += !hosts_at_end.contains(pid);

  const bool same =
      pin.first_a.placements == piso.first_a.placements && pin.first_b.placements == piso.first_b.placements;
  // What a resent cluster costs without any IPC: the proxy's to_json + dump, the host's parse + from_json.
  std::size_t cluster_bytes = 0;
  std::vector<double> t_encode, t_decode;
  for (int i = 0; i < 50; ++i) {
    auto t = Clock::now();
    const std::string text = Json{{"nodes", idle.nodes}, {"partitions", idle.partitions}}.dump();
    t_encode.push_back(us_since(t));
    t = Clock::now();
    const Json parsed = Json::parse(text);
    const auto nodes = parsed.at("nodes").get<std::vector<Node>>();
    const auto partitions = parsed.at("partitions").get<std::vector<Partition>>();
    t_decode.push_back(us_since(t));
    if (nodes.size() != idle.nodes.size() || partitions.size() != idle.partitions.size()) return 1;
    cluster_bytes = text.size();
  }
  const std::size_t job_bytes = Json(probe_job).dump().size();

  const std::string cmd = bench::command_line(argc, argv);
  std::printf("sluice plugin decision overhead: in process vs isolated (sluice-plugin-host), through PluginSet\n");
  std::printf("command      %s\n", cmd.c_str());
  std::printf("date         %s; %ld CPUs online; load average %s before, %s after\n", date,
              ::sysconf(_SC_NPROCESSORS_ONLN), load_before.c_str(), load_after.c_str());
  std::printf("build        %s, gcc %s\n", SLUICE_BENCH_BUILD_TYPE, __VERSION__);
  std::printf("plugins      %s (strategy %s); isolated %s\n", in.plugins->describe().c_str(), o.strategy.c_str(),
              iso.plugins->describe().c_str());
  std::printf("cluster      %d nodes (%d x 64 CPUs 8 a100, %d x 32 CPUs 4 t4), partitions gpu (all) and short (t)\n",
              o.nodes, (o.nodes + 1) / 2, o.nodes - (o.nodes + 1) / 2);
  std::printf(
      "payload      cluster %zu bytes of JSON (encode %s, decode %s, median of 50), one job %zu bytes "
      "(40 env vars, script)\n",
      cluster_bytes, human(stats(t_encode).median).c_str(), human(stats(t_decode).median).c_str(), job_bytes);
  std::printf(
      "host start   partition + select %s (PluginSet::load, isolated: fork, exec, load, configure, READY, one "
      "host after the other); in process %s\n",
      human(load_us[1]).c_str(), human(load_us[0]).c_str());
  std::printf("\n(a) per call, %d timed calls each after a warm-up, idle cluster, one 1-GPU 5-CPU job\n", o.calls);
  std::printf("%-50s %12s %12s %10s\n", "", "in-process", "isolated", "iso/in");
  for (const CallRow& r : call_rows) {
    row((std::string(r.what) + ", median").c_str(), r.in.median, r.iso.median);
    row((std::string(r.what) + ", p99").c_str(), r.in.p99, r.iso.p99);
    row((std::string(r.what) + ", mean").c_str(), r.in.mean, r.iso.mean);
  }
  std::printf(
      "\n(b) scheduling passes (schedule_pass: gate + select per pending job, placements checked and taken), %d "
      "timed rounds after a warm-up round\n",
      o.passes);
  std::printf("pass A: %d pending jobs on idle nodes, %d placed; not placed: %s\n", pin.first_a.considered,
              pin.first_a.placed, waiting_text(pin.first_a).c_str());
  std::printf("pass B: the next pass, %d still pending, %d placed; not placed: %s\n", pin.first_b.considered,
              pin.first_b.placed, waiting_text(pin.first_b).c_str());
  std::printf("%-50s %12s %12s %10s\n", "", "in-process", "isolated", "iso/in");
  row("pass A, whole pass, median", pin.a.median, piso.a.median);
  row("pass A, whole pass, fastest", pin.a.min, piso.a.min);
  row("pass A, per pending job (median pass)", pin.a.median / std::max(1, pin.first_a.considered),
      piso.a.median / std::max(1, piso.first_a.considered));
  row("pass B, whole pass, median", pin.b.median, piso.b.median);
  row("pass B, whole pass, fastest", pin.b.min, piso.b.min);
  row("pass B, per pending job (median pass)", pin.b.median / std::max(1, pin.first_b.considered),
      piso.b.median / std::max(1, piso.first_b.considered));
  std::printf(
      "\nplacements identical in both modes: %s; hosts lost or restarted: %d of %zu; Status::error answers: %d\n",
      same ? "yes" : "NO", hosts_lost, hosts_at_start.size(), g_errors);
  std::printf("note: a shared, noisy machine; compare modes within one run, not across runs\n");
  return same && g_errors == 0 ? 0 : 1;
}
