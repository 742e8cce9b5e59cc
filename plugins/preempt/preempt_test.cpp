// preempt/preempt loaded from its built library: which running jobs it stops for a pending job, in
// which mode and with which grace time, under each option; the option errors with their positions;
// and its example.toml.
//
// Every case is checked the way the controller uses the answer: the default select plugin
// (select_gpu) could not place the pending job before, and places it once the victims' allocations
// are released (testkit::place, with the select contract).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <functional>
#include <sluice/ledger.hpp>
#include <sluice/preempt.hpp>
#include <sluice/select.hpp>
#include <sluice/testkit.hpp>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/plugin/loader.hpp"
#include "tests/fixtures/plugin_harness.hpp"
#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

// Nodes a1 and a2 (8 CPUs, 64000 MB, 4 a100 each; a1 also has feature nvlink) and t1 (8 CPUs,
// 64000 MB, 4 t4). Partitions, over every node unless said:
//   urgent       tier 20, preempt_mode off
//   prioritized  tier 10, preempt_mode off
//   batch        tier 1, requeue, grace_time 120
//   scavenger    tier 1, cancel, grace_time 30
//   a1only       tier 20, preempt_mode off, node a1 only
testkit::FakeCluster cluster() {
  testkit::FakeCluster c;
  c.add_node("a1", {.cpus = 8, .mem_mb = 64000, .gpus = {{"a100", 4}}, .features = "gpu,a100,nvlink"})
      .add_node("a2", {.cpus = 8, .mem_mb = 64000, .gpus = {{"a100", 4}}, .features = "gpu,a100"})
      .add_node("t1", {.cpus = 8, .mem_mb = 64000, .gpus = {{"t4", 4}}, .features = "gpu,t4"})
      .add_partition("urgent")
      .add_partition("prioritized")
      .add_partition("batch")
      .add_partition("scavenger")
      .add_partition("a1only", {"a1"});
  const auto tier = [&](const std::string& name, std::uint32_t t, PreemptMode mode, Time grace) {
    Partition& p = c.partition(name);
    p.priority_tier = t, p.preempt_mode = mode, p.grace_time = grace;
  };
  tier("urgent", 20, PreemptMode::Off, 0);
  tier("prioritized", 10, PreemptMode::Off, 0);
  tier("batch", 1, PreemptMode::Requeue, 120);
  tier("scavenger", 1, PreemptMode::Cancel, 30);
  tier("a1only", 20, PreemptMode::Off, 0);
  return c;
}

// A running job: on each of `nodes`, `cpus` CPUs, `mem_mb` MB and `gpus` GPUs (the lowest free
// indices); submitted and started that many seconds before testkit::kNow.
struct Run {
  std::uint64_t id;
  std::string partition;
  std::vector<std::string> nodes;
  std::uint32_t cpus = 8;
  std::uint32_t gpus = 4;
  std::uint64_t mem_mb = 0;
  Time submitted = 3600;
  Time started = 1800;
  std::uint32_t restarts = 0;
  RequeueFlag requeue = RequeueFlag::Unset;
  bool batch = true;
};

// Starts `runs` on `c` as the controller would have: their allocations taken from the nodes.
std::vector<JobView> start(testkit::FakeCluster& c, const std::vector<Run>& runs) {
  std::vector<JobView> out;
  for (const Run& r : runs) {
    JobView job = testkit::JobBuilder().id(r.id).partition(r.partition).build();
    job.state = JobState::Running;
    job.submit_time = job.eligible_time = testkit::kNow - r.submitted;
    job.start_time = testkit::kNow - r.started;
    job.restarts = r.restarts;
    job.spec.requeue = r.requeue;
    job.spec.batch = r.batch;
    for (const std::string& node : r.nodes) {
      const std::vector<std::uint32_t> free = free_gpus(c.node(node));
      job.alloc.push_back({node, r.cpus, r.mem_mb, {free.begin(), free.begin() + r.gpus}});
    }
    c.apply(job.alloc);
    out.push_back(std::move(job));
  }
  return out;
}

