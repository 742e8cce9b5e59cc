// select/select_gpu loaded from its built library: node choice, CPUs, memory, exact GPU indices, options.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <sluice/select.hpp>

#include "tests/fixtures/plugin_harness.hpp"

namespace sluice {
namespace {

using ::testing::UnorderedElementsAreArray;
using enum Code;

template <typename T>
std::string case_name(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

Node node(std::string name, std::uint32_t cpus, std::uint64_t mem_mb, std::vector<std::string> gpu_types) {
  Node n;
  n.name = std::move(name);
  n.cpus = cpus;
  n.mem_mb = mem_mb;
  for (auto& type : gpu_types) n.gpus.push_back({static_cast<std::uint32_t>(n.gpus.size()), std::move(type)});
  n.gpu_used.assign(n.gpus.size(), false);
  n.responding = true;
  return n;
}

// Partition "gpu": g1 (8 CPUs, 4 t4), g2 (8 CPUs, t4 + 2 a10), g3 (16 CPUs, 64 GB, no GPU), g4 (8 CPUs,
// 2 a40). Partition "cpu": c1, which is not in "gpu".
struct Cluster {
  std::vector<Node> nodes = {
      node("g1", 8, 32000, {"t4", "t4", "t4", "t4"}),
      node("g2", 8, 32000, {"t4", "a10", "a10"}),
      node("g3", 16, 64000, {}),
      node("g4", 8, 32000, {"a40", "a40"}),
      node("c1", 32, 64000, {}),
  };
  std::vector<Partition> partitions = {partition("gpu", {"g1", "g2", "g3", "g4"}), partition("cpu", {"c1"})};

  Node& operator[](const std::string& name) { return *std::ranges::find(nodes, name, &Node::name); }
  ClusterView view() const { return {nodes, partitions}; }

 private:
  static Partition partition(std::string name, std::vector<std::string> nodes) {
    Partition p;
    p.name = std::move(name);
    p.nodes = std::move(nodes);
    return p;
  }
};

using LiveState = std::function<void(Cluster&)>;
using Request = std::function<void(JobSpec&)>;

// "g1(cpus=2 gpus=0,1) g2(cpus=2 mem=100)": what a NodeAlloc list says, in order.
std::string show(const std::vector<NodeAlloc>& allocs) {
  std::string out;
  for (const NodeAlloc& a : allocs) {
    out += (out.empty() ? "" : " ") + a.node + "(cpus=" + std::to_string(a.cpus);
    if (a.mem_mb) out += " mem=" + std::to_string(a.mem_mb);
    for (std::size_t i = 0; i < a.gpus.size(); ++i) out += (i ? "," : " gpus=") + std::to_string(a.gpus[i]);
    out += ")";
  }
  return out;
}

test::Harness load_select(const std::string& strategy) {
  return test::load("select", SLUICE_PLUGIN_PATH, "strategy = \"" + strategy + "\"");
}

Job job_for(const Request& request) {
  Job job;
  job.spec.partition = "gpu";
  if (request) request(job.spec);
  return job;
}

struct SelectCase {
  std::string name;
  std::string strategy = "pack";
  LiveState state{};  // allocations, drains
  Request request{};  // in partition "gpu"
  Code code = Ok;
  std::string want{};  // Ok: show(allocation); else the reason
};

class Select : public testing::TestWithParam<SelectCase> {};

TEST_P(Select, Places) {
  const SelectCase& c = GetParam();
  const test::Harness h = load_select(c.strategy);
  SelectPolicy* plugin = h.as<SelectPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  Cluster cluster;
  if (c.state) c.state(cluster);
  std::vector<NodeAlloc> out;
  const Status s = plugin->select(job_for(c.request), cluster.view(), out);
  EXPECT_EQ(s.code, c.code) << s.message;
  EXPECT_EQ(c.code == Ok ? show(out) : s.reason, c.want);
}

// g1 has 2 CPUs free, g2 6, g3 16, g4 8.
void busy(Cluster& c) { c["g1"].alloc_cpus = 6, c["g2"].alloc_cpus = 2; }

LiveState gpus_used(const std::string& node, std::vector<bool> used) {
  return [=](Cluster& c) { c[node].gpu_used = used; };
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Select,
    testing::ValuesIn(std::vector<SelectCase>{
        {"PackTakesBusiestNode", "pack", busy, nullptr, Ok, "g1(cpus=1)"},
        {"SpreadTakesIdlestNode", "spread", busy, nullptr, Ok, "g3(cpus=1)"},
        {"PackSkipsNodeWithoutEnoughCpus", "pack", busy, [](JobSpec& s) { s.cpus_per_task = 4; }, Ok, "g2(cpus=4)"},
        {"TiesKeepConfigOrder", "pack", nullptr, nullptr, Ok, "g1(cpus=1)"},
        {"CpusForAllTasks", "pack", nullptr, [](JobSpec& s) { s.ntasks = 3, s.cpus_per_task = 2; }, Ok, "g1(cpus=6)"},
        {"Memory", "pack", nullptr, [](JobSpec& s) { s.mem_mb = 40000; }, Ok, "g3(cpus=1 mem=40000)"},
        {"MemoryInUse", "pack", [](Cluster& c) { c["g3"].alloc_mem_mb = 30000; }, [](JobSpec& s) { s.mem_mb = 40000; },
         Unschedulable, "Resources"},
        {"FirstFreeGpus", "pack", nullptr, [](JobSpec& s) { s.gpus = 2; }, Ok, "g1(cpus=1 gpus=0,1)"},
        {"GpuIndicesSkipUsedOnes", "pack", gpus_used("g1", {true, false, true, false}), [](JobSpec& s) { s.gpus = 2; },
         Ok, "g1(cpus=1 gpus=1,3)"},
        {"NodeWithTooFewFreeGpusSkipped", "pack", gpus_used("g1", {true, true, true, false}),
         [](JobSpec& s) { s.gpus = 2; }, Ok, "g2(cpus=1 gpus=0,1)"},
        {"TypedGpus", "pack", nullptr, [](JobSpec& s) { s.gpus = 2, s.gpu_type = "a10"; }, Ok, "g2(cpus=1 gpus=1,2)"},
        {"TypedGpuSkipsUsedOne", "pack", gpus_used("g2", {false, true, false}),
         [](JobSpec& s) { s.gpus = 1, s.gpu_type = "a10"; }, Ok, "g2(cpus=1 gpus=2)"},
        {"TypedGpusBusy", "pack", gpus_used("g2", {false, true, false}),
         [](JobSpec& s) { s.gpus = 2, s.gpu_type = "a10"; }, Unschedulable, "Resources"},
        {"GpusPerNode", "pack", nullptr, [](JobSpec& s) { s.gpus_per_node = 2, s.gpu_type = "a40"; }, Ok,
         "g4(cpus=1 gpus=0,1)"},
        {"Nodelist", "pack", nullptr, [](JobSpec& s) { s.nodelist = "g4"; }, Ok, "g4(cpus=1)"},
        {"NodelistBusy", "pack", [](Cluster& c) { c["g4"].alloc_cpus = 8; }, [](JobSpec& s) { s.nodelist = "g4"; },
         Unschedulable, "Resources"},
        {"NodelistDrained", "pack", [](Cluster& c) { c["g4"].drain = true; }, [](JobSpec& s) { s.nodelist = "g4"; },
         Unschedulable, "ReqNodeNotAvail"},
        {"Exclude", "pack", nullptr, [](JobSpec& s) { s.exclude = "g1,g2"; }, Ok, "g4(cpus=1)"},
        {"ExcludeAll", "pack", nullptr, [](JobSpec& s) { s.exclude = "g1,g2,g3,g4"; }, Unschedulable, "Resources"},
        {"DrainedSkipped", "pack", [](Cluster& c) { c["g1"].drain = true; }, nullptr, Ok, "g2(cpus=1)"},
        {"NotRespondingSkipped", "pack", [](Cluster& c) { c["g1"].responding = false; }, nullptr, Ok, "g2(cpus=1)"},
        {"AdminDownSkipped", "pack", [](Cluster& c) { c["g1"].down_admin = true; }, nullptr, Ok, "g2(cpus=1)"},
        {"NodesOutsidePartitionIgnored", "pack", [](Cluster& c) { c["g3"].alloc_cpus = 16; },
         [](JobSpec& s) { s.cpus_per_task = 12; }, Unschedulable, "Resources"},
        {"MultiNode", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.ntasks = 4, s.gpus = 4; }, Ok,
         "g1(cpus=2 gpus=0,1) g2(cpus=2 gpus=0,1)"},
        {"MultiNodeSpread", "spread", nullptr, [](JobSpec& s) { s.nodes = 3; }, Ok, "g3(cpus=1) g1(cpus=1) g2(cpus=1)"},
        {"MultiNodeWithRequiredNode", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.nodelist = "g4"; }, Ok,
         "g4(cpus=1) g1(cpus=1)"},
        {"MultiNodeNotEnoughFree", "pack", nullptr, [](JobSpec& s) { s.nodes = 4, s.gpus_per_node = 1; }, Unschedulable,
         "Resources"},
        {"NodelistTwoNodes", "pack", nullptr, [](JobSpec& s) { s.nodelist = "g4,g1"; }, Ok, "g1(cpus=1) g4(cpus=1)"},
        {"NodelistRepeatedNameOnce", "pack", nullptr, [](JobSpec& s) { s.nodelist = "g1,g1"; }, Ok, "g1(cpus=1)"},
        {"NodelistRepeatedNamePlusExtraNode", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.nodelist = "g4,g4"; },
         Ok, "g4(cpus=1) g1(cpus=1)"},
        {"NodelistPlusExtraNodes", "spread", nullptr, [](JobSpec& s) { s.nodes = 3, s.nodelist = "g4"; }, Ok,
         "g4(cpus=1) g3(cpus=1) g1(cpus=1)"},
        {"NodelistBusyMultiNode", "pack", [](Cluster& c) { c["g4"].alloc_cpus = 8; },
         [](JobSpec& s) { s.nodes = 2, s.nodelist = "g4"; }, Unschedulable, "Resources"},
        {"NodelistDownMultiNode", "pack", [](Cluster& c) { c["g4"].responding = false; },
         [](JobSpec& s) { s.nodes = 2, s.nodelist = "g4"; }, Unschedulable, "ReqNodeNotAvail"},
        {"UnlistedDrainedNodeIgnored", "pack", [](Cluster& c) { c["g3"].drain = true; },
         [](JobSpec& s) { s.nodes = 2, s.nodelist = "g4"; }, Ok, "g4(cpus=1) g1(cpus=1)"},
        {"NodelistExcluded", "pack", nullptr, [](JobSpec& s) { s.nodelist = "g4", s.exclude = "g4"; }, Unschedulable,
         "ReqNodeNotAvail"},
        {"TasksSplitUnevenly", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.ntasks = 3, s.cpus_per_task = 2; }, Ok,
         "g1(cpus=4) g2(cpus=2)"},
        {"NodeWithoutTaskGetsOneCpu", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.cpus_per_task = 4; }, Ok,
         "g1(cpus=4) g2(cpus=1)"},
        {"GpusSplitUnevenly", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.gpus = 3; }, Ok,
         "g1(cpus=1 gpus=0,1) g2(cpus=1 gpus=0)"},
        {"LargerShareToNodeThatFitsIt", "pack", gpus_used("g1", {true, true, true, false}),
         [](JobSpec& s) { s.nodes = 2, s.gpus = 3; }, Ok, "g2(cpus=1 gpus=0,1) g1(cpus=1 gpus=3)"},
        {"ListedNodeTakesSmallerShare", "pack", [](Cluster& c) { c["g4"].alloc_cpus = 4; },
         [](JobSpec& s) { s.nodes = 2, s.ntasks = 3, s.cpus_per_task = 4, s.nodelist = "g4"; }, Ok,
         "g1(cpus=8) g4(cpus=4)"},
        {"GpusPerNodeNotSplit", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.gpus_per_node = 1; }, Ok,
         "g1(cpus=1 gpus=0) g2(cpus=1 gpus=0)"},
        {"ZeroNodesTakesOne", "pack", nullptr, [](JobSpec& s) { s.nodes = 0; }, Ok, "g1(cpus=1)"},
    }),
    case_name<SelectCase>);

