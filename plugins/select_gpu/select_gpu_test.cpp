// select/select_gpu loaded from its built library: node choice, CPUs, memory, exact GPU indices,
// options, and its example.toml. Placements go through testkit::place, as the controller makes them:
// each is checked against the select contract (placement_problem) and taken from the fake cluster.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <sluice/ledger.hpp>
#include <sluice/select.hpp>
#include <sluice/testkit.hpp>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/plugin/loader.hpp"
#include "tests/fixtures/plugin_harness.hpp"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;
using enum Code;

template <typename T>
std::string case_name(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

// Partition "gpu": g1 (8 CPUs, 4 t4: GPUs 0-3), g2 (8 CPUs, 2 a10 and 1 t4: GPUs 0-1 are a10, 2 is
// the t4), g3 (16 CPUs, 64 GB, no GPU), g4 (8 CPUs, 2 a40). Partition "cpu": c1, which is not in
// "gpu". Every node is idle and responding.
testkit::FakeCluster gpu_cluster() {
  testkit::FakeCluster c;
  c.add_node("g1", {.cpus = 8, .mem_mb = 32000, .gpus = {{"t4", 4}}})
      .add_node("g2", {.cpus = 8, .mem_mb = 32000, .gpus = {{"a10", 2}, {"t4", 1}}})
      .add_node("g3", {.cpus = 16, .mem_mb = 64000})
      .add_node("g4", {.cpus = 8, .mem_mb = 32000, .gpus = {{"a40", 2}}})
      .add_node("c1", {.cpus = 32, .mem_mb = 64000})
      .add_partition("gpu", {"g1", "g2", "g3", "g4"})
      .add_partition("cpu", {"c1"});
  return c;
}

using LiveState = std::function<void(testkit::FakeCluster&)>;
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

// The plugin with `strategy` and CPU-only jobs free to use GPU nodes: the cases of Select, Sequence
// and Feasible are about the strategy alone (Policy covers the other options).
test::Harness load_select(const std::string& strategy) {
  return test::load("select", SLUICE_PLUGIN_PATH, "strategy = \"" + strategy + "\"\ncpu_jobs_avoid_gpu_nodes = false");
}

// A job admitted to partition "gpu" (one task, one CPU, testkit::JobBuilder's), changed by `request`.
auto job_for(const Request& request) {
  auto job = testkit::JobBuilder().partition("gpu").build();
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

// Each case places one job with testkit::place: a placement that breaks the select contract is an
// Error naming the problem.
class Select : public testing::TestWithParam<SelectCase> {};

TEST_P(Select, Places) {
  const SelectCase& c = GetParam();
  const test::Harness h = load_select(c.strategy);
  SelectPolicy* plugin = h.as<SelectPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  testkit::FakeCluster cluster = gpu_cluster();
  if (c.state) c.state(cluster);
  std::vector<NodeAlloc> out;
  const Status s = testkit::place(*plugin, job_for(c.request), cluster, out);
  EXPECT_EQ(s.code, c.code) << s.message;
  EXPECT_EQ(c.code == Ok ? show(out) : s.reason, c.want);
}

// g1 has 2 CPUs free, g2 6, g3 16, g4 8.
void busy(testkit::FakeCluster& c) { c.allocate("g1", 6).allocate("g2", 2); }

LiveState gpus_used(const std::string& node, std::vector<bool> used) {
  return [=](testkit::FakeCluster& c) { c.node(node).gpu_used = used; };
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
        {"MemoryInUse", "pack", [](testkit::FakeCluster& c) { c.allocate("g3", 0, 0, 30000); },
         [](JobSpec& s) { s.mem_mb = 40000; }, Unschedulable, "Resources"},
        {"FirstFreeGpus", "pack", nullptr, [](JobSpec& s) { s.gpus = 2; }, Ok, "g1(cpus=1 gpus=0,1)"},
        {"GpuIndicesSkipUsedOnes", "pack", gpus_used("g1", {true, false, true, false}), [](JobSpec& s) { s.gpus = 2; },
         Ok, "g1(cpus=1 gpus=1,3)"},
        {"NodeWithTooFewFreeGpusSkipped", "pack", gpus_used("g1", {true, true, true, false}),
         [](JobSpec& s) { s.gpus = 2; }, Ok, "g2(cpus=1 gpus=0,1)"},
        {"TypedGpus", "pack", nullptr, [](JobSpec& s) { s.gpus = 2, s.gpu_type = "a10"; }, Ok, "g2(cpus=1 gpus=0,1)"},
        {"TypedGpuSkipsUsedOne", "pack", gpus_used("g2", {true, false, false}),
         [](JobSpec& s) { s.gpus = 1, s.gpu_type = "a10"; }, Ok, "g2(cpus=1 gpus=1)"},
        {"TypedGpusBusy", "pack", gpus_used("g2", {true, false, false}),
         [](JobSpec& s) { s.gpus = 2, s.gpu_type = "a10"; }, Unschedulable, "Resources"},
        {"GpusPerNode", "pack", nullptr, [](JobSpec& s) { s.gpus_per_node = 2, s.gpu_type = "a40"; }, Ok,
         "g4(cpus=1 gpus=0,1)"},
        {"Nodelist", "pack", nullptr, [](JobSpec& s) { s.nodelist = "g4"; }, Ok, "g4(cpus=1)"},
        {"NodelistBusy", "pack", [](testkit::FakeCluster& c) { c.allocate("g4", 8); },
         [](JobSpec& s) { s.nodelist = "g4"; }, Unschedulable, "Resources"},
        {"NodelistDrained", "pack", [](testkit::FakeCluster& c) { c.node("g4").drain = true; },
         [](JobSpec& s) { s.nodelist = "g4"; }, Unschedulable, "ReqNodeNotAvail"},
        {"Exclude", "pack", nullptr, [](JobSpec& s) { s.exclude = "g1,g2"; }, Ok, "g4(cpus=1)"},
        {"ExcludeAll", "pack", nullptr, [](JobSpec& s) { s.exclude = "g1,g2,g3,g4"; }, Unschedulable, "Resources"},
        {"DrainedSkipped", "pack", [](testkit::FakeCluster& c) { c.node("g1").drain = true; }, nullptr, Ok,
         "g2(cpus=1)"},
        {"NotRespondingSkipped", "pack", [](testkit::FakeCluster& c) { c.node("g1").responding = false; }, nullptr, Ok,
         "g2(cpus=1)"},
        {"AdminDownSkipped", "pack", [](testkit::FakeCluster& c) { c.node("g1").down_admin = true; }, nullptr, Ok,
         "g2(cpus=1)"},
        {"NodesOutsidePartitionIgnored", "pack", [](testkit::FakeCluster& c) { c.allocate("g3", 16); },
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
        {"NodelistBusyMultiNode", "pack", [](testkit::FakeCluster& c) { c.allocate("g4", 8); },
         [](JobSpec& s) { s.nodes = 2, s.nodelist = "g4"; }, Unschedulable, "Resources"},
        {"NodelistDownMultiNode", "pack", [](testkit::FakeCluster& c) { c.node("g4").responding = false; },
         [](JobSpec& s) { s.nodes = 2, s.nodelist = "g4"; }, Unschedulable, "ReqNodeNotAvail"},
        {"UnlistedDrainedNodeIgnored", "pack", [](testkit::FakeCluster& c) { c.node("g3").drain = true; },
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
        {"ListedNodeTakesSmallerShare", "pack", [](testkit::FakeCluster& c) { c.allocate("g4", 4); },
         [](JobSpec& s) { s.nodes = 2, s.ntasks = 3, s.cpus_per_task = 4, s.nodelist = "g4"; }, Ok,
         "g1(cpus=8) g4(cpus=4)"},
        {"GpusPerNodeNotSplit", "pack", nullptr, [](JobSpec& s) { s.nodes = 2, s.gpus_per_node = 1; }, Ok,
         "g1(cpus=1 gpus=0) g2(cpus=1 gpus=0)"},
        {"ZeroNodesTakesOne", "pack", nullptr, [](JobSpec& s) { s.nodes = 0; }, Ok, "g1(cpus=1)"},
    }),
    case_name<SelectCase>);

// A job admitted to partition "gpu": one task with one CPU unless the builder says otherwise.
testkit::JobBuilder gpu_job() { return testkit::JobBuilder().partition("gpu"); }

// One job of a sequence and what testkit::place answers for it: show(placement) when placed, else
// the pending reason, or "error: <message>" (a placement that breaks the select contract is one).
struct Step {
  testkit::JobBuilder job;
  std::string want;
  std::string exclude{};  // -x (JobBuilder has no setter for it)
};

struct SequenceCase {
  std::string name;
  std::string strategy = "pack";
  LiveState state{};  // before the first job
  std::vector<Step> steps;
};

std::string outcome(SelectPolicy& plugin, const auto& job, testkit::FakeCluster& cluster) {
  std::vector<NodeAlloc> out;
  const Status s = testkit::place(plugin, job, cluster, out);
  switch (s.code) {
    case Ok: return show(out);
    case Unschedulable: return s.reason;
    case Reject: return "reject: " + s.message;
    case Error: break;
  }
  return "error: " + s.message;
}

class Sequence : public testing::TestWithParam<SequenceCase> {};

// The jobs are placed one after the other on one cluster: each placement is taken from it, so the
// next job sees what the ones before it hold.
TEST_P(Sequence, PlacesEachJobOnWhatIsLeft) {
  const SequenceCase& c = GetParam();
  const test::Harness h = load_select(c.strategy);
  SelectPolicy* plugin = h.as<SelectPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  testkit::FakeCluster cluster = gpu_cluster();
  if (c.state) c.state(cluster);
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i + 1));
    auto job = testkit::JobBuilder(c.steps[i].job).id(i + 1).build();
    job.spec.exclude = c.steps[i].exclude;
    EXPECT_EQ(outcome(*plugin, job, cluster), c.steps[i].want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Sequence,
    testing::ValuesIn(std::vector<SequenceCase>{
        {"PackFillsANodeBeforeTheNext",
         "pack",
         nullptr,
         {{gpu_job().cpus(2), "g1(cpus=2)"},
          {gpu_job().cpus(2), "g1(cpus=2)"},
          {gpu_job().cpus(2), "g1(cpus=2)"},
          {gpu_job().cpus(2), "g1(cpus=2)"},
          {gpu_job().cpus(2), "g2(cpus=2)"}}},
        {"PackTakesTheBusiestNodeThatFits",
         "pack",
         nullptr,
         {{gpu_job().cpus(8), "g1(cpus=8)"},
          {gpu_job().cpus(8), "g2(cpus=8)"},
          {gpu_job().cpus(8), "g4(cpus=8)"},
          {gpu_job().cpus(8), "g3(cpus=8)"},
          {gpu_job().cpus(8), "g3(cpus=8)"},
          {gpu_job().cpus(8), "Resources"}}},
        {"SpreadTakesTheIdlestNode",
         "spread",
         nullptr,
         {{gpu_job().cpus(8), "g3(cpus=8)"},
          {gpu_job().cpus(8), "g1(cpus=8)"},
          {gpu_job().cpus(8), "g2(cpus=8)"},
          {gpu_job().cpus(8), "g3(cpus=8)"},
          {gpu_job().cpus(8), "g4(cpus=8)"},
          {gpu_job().cpus(8), "Resources"}}},
        {"PackKeepsAWholeNodeForABigJob",
         "pack",
         nullptr,
         {{gpu_job().cpus(4), "g1(cpus=4)"}, {gpu_job().cpus(16), "g3(cpus=16)"}}},
        {"SpreadLeavesNoWholeNodeForABigJob",
         "spread",
         nullptr,
         {{gpu_job().cpus(4), "g3(cpus=4)"}, {gpu_job().cpus(16), "Resources"}}},
        {"GpusTakenByIndexUntilNoneIsFree",
         "pack",
         nullptr,
         {{gpu_job().gpus(1, "t4"), "g1(cpus=1 gpus=0)"},
          {gpu_job().gpus(1, "t4"), "g1(cpus=1 gpus=1)"},
          {gpu_job().gpus(1, "t4"), "g1(cpus=1 gpus=2)"},
          {gpu_job().gpus(1, "t4"), "g1(cpus=1 gpus=3)"},
          {gpu_job().gpus(1, "t4"), "g2(cpus=1 gpus=2)"},
          {gpu_job().gpus(1, "t4"), "Resources"}}},
        {"TypedGpusOnlyOfThatTypeAndOneTypePerNode",
         "pack",
         nullptr,
         {{gpu_job().gpus(1, "a10"), "g2(cpus=1 gpus=0)"},
          {gpu_job().gpus_per_node(2, "a40"), "g4(cpus=1 gpus=0,1)"},
          {gpu_job().gpus(2), "g1(cpus=1 gpus=0,1)"},  // g2's free a10 and t4 are not mixed
          {gpu_job().gpus(1, "a10"), "g2(cpus=1 gpus=1)"},
          {gpu_job().gpus(1), "g2(cpus=1 gpus=2)"},
          {gpu_job().gpus(1, "a10"), "Resources"}}},
        {"NodelistAndExclude",
         "pack",
         nullptr,
         {{gpu_job().nodelist("g4").cpus(8), "g4(cpus=8)"},
          {gpu_job().nodelist("g4"), "Resources"},
          {gpu_job(), "g3(cpus=1)", "g1,g2"},
          {gpu_job().nodelist("g3"), "ReqNodeNotAvail", "g3"},
          {gpu_job().nodes(2).nodelist("g1"), "g1(cpus=1) g2(cpus=1)"}}},
        {"DrainedAndDownNodesAvoided",
         "pack",
         [](testkit::FakeCluster& c) { c.drain("g1").down("g2"); },
         {{gpu_job(), "g4(cpus=1)"},
          {gpu_job().nodelist("g1"), "ReqNodeNotAvail"},
          {gpu_job().nodelist("g2"), "ReqNodeNotAvail"},
          {gpu_job().nodes(3), "Resources"}}},
        {"MultiNodeGpuJobsFillNodes",
         "pack",
         nullptr,
         {{gpu_job().nodes(2).tasks(4).gpus(4), "g1(cpus=2 gpus=0,1) g2(cpus=2 gpus=0,1)"},
          {gpu_job().nodes(2).gpus_per_node(1), "g1(cpus=1 gpus=2) g2(cpus=1 gpus=2)"},
          {gpu_job().nodes(2).gpus_per_node(1), "g1(cpus=1 gpus=3) g4(cpus=1 gpus=0)"},
          {gpu_job().nodes(2).gpus_per_node(1), "Resources"}}},
        {"TasksSplitUnevenlyFillNodes",
         "pack",
         nullptr,
         {{gpu_job().nodes(2).tasks(3).cpus(2), "g1(cpus=4) g2(cpus=2)"},
          {gpu_job().nodes(2).tasks(3).cpus(2), "g1(cpus=4) g2(cpus=2)"},
          {gpu_job().nodes(2).tasks(3).cpus(2), "g2(cpus=4) g4(cpus=2)"}}},
        {"NodeWithoutATaskGetsOneCpu",
         "pack",
         nullptr,
         {{gpu_job().nodes(3).tasks(2).cpus(4), "g1(cpus=4) g2(cpus=4) g4(cpus=1)"}}},
        {"MemoryPerNode",
         "pack",
         nullptr,
         {{gpu_job().nodes(3).mem_mb(30000), "g1(cpus=1 mem=30000) g2(cpus=1 mem=30000) g4(cpus=1 mem=30000)"},
          {gpu_job().mem_mb(30000), "g3(cpus=1 mem=30000)"},
          {gpu_job().nodes(2).mem_mb(30000), "Resources"},
          {gpu_job().nodes(3).mem_mb(2000), "g1(cpus=1 mem=2000) g2(cpus=1 mem=2000) g4(cpus=1 mem=2000)"}}},
        {"PartitionsKeepToTheirNodes",
         "pack",
         nullptr,
         {{testkit::JobBuilder().partition("cpu").cpus(32), "c1(cpus=32)"},
          {gpu_job().cpus(16), "g3(cpus=16)"},
          {testkit::JobBuilder().partition("cpu"), "Resources"}}},
    }),
    case_name<SequenceCase>);

// Partition "all" for the options beyond the strategy, every node 16 CPUs and 64000 MB:
// p1: 4 t4 (link groups 0,0,1,1), features gpu,t4; p2: 4 a40 (link groups 0,1,0,1), gpu,a40,nvlink;
// p3: 2 a10 (GPUs 0-1) and 2 t4 (2-3), no link groups known, gpu,a10,t4; c1: no GPU, cpu;
// c2: no GPU, cpu,bigmem, weight 5. Every other weight is 1.
testkit::FakeCluster policy_cluster() {
  testkit::FakeCluster c;
  c.add_node("p1", {.cpus = 16, .mem_mb = 64000, .gpus = {{"t4", 4}}, .features = "gpu,t4"})
      .add_node("p2", {.cpus = 16, .mem_mb = 64000, .gpus = {{"a40", 4}}, .features = "gpu,a40,nvlink"})
      .add_node("p3", {.cpus = 16, .mem_mb = 64000, .gpus = {{"a10", 2}, {"t4", 2}}, .features = "gpu,a10,t4"})
      .add_node("c1", {.cpus = 16, .mem_mb = 64000, .features = "cpu"})
      .add_node("c2", {.cpus = 16, .mem_mb = 64000, .features = "cpu,bigmem", .weight = 5})
      .add_partition("all");
  for (std::int32_t i = 0; i < 4; ++i) {
    c.node("p1").gpus[i].link_group = i / 2;
    c.node("p2").gpus[i].link_group = i % 2;
  }
  return c;
}

testkit::JobBuilder any_job() { return testkit::JobBuilder().partition("all"); }

void fill(testkit::FakeCluster& c, const std::string& node) {
  c.allocate(node, c.node(node).cpus, static_cast<std::uint32_t>(free_gpus(c.node(node)).size()));
}

const std::string kTypeOrder = "gpu_type_order = [\"t4\", \"a10\", \"a40\"]";

struct PolicyCase {
  std::string name;
  std::string options;  // lines of [plugins.select.options]
  LiveState state{};    // before the first job
  std::vector<Step> steps;
};

class Policy : public testing::TestWithParam<PolicyCase> {};

// Jobs placed one after the other on policy_cluster(), as in Sequence.
TEST_P(Policy, PlacesByOptions) {
  const PolicyCase& c = GetParam();
  const test::Harness h = test::load("select", SLUICE_PLUGIN_PATH, c.options);
  SelectPolicy* plugin = h.as<SelectPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  testkit::FakeCluster cluster = policy_cluster();
  if (c.state) c.state(cluster);
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i + 1));
    EXPECT_EQ(outcome(*plugin, testkit::JobBuilder(c.steps[i].job).id(i + 1).build(), cluster), c.steps[i].want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Policy,
    testing::ValuesIn(std::vector<PolicyCase>{
        {"CpuJobsGoToCpuNodesFirst",
         "",
         [](testkit::FakeCluster& c) { c.node("c2").weight = 1; },
         {{any_job().cpus(16), "c1(cpus=16)"}, {any_job().cpus(16), "c2(cpus=16)"}, {any_job(), "p1(cpus=1)"}}},
        {"CpuJobsMayUseGpuNodesWhenTheOptionIsOff",
         "cpu_jobs_avoid_gpu_nodes = false",
         nullptr,
         {{any_job(), "p1(cpus=1)"}}},
        {"GpuJobsNeverOnCpuNodes", "", nullptr, {{any_job().gpus(1), "p1(cpus=1 gpus=0)"}}},
        {"LowerWeightFirst",
         "cpu_jobs_avoid_gpu_nodes = false",
         [](testkit::FakeCluster& c) { c.node("p1").weight = 3, c.node("p2").weight = 2; },
         {{any_job(), "p3(cpus=1)"}, {any_job().gpus(1), "p3(cpus=1 gpus=0)"}}},
        {"WeightBeforeCpuJobAvoidance",
         "",
         [](testkit::FakeCluster& c) { c.node("c1").weight = 2; },
         {{any_job(), "p1(cpus=1)"}}},
        {"WeightBeforeStrategy",
         "strategy = \"spread\"",
         [](testkit::FakeCluster& c) { c.allocate("c1", 12); },
         {{any_job(), "c1(cpus=1)"}, {any_job().cpus(4), "p1(cpus=4)"}}},  // c2 weighs more
        {"WithoutTypeOrderPackTakesTheBusiestGpuNode",
         "",
         [](testkit::FakeCluster& c) { c.allocate("p2", 1); },
         {{any_job().gpus(1), "p2(cpus=1 gpus=0)"}}},
        {"TypeOrderSparesTheValuableType",
         kTypeOrder,
         [](testkit::FakeCluster& c) { c.allocate("p2", 1); },
         {{any_job().gpus(1), "p1(cpus=1 gpus=0)"}}},
        {"TypeOrderTakesTheNextTypeWhenTheFirstIsGone",
         kTypeOrder,
         [](testkit::FakeCluster& c) {
           fill(c, "p1"), c.node("p3").gpu_used = {false, false, true, true};
         },
         {{any_job().gpus(1), "p3(cpus=1 gpus=0)"},
          {any_job().gpus(1), "p3(cpus=1 gpus=1)"},
          {any_job().gpus(1), "p2(cpus=1 gpus=0)"}}},
        {"TypeOrderWholeJobOnOneType",
         kTypeOrder,
         [](testkit::FakeCluster& c) { fill(c, "p1"); },
         {{any_job().gpus(3), "p2(cpus=1 gpus=0,1,2)"}, {any_job().gpus(2), "p3(cpus=1 gpus=2,3)"}}},
        {"UnlistedTypesComeLast", "gpu_type_order = [\"a40\"]", nullptr, {{any_job().gpus(1), "p2(cpus=1 gpus=0)"}}},
        {"TypedRequestIgnoresTheOrder", kTypeOrder, nullptr, {{any_job().gpus(1, "a10"), "p3(cpus=1 gpus=0)"}}},
        {"MultiNodeSameTypeFirst",
         kTypeOrder,
         nullptr,
         {{any_job().nodes(2).gpus_per_node(2), "p1(cpus=1 gpus=0,1) p3(cpus=1 gpus=2,3)"}}},
        {"MultiNodeMixesTypesOnlyWhenNoTypeServesAlone",
         kTypeOrder,
         [](testkit::FakeCluster& c) { fill(c, "p1"); },
         {{any_job().nodes(2).gpus_per_node(2), "p2(cpus=1 gpus=0,2) p3(cpus=1 gpus=2,3)"}}},
        {"TopologyKeepsAJobInOneLinkGroup", "", nullptr, {{any_job().gpus(2, "a40"), "p2(cpus=1 gpus=0,2)"}}},
        {"TopologyOff", "topology = false", nullptr, {{any_job().gpus(2, "a40"), "p2(cpus=1 gpus=0,1)"}}},
        {"TopologyPrefersTheGroupThatFitsExactly",
         "",
         gpus_used("p1", {true, false, false, false}),
         {{any_job().gpus(2, "t4"), "p1(cpus=1 gpus=2,3)"}, {any_job().gpus(1, "t4"), "p1(cpus=1 gpus=1)"}}},
        {"TopologySpansFewestGroups",
         "",
         gpus_used("p2", {false, true, false, false}),
         {{any_job().gpus(3, "a40"), "p2(cpus=1 gpus=0,2,3)"}}},
        {"TopologyUnknownTakesLowestIndices", "", nullptr, {{any_job().gpus(2, "a10"), "p3(cpus=1 gpus=0,1)"}}},
        {"Constraint",
         "",
         nullptr,
         {{any_job().constraint("a40"), "p2(cpus=1)"},
          {any_job().constraint("a10|nvlink").gpus(1), "p2(cpus=1 gpus=0)"},
          {any_job().constraint("gpu&a10").gpus(1), "p3(cpus=1 gpus=0)"},
          {any_job().constraint("bigmem"), "c2(cpus=1)"},
          {any_job().constraint("a40&t4"), "Resources"}}},
        {"ConstraintAndNodelist",
         "",
         nullptr,
         {{any_job().nodelist("p1").constraint("a40"), "ReqNodeNotAvail"},
          {any_job().nodelist("p1").constraint("t4"), "p1(cpus=1)"}}},
        {"GpusPerTask",
         "",
         nullptr,
         {{any_job().tasks(2).gpus_per_task(2, "t4"), "p1(cpus=2 gpus=0,1,2,3)"},
          {any_job().nodes(2).tasks(3).gpus_per_task(1, "a40"), "Resources"},
          {any_job().nodes(2).tasks(3).gpus_per_task(1), "p2(cpus=2 gpus=0,2) p3(cpus=1 gpus=0)"}}},
        {"CpusPerGpu",
         "",
         nullptr,
         {{any_job().gpus(2, "a40").cpus_per_gpu(6), "p2(cpus=12 gpus=0,2)"},
          {any_job().gpus(1, "a40").cpus_per_gpu(6), "Resources"},
          {any_job().gpus(1, "a40").cpus_per_gpu(4), "p2(cpus=4 gpus=1)"}}},
        {"MemPerGpu",
         "",
         nullptr,
         {{any_job().gpus(2, "t4").mem_per_gpu_mb(30000), "p1(cpus=1 mem=60000 gpus=0,1)"},
          {any_job().gpus(1, "t4").mem_per_gpu_mb(30000), "p3(cpus=1 mem=30000 gpus=2)"}}},
    }),
    case_name<PolicyCase>);

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
  testkit::FakeCluster cluster = gpu_cluster();
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
         [](testkit::FakeCluster& c) {
           for (const char* n : {"g1", "g2", "g3", "g4", "c1"}) c.allocate(n, c.node(n).cpus).drain(n);
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

// The submission check with features and every GPU request form, on policy_cluster().
class PolicyFeasible : public testing::TestWithParam<FeasibleCase> {};

TEST_P(PolicyFeasible, JudgesConfiguredHardware) {
  const FeasibleCase& c = GetParam();
  const test::Harness h = test::load("select", SLUICE_PLUGIN_PATH, kTypeOrder);
  SelectPolicy* plugin = h.as<SelectPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  testkit::FakeCluster cluster = policy_cluster();
  if (c.state) c.state(cluster);
  auto job = any_job().build();
  if (c.request) c.request(job.spec);
  const Status s = plugin->feasible(job, cluster.view());
  EXPECT_EQ(s.code, c.code);
  EXPECT_EQ(s.message, c.message);
}

const std::string kBadFeature = "Invalid feature specification";

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyFeasible,
    testing::ValuesIn(std::vector<FeasibleCase>{
        {"Constraint", nullptr, [](JobSpec& s) { s.constraint = "a40|a10", s.gpus = 2; }},
        {"ConstraintBusyStillFeasible", [](testkit::FakeCluster& c) { fill(c, "p2"), c.drain("p2"); },
         [](JobSpec& s) { s.constraint = "nvlink", s.gpus = 4; }},
        {"UnknownFeature", nullptr, [](JobSpec& s) { s.constraint = "h100"; }, Reject, kBadFeature},
        {"UnknownFeatureInAnOr", nullptr, [](JobSpec& s) { s.constraint = "a40|h100"; }, Reject, kBadFeature},
        {"NoNodeHasBoth", nullptr, [](JobSpec& s) { s.constraint = "a40&t4"; }, Reject, kNotAvailable},
        {"ConstraintAndGpuTypeDisagree", nullptr,
         [](JobSpec& s) { s.constraint = "a40", s.gpu_type = "t4", s.gpus = 1; }, Reject, kNotAvailable},
        {"ListedNodeLacksFeature", nullptr, [](JobSpec& s) { s.constraint = "a40", s.nodelist = "p1"; }, Reject,
         kNotAvailable},
        {"MatchingOrRefused", nullptr, [](JobSpec& s) { s.constraint = "[a40|a10]"; }, Reject,
         kBadFeature + " (matching OR ([a|b]) is not supported)"},
        {"BadSyntax", nullptr, [](JobSpec& s) { s.constraint = "a40&"; }, Reject,
         kBadFeature + " (a feature name is missing at the end)"},
        {"TooManyOfAType", nullptr, [](JobSpec& s) { s.gpus_per_node = 9, s.gpu_type = "a40"; }, Reject, kNotAvailable},
        {"UnknownType", nullptr, [](JobSpec& s) { s.gpus = 1, s.gpu_type = "h100"; }, Reject, kNotAvailable},
        {"TypesNotMixedOnANode", nullptr, [](JobSpec& s) { s.gpus = 3, s.nodelist = "p3"; }, Reject, kNotAvailable},
        {"GpusPerTask", nullptr, [](JobSpec& s) { s.ntasks = 4, s.gpus_per_task = 1; }},
        {"GpusPerTaskTooMany", nullptr, [](JobSpec& s) { s.ntasks = 5, s.gpus_per_task = 1; }, Reject, kNotAvailable},
        {"GpusPerTaskOverNodes", nullptr, [](JobSpec& s) { s.nodes = 2, s.ntasks = 5, s.gpus_per_task = 1; }},
        {"CpusPerGpu", nullptr, [](JobSpec& s) { s.gpus = 4, s.cpus_per_gpu = 4; }},
        {"CpusPerGpuTooMany", nullptr, [](JobSpec& s) { s.gpus = 4, s.cpus_per_gpu = 5; }, Reject, kNotAvailable},
        {"MemPerGpu", nullptr, [](JobSpec& s) { s.gpus = 4, s.mem_per_gpu_mb = 16000; }},
        {"MemPerGpuTooMuch", nullptr, [](JobSpec& s) { s.gpus = 4, s.mem_per_gpu_mb = 16001; }, Reject, kNotAvailable},
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
        {"EveryOption",
         "strategy = \"spread\"\n" + kTypeOrder + "\ntopology = false\ncpu_jobs_avoid_gpu_nodes = false",
         {}},
        {"TypeOrderNotAnArray",
         "gpu_type_order = \"t4\"",
         {kAt + ":18: plugins.select.options.gpu_type_order: expected array of strings, got string"}},
        {"TypeOrderBadEntries",
         "gpu_type_order = [\"t4\", 3, \"\", \"t4\"]",
         {kAt + ":25: plugins.select.options.gpu_type_order[1]: expected string, got integer",
          kAt + ":28: plugins.select.options.gpu_type_order[2]: must not be empty",
          kAt + ":32: plugins.select.options.gpu_type_order[3]: \"t4\" listed twice"}},
        {"TopologyNotABoolean",
         "topology = \"yes\"",
         {kAt + ":12: plugins.select.options.topology: expected boolean, got string"}},
        {"CpuJobsAvoidNotABoolean",
         "cpu_jobs_avoid_gpu_nodes = 1",
         {kAt + ":28: plugins.select.options.cpu_jobs_avoid_gpu_nodes: expected boolean, got integer"}},
    }),
    case_name<OptionCase>);