// "1:requeue:120 2:cancel:30": each victim's job id, mode and grace time, in the answer's order.
std::string show(const PreemptDecision& d) {
  std::string out;
  for (const PreemptVictim& v : d.victims) {
    static constexpr const char* kModes[] = {"off", "requeue", "cancel"};
    out += (out.empty() ? "" : " ") + std::to_string(v.job) + ":" + kModes[static_cast<int>(v.mode)] + ":" +
           std::to_string(v.grace);
  }
  return out;
}

using Request = std::function<void(JobSpec&)>;
using LiveState = std::function<void(testkit::FakeCluster&)>;

struct VictimCase {
  std::string name;
  std::vector<Run> running;
  Request request{};         // the pending job (id 100, partition "urgent", 1 task, 1 CPU) changed
  std::string want{};        // show(decision) when Ok, else the Unschedulable reason
  std::string options = "";  // lines of [plugins.preempt.options]
  LiveState state{};         // drains and the like, after the jobs started
  bool placeable = false;    // select_gpu places the pending job as things are
};

class Victims : public testing::TestWithParam<VictimCase> {};

TEST_P(Victims, AreChosen) {
  const VictimCase& c = GetParam();
  // The test kit's context: the clock reads testkit::kNow, which the jobs' times count back from.
  const auto loaded = testkit::load<PreemptPolicy>(SLUICE_PLUGIN_PATH);
  PreemptPolicy* plugin = loaded.plugin.get();
  ASSERT_EQ(testkit::to_string(testkit::configure(*plugin, c.options)), "");
  const test::Harness s = test::load("select", SLUICE_SELECT_PATH);
  SelectPolicy* select = s.as<SelectPolicy>();
  ASSERT_TRUE(select) << testing::PrintToString(s.errors);

  testkit::FakeCluster live = cluster();
  const std::vector<JobView> jobs = start(live, c.running);
  if (c.state) c.state(live);
  std::vector<const JobView*> running;
  for (const JobView& j : jobs) running.push_back(&j);
  JobView pending = testkit::JobBuilder().id(100).partition("urgent").build();
  if (c.request) c.request(pending.spec);

  // The controller asks only about a job the select policy could not place.
  std::vector<NodeAlloc> placement;
  ASSERT_EQ(select->select(pending, live.view(), placement).is_ok(), c.placeable) << "case set-up";

  PreemptDecision out;
  out.victims = {{999, PreemptMode::Cancel, 1}};  // replaced by the answer
  const Status st = plugin->victims(pending, running, live.view(), out);
  ASSERT_NE(st.code, Code::Error) << st.message;
  EXPECT_EQ(st.is_ok() ? show(out) : st.reason, c.want);
  if (!st.is_ok()) {
    EXPECT_THAT(out.victims, IsEmpty());
    return;
  }
  // The answer as the controller checks it: victims running, each once, and with their
  // allocations released the job is placed.
  ASSERT_FALSE(out.victims.empty());
  testkit::FakeCluster freed = live;
  std::vector<std::uint64_t> seen;
  for (const PreemptVictim& v : out.victims) {
    EXPECT_EQ(std::ranges::count(seen, v.job), 0) << "victim " << v.job << " twice";
    seen.push_back(v.job);
    const auto job = std::ranges::find(jobs, v.job, &JobView::id);
    ASSERT_NE(job, jobs.end()) << "victim " << v.job << " is not running";
    for (const NodeAlloc& a : job->alloc) release(freed.node(a.node), a);
  }
  const Status placed = testkit::place(*select, pending, freed, placement);
  EXPECT_TRUE(placed.is_ok()) << placed.reason << placed.message;
}

// Full nodes of one partition: job ids 1, 2, 3 on a1, a2, t1, each 8 CPUs and 4 GPUs.
std::vector<Run> full(const std::string& a1, const std::string& a2, const std::string& t1) {
  return {{.id = 1, .partition = a1, .nodes = {"a1"}},
          {.id = 2, .partition = a2, .nodes = {"a2"}},
          {.id = 3, .partition = t1, .nodes = {"t1"}}};
}