struct FeasibleCase {
  std::string name;
  LiveState state{};
  Request request{};
  Code code = Ok;
  std::string message{};
};

class Feasible : public testing::TestWithParam<FeasibleCase> {};

TEST_P(Feasible, JudgesConfiguredHardware) {
  const FeasibleCase& c = GetParam();
  const test::Harness h = load_select("pack");
  SelectPolicy* plugin = h.as<SelectPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  Cluster cluster;
  if (c.state) c.state(cluster);
  const Status s = plugin->feasible(job_for(c.request), cluster.view());
  EXPECT_EQ(s.code, c.code);
  EXPECT_EQ(s.message, c.message);
}

const std::string kNotAvailable = "Requested node configuration is not available";

INSTANTIATE_TEST_SUITE_P(
    Cases, Feasible,
    testing::ValuesIn(std::vector<FeasibleCase>{
        {"Simple"},
        {"LargestNode", nullptr, [](JobSpec& s) { s.cpus_per_task = 16, s.mem_mb = 64000; }},
        {"AllGpusOfANode", nullptr, [](JobSpec& s) { s.gpus = 4, s.gpu_type = "t4"; }},
        {"BusyAndDrainedStillFeasible",
         [](Cluster& c) {
           for (Node& n : c.nodes) n.alloc_cpus = n.cpus, n.drain = true;
         },
         [](JobSpec& s) { s.nodes = 4; }},
        {"UnknownPartition", nullptr, [](JobSpec& s) { s.partition = "nope"; }, Reject,
         "Invalid partition name specified"},
        {"TooManyCpus", nullptr, [](JobSpec& s) { s.cpus_per_task = 17; }, Reject, kNotAvailable},
        {"TooMuchMemory", nullptr, [](JobSpec& s) { s.mem_mb = 64001; }, Reject, kNotAvailable},
        {"TooManyGpusPerNode", nullptr, [](JobSpec& s) { s.gpus_per_node = 5; }, Reject, kNotAvailable},
        {"TooManyGpusOfType", nullptr, [](JobSpec& s) { s.gpus = 3, s.gpu_type = "a10"; }, Reject, kNotAvailable},
        {"UnknownGpuType", nullptr, [](JobSpec& s) { s.gpus = 1, s.gpu_type = "h100"; }, Reject, kNotAvailable},
        {"TooManyNodes", nullptr, [](JobSpec& s) { s.nodes = 5; }, Reject, kNotAvailable},
        {"TooManyGpuNodes", nullptr, [](JobSpec& s) { s.nodes = 4, s.gpus_per_node = 1; }, Reject, kNotAvailable},
        {"NodelistOutsidePartition", nullptr, [](JobSpec& s) { s.nodelist = "c1"; }, Reject, kNotAvailable},
        {"NodelistTooSmall", nullptr, [](JobSpec& s) { s.nodelist = "g3", s.gpus = 1; }, Reject, kNotAvailable},
        {"ExcludeAll", nullptr, [](JobSpec& s) { s.exclude = "g1,g2,g3,g4"; }, Reject, kNotAvailable},
        {"NodelistRepeatedName", nullptr, [](JobSpec& s) { s.nodelist = "g1,g1"; }},
        {"NodelistExcluded", nullptr, [](JobSpec& s) { s.nodelist = "g4", s.exclude = "g4"; }, Reject, kNotAvailable},
        {"NodelistOutsidePartitionMultiNode", nullptr, [](JobSpec& s) { s.nodes = 2, s.nodelist = "c1"; }, Reject,
         kNotAvailable},
        {"ListedNodeWithoutGpusMultiNode", nullptr, [](JobSpec& s) { s.nodes = 2, s.nodelist = "g3", s.gpus = 2; },
         Reject, kNotAvailable},
        {"ListedNodeWithoutGpuType", nullptr,
         [](JobSpec& s) { s.nodelist = "g4,g1", s.gpus_per_node = 1, s.gpu_type = "a40"; }, Reject, kNotAvailable},
        {"ListedNodeTooSmallForLargerShareOnly", nullptr,
         [](JobSpec& s) { s.nodes = 2, s.ntasks = 3, s.cpus_per_task = 6, s.nodelist = "g1"; }},
        {"ListedNodeTooSmallForAnyShare", nullptr,
         [](JobSpec& s) { s.nodes = 2, s.ntasks = 4, s.cpus_per_task = 6, s.nodelist = "g1"; }, Reject, kNotAvailable},
        {"SharesFitWhereEvenSplitDoesNot", nullptr,
         [](JobSpec& s) { s.nodes = 2, s.ntasks = 3, s.cpus_per_task = 8, s.nodelist = "g1,g3"; }},
        {"ZeroNodes", nullptr, [](JobSpec& s) { s.nodes = 0; }},
    }),
    case_name<FeasibleCase>);

