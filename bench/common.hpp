// What the in-process benchmarks (bench/*.cpp) share: a generated config loaded as the controller
// loads it (Config and PluginSet), the generated GPU node mix of placements and preemption, the
// registered idle nodes, percentiles, the load average and the header lines of a report. Each
// benchmark's own cluster, jobs and measurements stay in its own file.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sluice/ledger.hpp>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/ctld/plugins.hpp"

#ifndef SLUICE_BENCH_BUILD_TYPE
#define SLUICE_BENCH_BUILD_TYPE "unknown"
#endif

namespace sluice::bench {

using Clock = std::chrono::steady_clock;

// A fresh directory <temp dir>/<prefix>.XXXXXX (mkdtemp), removed with all it holds when the TempDir
// goes. When it cannot be made: perror("mkdtemp") and exit status 1.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) : path_((std::filesystem::temp_directory_path() / prefix).string()) {
    path_ += ".XXXXXX";
    if (!::mkdtemp(path_.data())) {
      std::perror("mkdtemp");
      std::exit(1);
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A generated config as the controller reads it and the plugins it names.
struct Generated {
  std::shared_ptr<const Config> config;  // null: load_config failed
  std::unique_ptr<PluginSet> plugins;    // null: not loaded (config failed) or PluginSet::load failed
  double load_us = 0;                    // microseconds spent in PluginSet::load (0 when not called)
};

// Writes `text` (TOML) to the file `path`, reads it with load_config, then loads its plugins with
// PluginSet::load. Reasons for a failure are appended to `errors`; the caller decides what to do.
inline Generated load_generated(const std::string& path, const std::string& text, std::vector<std::string>& errors) {
  std::ofstream(path) << text;
  Generated g;
  g.config = load_config(path, errors);
  if (!g.config) return g;
  const auto t0 = Clock::now();
  g.plugins = PluginSet::load(*g.config, errors);
  g.load_us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  return g;
}

// Prints each of `errors` on a line of its own to stderr.
inline void print_errors(const std::vector<std::string>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
}

// print_errors, then exit status 1 (std::exit: the caller's locals are not destroyed).
[[noreturn]] inline void exit_with_errors(const std::vector<std::string>& errors) {
  print_errors(errors);
  std::exit(1);
}

// load_generated in a temporary directory <temp dir>/<prefix>.XXXXXX: `text(dir)` is the config
// (given the directory, for its state_dir), written to dir/bench.toml; the directory is gone when
// this returns. On any error the errors are printed (exit_with_errors): the result always holds a
// config and its plugins.
template <typename MakeText>
Generated load_generated_or_exit(const std::string& prefix, const MakeText& text) {
  std::vector<std::string> errors;
  Generated g;
  {
    const TempDir dir(prefix);
    g = load_generated(dir.path() + "/bench.toml", text(dir.path()), errors);
  }
  if (!g.plugins) exit_with_errors(errors);
  return g;
}

// One option "--name N" of a benchmark: N, a whole number from `min` to 1,000,000, goes to *value.
struct IntOption {
  const char* name;
  int* value;
  int min;
};

// Parses argv[1..argc) as pairs "--name N" of `options` into their values. A name without a value,
// a bad value ("bad value for --name: N") or a name not in `options` ("unknown option --name"):
// usage(why), which must not return.
template <typename Usage>
void parse_int_options(int argc, char** argv, std::initializer_list<IntOption> options, const Usage& usage) {
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage("missing value for " + a);
    const IntOption* option = nullptr;
    for (const IntOption& c : options)
      if (a == c.name) option = &c;
    char* end = nullptr;
    const long v = std::strtol(argv[i + 1], &end, 10);
    const int min = option ? option->min : 1;
    if (!end || *end || v < min || v > 1'000'000) usage("bad value for " + a + ": " + argv[i + 1]);
    if (!option) usage("unknown option " + a);
    *option->value = static_cast<int>(v);
  }
}

// The GPU node mix of placements and preemption, for `nodes` nodes: 40 % t4 nodes (32 CPUs, 4 t4),
// 30 % a10 (32 CPUs, 4 a10), 20 % a40 (64 CPUs, 8 a40) and the rest CPU only (64 CPUs); counts
// rounded down, the CPU-only nodes take what is left.
struct Mix {
  int t4, a10, a40, cpu;
};
inline Mix mix(int nodes) {
  Mix m{nodes * 4 / 10, nodes * 3 / 10, nodes * 2 / 10, 0};
  m.cpu = nodes - m.t4 - m.a10 - m.a40;
  return m;
}
// The mix as a report line says it (after "cluster      <N> nodes: ").
inline constexpr const char* kMixText = "40% 4 t4, 30% 4 a10, 20% 8 a40 (2 link groups), 10% CPU only";

// The [[nodes]] sections of the mix for `nodes` nodes: t[1-..] t4, a[1-..] a10, h[1-..] a40 and
// c[1-..] CPU only, 512G of memory each. With `features`, each section also gets features
// ["gpu", "<type>"] (a40: plus "nvlink"; CPU only: ["cpu"]).
inline std::string mix_nodes_toml(int nodes, bool features) {
  const Mix m = mix(nodes);
  const auto section = [features](const std::string& prefix, int count, int cpus, const std::string& gpus,
                                  const std::string& feature_list) {
    return "[[nodes]]\nnames = \"" + prefix + "[1-" + std::to_string(count) + "]\"\ncpus = " + std::to_string(cpus) +
           "\nmemory = \"512G\"\n" + (gpus.empty() ? "" : "gpus = { " + gpus + " }\n") +
           (features ? "features = " + feature_list + "\n" : "");
  };
  return section("t", m.t4, 32, "t4 = 4", "[\"gpu\", \"t4\"]") +
         section("a", m.a10, 32, "a10 = 4", "[\"gpu\", \"a10\"]") +
         section("h", m.a40, 64, "a40 = 8", "[\"gpu\", \"a40\", \"nvlink\"]") +
         section("c", m.cpu, 64, "", "[\"cpu\"]");
}

// The configured nodes registered and idle, as the controller holds them after every agent has
// registered: responding, no allocations, and the GPUs of 8-GPU nodes in two link groups of 4 (as
// NVML discovery reports them; other GPUs: no link group, -1).
inline std::vector<Node> registered_idle(const std::vector<Node>& configured) {
  std::vector<Node> nodes = configured;
  for (Node& n : nodes) {
    n.responding = true;
    clear_allocations(n);
    for (std::size_t i = 0; i < n.gpus.size(); ++i)
      n.gpus[i].link_group = n.gpus.size() == 8 ? static_cast<std::int32_t>(i / 4) : -1;
  }
  return nodes;
}

// The p-th percentile (p in (0, 100]) of `v` by nearest rank: the smallest value with at least p %
// of the values at or below it; p = 0.001 gives the minimum, 100 the maximum. Same unit as `v`;
// `v` must not be empty.
inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

// The 1-, 5- and 15-minute load averages of /proc/loadavg as "a b c".
inline std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// The command line, argv joined with spaces.
inline std::string command_line(int argc, char** argv) {
  std::string cmd;
  for (int i = 0; i < argc; ++i) cmd += (i ? " " : "") + std::string(argv[i]);
  return cmd;
}

// The report lines "command      <argv>" and "build        <build type>, gcc <version>; <N> CPUs online"
// on stdout.
inline void print_command_and_build(int argc, char** argv) {
  std::printf("command      %s\n", command_line(argc, argv).c_str());
  std::printf("build        %s, gcc %s; %ld CPUs online\n", SLUICE_BENCH_BUILD_TYPE, __VERSION__,
              ::sysconf(_SC_NPROCESSORS_ONLN));
}

}  // namespace sluice::bench