// Batch jobs filling a1, a2 and t1 (ids 1, 2, 3) that the orders rank differently:
//   1: submitted 3000 s ago, started 100 s ago, 2 restarts
//   2: submitted 1000 s ago, started 900 s ago, `restarts2` restarts   (the youngest)
//   3: submitted 2000 s ago, started 1900 s ago, no restart
std::vector<Run> ranked(std::uint32_t restarts2 = 1) {
  return {{.id = 1, .partition = "batch", .nodes = {"a1"}, .submitted = 3000, .started = 100, .restarts = 2},
          {.id = 2, .partition = "batch", .nodes = {"a2"}, .submitted = 1000, .started = 900, .restarts = restarts2},
          {.id = 3, .partition = "batch", .nodes = {"t1"}, .submitted = 2000, .started = 1900}};
}

Request gpus(std::uint32_t n, std::string type = "") {
  return [n, type](JobSpec& s) { s.gpus = n, s.gpu_type = type; };
}
// --gres=gpu[:type]:n on each of `nodes` nodes.
Request per_node(std::uint32_t nodes, std::uint32_t n, std::string type = "") {
  return [=](JobSpec& s) { s.nodes = nodes, s.gpus_per_node = n, s.gpu_type = type; };
}
Request in(std::string partition, Request more = nullptr) {
  return [=](JobSpec& s) {
    s.partition = partition;
    if (more) more(s);
  };
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Victims,
    testing::ValuesIn(std::vector<VictimCase>{
        // Tiers and preempt_mode.
        {.name = "PrioritizedIsNeverAVictim",
         .running = full("prioritized", "prioritized", "prioritized"),
         .request = gpus(1),
         .want = "Resources"},
        {.name = "HigherTierPreemptsLowerTier",
         .running = full("batch", "prioritized", "prioritized"),
         .request = gpus(1),
         .want = "1:requeue:120"},
        {.name = "PrioritizedPreemptsBatch",
         .running = full("batch", "prioritized", "prioritized"),
         .request = in("prioritized", gpus(1)),
         .want = "1:requeue:120"},
        {.name = "EqualTiersNever",
         .running = full("scavenger", "scavenger", "scavenger"),
         .request = in("batch", gpus(1)),
         .want = "Resources"},
        {.name = "LowerTierNever",
         .running = full("prioritized", "prioritized", "prioritized"),
         .request = in("batch", gpus(1)),
         .want = "Resources"},
        {.name = "PendingPartitionGone",
         .running = full("batch", "batch", "batch"),
         .request = in("gone", gpus(1)),
         .want = "PartitionDown"},
        // The mode: the partition's, then the job's --requeue/--no-requeue, then srun; the grace time
        // is the partition's.
        {.name = "CancelPartition",
         .running = full("scavenger", "prioritized", "prioritized"),
         .request = gpus(1),
         .want = "1:cancel:30"},
        {.name = "NoRequeueJobCancelled",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .requeue = RequeueFlag::NoRequeue},
                     {.id = 2, .partition = "prioritized", .nodes = {"a2"}},
                     {.id = 3, .partition = "prioritized", .nodes = {"t1"}}},
         .request = gpus(1),
         .want = "1:cancel:120"},
        {.name = "RequeueJobRequeuedFromCancelPartition",
         .running = {{.id = 1, .partition = "scavenger", .nodes = {"a1"}, .requeue = RequeueFlag::Requeue},
                     {.id = 2, .partition = "prioritized", .nodes = {"a2"}},
                     {.id = 3, .partition = "prioritized", .nodes = {"t1"}}},
         .request = gpus(1),
         .want = "1:requeue:30"},
        {.name = "SrunJobCancelled",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .batch = false},
                     {.id = 2, .partition = "prioritized", .nodes = {"a2"}},
                     {.id = 3, .partition = "prioritized", .nodes = {"t1"}}},
         .request = gpus(1),
         .want = "1:cancel:120"},
        {.name = "SrunJobWithRequeueFlagCancelled",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .requeue = RequeueFlag::Requeue, .batch = false},
                     {.id = 2, .partition = "prioritized", .nodes = {"a2"}},
                     {.id = 3, .partition = "prioritized", .nodes = {"t1"}}},
         .request = gpus(1),
         .want = "1:cancel:120"},
        {.name = "GraceOfEachVictimsPartition",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .submitted = 100},
                     {.id = 2, .partition = "scavenger", .nodes = {"a2"}, .submitted = 200},
                     {.id = 3, .partition = "prioritized", .nodes = {"t1"}}},
         .request = per_node(2, 4, "a100"),
         .want = "1:requeue:120 2:cancel:30"},
        // The fewest victims.
        {.name = "OneBigVictimRatherThanTwoSmall",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 2, .submitted = 100},
                     {.id = 2, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 2, .submitted = 200},
                     {.id = 3, .partition = "batch", .nodes = {"a2"}, .submitted = 5000},
                     {.id = 4, .partition = "prioritized", .nodes = {"t1"}}},
         .request = per_node(1, 4, "a100"),
         .want = "3:requeue:120"},
        {.name = "UnneededVictimDropped",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 3, .submitted = 5000},
                     {.id = 2, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 1, .submitted = 100},
                     {.id = 3, .partition = "prioritized", .nodes = {"a2"}},
                     {.id = 4, .partition = "prioritized", .nodes = {"t1"}}},
         .request = gpus(3, "a100"),
         .want = "1:requeue:120"},
        {.name = "TwoSmallVictimsWhenNeeded",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 2},
                     {.id = 2, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 2, .submitted = 100},
                     {.id = 3, .partition = "prioritized", .nodes = {"a2"}},
                     {.id = 4, .partition = "prioritized", .nodes = {"t1"}}},
         .request = gpus(3, "a100"),
         .want = "2:requeue:120 1:requeue:120"},
        {.name = "MemoryFreedToo",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .cpus = 1, .gpus = 0, .mem_mb = 48000},
                     {.id = 2, .partition = "prioritized", .nodes = {"a1"}, .cpus = 1, .gpus = 0},
                     {.id = 3, .partition = "prioritized", .nodes = {"a2"}},
                     {.id = 4, .partition = "prioritized", .nodes = {"t1"}}},
         .request = [](JobSpec& s) { s.mem_mb = 32000; },
         .want = "1:requeue:120"},
        // Only nodes the job could use, and only victims that free what it needs there.
        {.name = "WrongGpuTypeNobody",
         .running = full("prioritized", "prioritized", "batch"),
         .request = gpus(1, "a100"),
         .want = "Resources"},
        {.name = "UntypedRequestAnyType",
         .running = full("prioritized", "prioritized", "batch"),
         .request = gpus(1),
         .want = "3:requeue:120"},
        {.name = "UntypedRequestOneTypePerNode",
         .running = {{.id = 1, .partition = "prioritized", .nodes = {"a1"}},
                     {.id = 2, .partition = "prioritized", .nodes = {"a2"}, .cpus = 4, .gpus = 2},
                     {.id = 3, .partition = "batch", .nodes = {"a2"}, .cpus = 4, .gpus = 2},
                     {.id = 4, .partition = "batch", .nodes = {"t1"}, .submitted = 5000}},
         .request = gpus(3),
         .want = "4:requeue:120"},
        {.name = "NodelistVictimsNotEnough",
         .running = {{.id = 1, .partition = "prioritized", .nodes = {"a1"}, .cpus = 4, .gpus = 2},
                     {.id = 2, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 2},
                     {.id = 3, .partition = "batch", .nodes = {"a2"}},
                     {.id = 4, .partition = "prioritized", .nodes = {"t1"}}},
         .request = [](JobSpec& s) { s.nodelist = "a1", s.gpus = 3; },
         .want = "Resources"},
        {.name = "NodelistChoosesItsNode",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .submitted = 100},
                     {.id = 2, .partition = "batch", .nodes = {"a2"}, .submitted = 5000},
                     {.id = 3, .partition = "prioritized", .nodes = {"t1"}}},
         .request = [](JobSpec& s) { s.nodelist = "a2", s.gpus = 1; },
         .want = "2:requeue:120"},
        {.name = "NodelistDrainedNobody",
         .running = full("batch", "batch", "batch"),
         .request = [](JobSpec& s) { s.nodelist = "a1"; },
         .want = "ReqNodeNotAvail",
         .state = [](testkit::FakeCluster& c) { c.drain("a1"); }},
        {.name = "ExcludedNodeNobody",
         .running = full("batch", "prioritized", "prioritized"),
         .request = [](JobSpec& s) { s.exclude = "a1", s.gpus = 1; },
         .want = "Resources"},
        {.name = "OtherPartitionsNodesNobody",
         .running = full("prioritized", "batch", "batch"),
         .request = in("a1only", gpus(1)),
         .want = "Resources"},
        {.name = "ConstraintChoosesNode",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .submitted = 5000},
                     {.id = 2, .partition = "batch", .nodes = {"a2"}, .submitted = 100},
                     {.id = 3, .partition = "batch", .nodes = {"t1"}, .submitted = 50}},
         .request = [](JobSpec& s) { s.constraint = "nvlink", s.gpus = 1; },
         .want = "1:requeue:120"},
        {.name = "DrainedNodeNobody",
         .running = full("prioritized", "batch", "prioritized"),
         .request = gpus(1),
         .want = "Resources",
         .state = [](testkit::FakeCluster& c) { c.drain("a2"); }},
        {.name = "NodeThatFitsNowNotUsed",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .cpus = 4, .gpus = 2}},
         .request = [](JobSpec& s) { s.nodelist = "a1", s.gpus = 1; },
         .want = "Resources",
         .placeable = true},
        // The order among candidates that would each do.
        {.name = "OrderYoungestByDefault", .running = ranked(), .request = gpus(1), .want = "2:requeue:120"},
        {.name = "OrderYoungest",
         .running = ranked(),
         .request = gpus(1),
         .want = "2:requeue:120",
         .options = "order = \"youngest\""},
        {.name = "OrderLeastWorkLost",
         .running = ranked(),
         .request = gpus(1),
         .want = "1:requeue:120",
         .options = "order = \"least_work_lost\""},
        {.name = "OrderFewestRestarts",
         .running = ranked(),
         .request = gpus(1),
         .want = "3:requeue:120",
         .options = "order = \"fewest_restarts\""},
        {.name = "OrderFewestRestartsThenYoungest",
         .running = ranked(0),
         .request = gpus(1),
         .want = "2:requeue:120",
         .options = "order = \"fewest_restarts\""},
        {.name = "OrderBeforeNodeName",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .submitted = 5000},
                     {.id = 2, .partition = "batch", .nodes = {"a2"}, .submitted = 100},
                     {.id = 3, .partition = "prioritized", .nodes = {"t1"}}},
         .request = gpus(1, "a100"),
         .want = "2:requeue:120"},
        // exempt_time (PreemptExemptTime): job 1 started 100 s ago, job 2 900 s ago, job 3 1900 s ago.
        {.name = "ExemptTimeSparesShortRuns",
         .running = ranked(),
         .request = gpus(1),
         .want = "2:requeue:120",
         .options = "order = \"least_work_lost\"\nexempt_time = 500"},
        {.name = "ExemptTimeReached",
         .running = ranked(),
         .request = gpus(1),
         .want = "1:requeue:120",
         .options = "order = \"least_work_lost\"\nexempt_time = 100"},
        {.name = "ExemptTimeSparesEveryone",
         .running = ranked(),
         .request = gpus(1),
         .want = "Resources",
         .options = "exempt_time = 5000"},
        // Multi-node jobs: each node its share, a victim on several nodes counted once.
        {.name = "MultiNodeVictimOnEachNode",
         .running = full("batch", "batch", "prioritized"),
         .request = per_node(2, 4, "a100"),
         .want = "2:requeue:120 1:requeue:120"},
        {.name = "MultiNodeVictimOnTwoNodesCountsOnce",
         .running = {{.id = 5, .partition = "batch", .nodes = {"a1", "a2"}, .submitted = 5000},
                     {.id = 6, .partition = "batch", .nodes = {"t1"}, .submitted = 100}},
         .request = per_node(2, 2),
         .want = "5:requeue:120"},
        {.name = "MultiNodeFreeNodeAndOneVictim",
         .running = {{.id = 2, .partition = "batch", .nodes = {"a2"}},
                     {.id = 3, .partition = "batch", .nodes = {"t1"}}},
         .request = per_node(2, 4, "a100"),
         .want = "2:requeue:120"},
        {.name = "MultiNodeSharesDiffer",  // -N2 -n3 -c4: 8 CPUs on one node, 4 on the other
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .gpus = 0},
                     {.id = 2, .partition = "batch", .nodes = {"a2"}, .cpus = 4, .gpus = 0},
                     {.id = 3, .partition = "prioritized", .nodes = {"a2"}, .cpus = 4, .gpus = 0},
                     {.id = 4, .partition = "prioritized", .nodes = {"t1"}, .gpus = 0}},
         .request = [](JobSpec& s) { s.nodes = 2, s.ntasks = 3, s.cpus_per_task = 4; },
         .want = "2:requeue:120 1:requeue:120"},
        {.name = "MultiNodeNotEnoughNodes",
         .running = full("batch", "batch", "batch"),
         .request = per_node(3, 1, "a100"),
         .want = "Resources"},
        {.name = "MultiNodeWithNodelist",
         .running = {{.id = 1, .partition = "batch", .nodes = {"a1"}, .submitted = 100},
                     {.id = 2, .partition = "batch", .nodes = {"a2"}, .submitted = 200},
                     {.id = 3, .partition = "batch", .nodes = {"t1"}, .submitted = 5000}},
         .request = [](JobSpec& s) { s.nodes = 2, s.nodelist = "t1", s.gpus_per_node = 1; },
         .want = "1:requeue:120 3:requeue:120"},
        {.name = "MultiNodeFitsWithoutVictims",
         .running = {{.id = 1, .partition = "batch", .nodes = {"t1"}}},
         .request = per_node(2, 4, "a100"),
         .want = "Resources",
         .placeable = true},
    }),
    case_name<VictimCase>);