// example.toml as the daemons read it: the config loader accepts the file, and the plugin loads with
// its [plugins.select] options without an error, so the example cannot drift from the plugin.
TEST(Example, LoadsThroughTheConfigLoader) {
  std::vector<std::string> errors;
  const auto cfg = load_config(SLUICE_EXAMPLE_TOML, errors);
  ASSERT_TRUE(cfg) << testing::PrintToString(errors);
  PluginConfig pc = cfg->plugins.at("select");
  // The example names the library by its name (lib<name>.so in the plugin dirs); load this build's.
  EXPECT_TRUE(std::string(SLUICE_PLUGIN_PATH).ends_with("/lib" + pc.library + ".so")) << pc.library;
  EXPECT_FALSE(pc.isolate);
  std::vector<std::string> keys;
  for (const auto& [key, value] : *pc.options) keys.emplace_back(key.str());
  // every option the plugin knows
  EXPECT_THAT(keys, UnorderedElementsAreArray({"strategy", "gpu_type_order", "topology", "cpu_jobs_avoid_gpu_nodes"}));
  pc.library = SLUICE_PLUGIN_PATH;
  const auto loaded = load_plugin(*cfg, pc, errors);
  ASSERT_TRUE(loaded) << testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  auto* plugin = dynamic_cast<SelectPolicy*>(loaded->object.get());
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->name(), "select/select_gpu");

  // Judged on the example's hardware: gpu[1-2] with 4 a100 each, gpu3 with 2 a100 and 2 t4, cpu1.
  const ClusterView cluster{cfg->nodes, cfg->partitions};
  const auto feasible = [&](testkit::JobBuilder job) { return plugin->feasible(job.build(), cluster).message; };
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").nodes(3).gpus_per_node(2, "a100")), "");
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").gpus(2, "t4")), "");
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").gpus(3, "t4")), kNotAvailable);
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").nodes(4)), "");
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").nodes(5)), kNotAvailable);
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").nodes(3).constraint("nvlink|t4")), "");
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").nodes(3).constraint("nvlink")), kNotAvailable);
  EXPECT_EQ(feasible(testkit::JobBuilder().partition("gpu").constraint("h100")), "Invalid feature specification");
  EXPECT_EQ(cfg->node("cpu1")->weight, 10u);
  EXPECT_EQ(cfg->node("gpu1")->features, "gpu,a100,nvlink");
}

}  // namespace
}  // namespace sluice