struct OptionCase {
  std::string name;
  std::string options;              // lines of [plugins.select.options]
  std::vector<std::string> errors;  // in any order
};

class Options : public testing::TestWithParam<OptionCase> {};

TEST_P(Options, AreValidated) {
  const auto h = test::load("select", SLUICE_PLUGIN_PATH, GetParam().options);
  EXPECT_EQ(h.plugin != nullptr, GetParam().errors.empty());
  EXPECT_THAT(h.errors, UnorderedElementsAreArray(GetParam().errors));
}

const std::string kAt = "t.toml:" + std::to_string(test::kOptionsLine);

INSTANTIATE_TEST_SUITE_P(
    Cases, Options,
    testing::ValuesIn(std::vector<OptionCase>{
        {"None", "", {}},
        {"Pack", "strategy = \"pack\"", {}},
        {"Spread", "strategy = \"spread\"", {}},
        {"UnknownKey", "strategies = \"pack\"", {kAt + ":14: plugins.select.options.strategies: unknown key"}},
        {"WrongType", "strategy = 1", {kAt + ":12: plugins.select.options.strategy: expected string, got integer"}},
        {"BadStrategy",
         "strategy = \"fill\"",
         {kAt + ":12: plugins.select.options.strategy: must be \"pack\" or \"spread\" (got \"fill\")"}},
        {"EveryProblem",
         "strategy = \"fill\"\nfast = true",
         {kAt + ":12: plugins.select.options.strategy: must be \"pack\" or \"spread\" (got \"fill\")",
          "t.toml:" + std::to_string(test::kOptionsLine + 1) + ":8: plugins.select.options.fast: unknown key"}},
    }),
    case_name<OptionCase>);

}  // namespace
}  // namespace sluice