struct OptionCase {
  std::string name;
  std::string options;              // lines of [plugins.preempt.options]
  std::vector<std::string> errors;  // in any order
};

class Options : public testing::TestWithParam<OptionCase> {};

TEST_P(Options, AreValidated) {
  const auto h = test::load("preempt", SLUICE_PLUGIN_PATH, GetParam().options);
  EXPECT_EQ(h.plugin != nullptr, GetParam().errors.empty());
  EXPECT_THAT(h.errors, UnorderedElementsAreArray(GetParam().errors));
}

const std::string kAt = "t.toml:" + std::to_string(test::kOptionsLine);
const std::string kNext = "t.toml:" + std::to_string(test::kOptionsLine + 1);
const std::string kKey = "plugins.preempt.options.";
const std::string kOrders = R"(order: must be "youngest", "least_work_lost" or "fewest_restarts")";

INSTANTIATE_TEST_SUITE_P(
    Cases, Options,
    testing::ValuesIn(std::vector<OptionCase>{
        {"None", "", {}},
        {"EveryOption", "order = \"fewest_restarts\"\nexempt_time = 600", {}},
        {"UnknownKey", "mode = \"cancel\"", {kAt + ":8: " + kKey + "mode: unknown key"}},
        {"UnknownOrder", "order = \"oldest\"", {kAt + ":9: " + kKey + kOrders + " (got \"oldest\")"}},
        {"OrderNotAString", "order = 1", {kAt + ":9: " + kKey + "order: expected string, got integer"}},
        {"NegativeExemptTime", "exempt_time = -1", {kAt + ":15: " + kKey + "exempt_time: must be >= 0 (got -1)"}},
        {"ExemptTimeAsText",
         "exempt_time = \"10:00\"",
         {kAt + ":15: " + kKey + "exempt_time: expected integer, got string"}},
        {"EveryProblem",
         "order = \"random\"\nexempt_time = -60\ngrace = 5",
         {kAt + ":9: " + kKey + kOrders + " (got \"random\")",
          kNext + ":15: " + kKey + "exempt_time: must be >= 0 (got -60)",
          "t.toml:" + std::to_string(test::kOptionsLine + 2) + ":9: " + kKey + "grace: unknown key"}},
    }),
    case_name<OptionCase>);

// example.toml as the daemons read it: the config loader accepts the file, and the plugin loads with
// its [plugins.preempt] options without an error, so the example cannot drift from the plugin.
TEST(Example, LoadsThroughTheConfigLoader) {
  std::vector<std::string> errors;
  const auto cfg = load_config(SLUICE_EXAMPLE_TOML, errors);
  ASSERT_TRUE(cfg) << testing::PrintToString(errors);
  PluginConfig pc = cfg->plugins.at("preempt");
  // The example names the library by its name (lib<name>.so in the plugin dirs); load this build's.
  EXPECT_TRUE(std::string(SLUICE_PLUGIN_PATH).ends_with("/lib" + pc.library + ".so")) << pc.library;
  std::vector<std::string> keys;
  for (const auto& [key, value] : *pc.options) keys.emplace_back(key.str());
  EXPECT_THAT(keys, UnorderedElementsAreArray({"order", "exempt_time"}));  // every option the plugin knows
  pc.library = SLUICE_PLUGIN_PATH;
  const auto loaded = load_plugin(*cfg, pc, errors);
  ASSERT_TRUE(loaded) << testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  auto* plugin = dynamic_cast<PreemptPolicy*>(loaded->object.get());
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->name(), "preempt/preempt");

  // The example's cluster, every node up and full: gpu1 and gpu2 run batch jobs (1 started 60 s
  // ago, inside exempt_time; 2 an hour ago), gpu3 a scavenger job (3, two hours ago), gpu4 a
  // prioritized one (4). Each was submitted a minute before it started.
  // The loader's context reads the wall clock, so the times count back from it.
  const Time now = static_cast<Time>(std::time(nullptr));
  std::vector<Node> nodes = cfg->nodes;
  for (Node& n : nodes) n.responding = true;
  std::vector<JobView> jobs;
  const auto run = [&](std::uint64_t id, const std::string& partition, const std::string& node, Time started) {
    Node& n = *std::ranges::find(nodes, node, &Node::name);
    JobView job = testkit::JobBuilder().id(id).partition(partition).build();
    job.state = JobState::Running;
    job.start_time = now - started;
    job.submit_time = job.start_time - 60;
    job.alloc = {{node, n.cpus, 0, free_gpus(n)}};
    allocate(n, job.alloc[0]);
    jobs.push_back(job);
  };
  run(1, "batch", "gpu1", 60);
  run(2, "batch", "gpu2", 3600);
  run(3, "scavenger", "gpu3", 7200);
  run(4, "prioritized", "gpu4", 3600);
  std::vector<const JobView*> running;
  for (const JobView& j : jobs) running.push_back(&j);
  const ClusterView cluster{nodes, cfg->partitions};
  const auto victims = [&](const std::string& partition) {
    PreemptDecision out;
    const Status s =
        plugin->victims(testkit::JobBuilder().id(10).partition(partition).gpus(4).build(), running, cluster, out);
    return s.is_ok() ? show(out) : s.reason;
  };
  // Prioritized (tier 10) stops the youngest job past exempt_time: 2, requeued after grace_time.
  EXPECT_EQ(victims("prioritized"), "2:requeue:60");
  // Batch (tier 1) may stop only the scavenger job.
  EXPECT_EQ(victims("batch"), "3:cancel:0");
  // Scavenger (tier 0) stops nobody.
  EXPECT_EQ(victims("scavenger"), "Resources");
}

}  // namespace
}  // namespace sluice
