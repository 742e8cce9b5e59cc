// requeue/requeue loaded from its built library: what each end of a run becomes (finalize, requeue,
// hold) under each option, the option errors with their positions, and its example.toml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <sluice/requeue.hpp>
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

// "finalize", or "requeue pin=gpu_type delay=5 append" / "hold(JobHoldMaxRequeue) pin=node delay=0
// truncate": what a decision says.
std::string show(const RequeueDecision& d) {
  if (d.action == EndAction::Finalize) return "finalize";
  static constexpr const char* kPins[] = {"none", "gpu_type", "node"};
  std::string out = d.action == EndAction::Requeue ? "requeue" : "hold(" + d.reason + ")";
  out += std::string(" pin=") + kPins[static_cast<int>(d.pin)];
  out += " delay=" + std::to_string(d.delay);
  out += d.append_output ? " append" : " truncate";
  return out;
}

// A batch job of partition "p" whose first run ended in `state`, changed by `change`.
JobView ended(JobState state, const std::function<void(JobView&)>& change = nullptr) {
  JobView job = testkit::JobBuilder().partition("p").gpus(1).build();
  job.state = state;
  job.start_time = testkit::kNow - 600;
  job.end_time = testkit::kNow;
  job.alloc = {{"n1", 1, 0, {0}}};
  if (change) change(job);
  return job;
}

std::function<void(JobView&)> flag(RequeueFlag f) {
  return [f](JobView& j) { j.spec.requeue = f; };
}
std::function<void(JobView&)> restarts(std::uint32_t n) {
  return [n](JobView& j) { j.restarts = n; };
}
void srun(JobView& j) { j.spec.batch = false; }

const std::string kRequeued = "requeue pin=gpu_type delay=5 append";  // with the default options
const std::string kHeld = "hold(JobHoldMaxRequeue) pin=gpu_type delay=5 append";
const std::string kEveryState = R"(requeue_on = ["preempted", "node_fail", "timeout", "failed", "out_of_memory"])";

struct EndCase {
  std::string name;
  std::string options;  // lines of [plugins.requeue.options]
  JobView job;
  std::string want;  // show(decision)
};

class OnEnd : public testing::TestWithParam<EndCase> {};

TEST_P(OnEnd, Decides) {
  const EndCase& c = GetParam();
  const test::Harness h = test::load("requeue", SLUICE_PLUGIN_PATH, c.options);
  RequeuePolicy* plugin = h.as<RequeuePolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  const std::vector<Node> nodes;
  const std::vector<Partition> parts;
  RequeueDecision out;
  out.action = EndAction::Hold, out.reason = "stale", out.delay = 99, out.append_output = false;  // overwritten
  const Status s = plugin->on_end(c.job, {nodes, parts}, out);
  EXPECT_TRUE(s.is_ok()) << s.message;
  EXPECT_EQ(show(out), c.want);
  if (out.action == EndAction::Finalize) {
    EXPECT_EQ(out.reason, "");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, OnEnd,
    testing::ValuesIn(std::vector<EndCase>{
        // Each end state, with the default list (preempted, node_fail) and when listed.
        {"PreemptedRequeuedByDefault", "", ended(JobState::Preempted), kRequeued},
        {"NodeFailRequeuedByDefault", "", ended(JobState::NodeFail), kRequeued},
        {"TimeoutFinalByDefault", "", ended(JobState::Timeout), "finalize"},
        {"FailedFinalByDefault", "", ended(JobState::Failed), "finalize"},
        {"OutOfMemoryFinalByDefault", "", ended(JobState::OutOfMemory), "finalize"},
        {"TimeoutRequeuedWhenListed", R"(requeue_on = ["timeout"])", ended(JobState::Timeout), kRequeued},
        {"FailedRequeuedWhenListed", R"(requeue_on = ["failed"])", ended(JobState::Failed), kRequeued},
        {"OutOfMemoryRequeuedWhenListed", R"(requeue_on = ["out_of_memory"])", ended(JobState::OutOfMemory), kRequeued},
        {"PreemptedFinalWhenNotListed", R"(requeue_on = ["node_fail"])", ended(JobState::Preempted), "finalize"},
        {"NodeFailFinalWhenNotListed", R"(requeue_on = ["preempted"])", ended(JobState::NodeFail), "finalize"},
        {"EmptyListFinalizesEverything", "requeue_on = []", ended(JobState::Preempted), "finalize"},
        {"EveryStateListed", kEveryState, ended(JobState::Failed), kRequeued},
        {"CompletedIsFinal", kEveryState, ended(JobState::Completed), "finalize"},
        {"CancelledIsFinal", kEveryState, ended(JobState::Cancelled), "finalize"},
        // --requeue / --no-requeue, and JobRequeue for jobs that said neither.
        {"NoRequeueFinalizes", "", ended(JobState::Preempted, flag(RequeueFlag::NoRequeue)), "finalize"},
        {"NoRequeueFinalizesListedState", kEveryState, ended(JobState::NodeFail, flag(RequeueFlag::NoRequeue)),
         "finalize"},
        {"RequeueFlagRequeues", "", ended(JobState::Preempted, flag(RequeueFlag::Requeue)), kRequeued},
        {"RequeueFlagBeatsDefaultFalse", "requeue_default = false",
         ended(JobState::Preempted, flag(RequeueFlag::Requeue)), kRequeued},
        {"RequeueFlagStillNeedsListedState", "", ended(JobState::Timeout, flag(RequeueFlag::Requeue)), "finalize"},
        {"UnsetFollowsDefaultTrue", "requeue_default = true", ended(JobState::Preempted), kRequeued},
        {"UnsetFollowsDefaultFalse", "requeue_default = false", ended(JobState::Preempted), "finalize"},
        // Interactive jobs are never requeued.
        {"SrunFinalizes", "", ended(JobState::NodeFail, srun), "finalize"},
        {"SrunWithRequeueFlagFinalizes", "",
         ended(JobState::Preempted,
               [](JobView& j) {
                 srun(j);
                 j.spec.requeue = RequeueFlag::Requeue;
               }),
         "finalize"},
        // MaxBatchRequeue.
        {"BelowMaxRestartsRequeues", "", ended(JobState::Preempted, restarts(4)), kRequeued},
        {"AtMaxRestartsHolds", "", ended(JobState::Preempted, restarts(5)), kHeld},
        {"OverMaxRestartsHolds", "", ended(JobState::NodeFail, restarts(9)), kHeld},
        {"MaxRestartsZeroHoldsAtOnce", "max_restarts = 0", ended(JobState::Preempted),
         "hold(JobHoldMaxRequeue) pin=gpu_type delay=5 append"},
        {"MaxRestartsConfigured", "max_restarts = 2", ended(JobState::Preempted, restarts(2)), kHeld},
        {"AtMaxRestartsUnlistedStateFinalizes", "", ended(JobState::Timeout, restarts(5)), "finalize"},
        {"AtMaxRestartsNoRequeueFinalizes", "",
         ended(JobState::Preempted,
               [](JobView& j) {
                 j.restarts = 5;
                 j.spec.requeue = RequeueFlag::NoRequeue;
               }),
         "finalize"},
        // The other options are carried to the decision.
        {"DelayCarried", "delay = 120", ended(JobState::Preempted), "requeue pin=gpu_type delay=120 append"},
        {"NoDelay", "delay = 0", ended(JobState::Preempted), "requeue pin=gpu_type delay=0 append"},
        {"PinNone", R"(pin = "none")", ended(JobState::Preempted), "requeue pin=none delay=5 append"},
        {"PinNode", R"(pin = "node")", ended(JobState::NodeFail), "requeue pin=node delay=5 append"},
        {"TruncateOutput", "append_output = false", ended(JobState::Preempted),
         "requeue pin=gpu_type delay=5 truncate"},
        {"HoldCarriesOptions", "max_restarts = 1\ndelay = 30\npin = \"node\"\nappend_output = false",
         ended(JobState::Preempted, restarts(1)), "hold(JobHoldMaxRequeue) pin=node delay=30 truncate"},
    }),
    case_name<EndCase>);

struct OptionCase {
  std::string name;
  std::string options;              // lines of [plugins.requeue.options]
  std::vector<std::string> errors;  // in any order
};

class Options : public testing::TestWithParam<OptionCase> {};

TEST_P(Options, AreValidated) {
  const auto h = test::load("requeue", SLUICE_PLUGIN_PATH, GetParam().options);
  EXPECT_EQ(h.plugin != nullptr, GetParam().errors.empty());
  EXPECT_THAT(h.errors, UnorderedElementsAreArray(GetParam().errors));
}

const std::string kAt = "t.toml:" + std::to_string(test::kOptionsLine);
const std::string kNext = "t.toml:" + std::to_string(test::kOptionsLine + 1);
const std::string kKey = "plugins.requeue.options.";
const std::string kStates = R"(must be one of "preempted", "node_fail", "timeout", "failed", "out_of_memory")";

INSTANTIATE_TEST_SUITE_P(
    Cases, Options,
    testing::ValuesIn(std::vector<OptionCase>{
        {"None", "", {}},
        {"EveryOption",
         "requeue_default = false\n" + kEveryState +
             "\nmax_restarts = 0\ndelay = 0\npin = \"node\"\nappend_output = false",
         {}},
        {"UnknownKey", "max_requeue = 3", {kAt + ":15: " + kKey + "max_requeue: unknown key"}},
        {"NegativeMaxRestarts", "max_restarts = -1", {kAt + ":16: " + kKey + "max_restarts: must be >= 0 (got -1)"}},
        {"MaxRestartsNotAnInteger",
         "max_restarts = \"5\"",
         {kAt + ":16: " + kKey + "max_restarts: expected integer, got string"}},
        {"NegativeDelay", "delay = -5", {kAt + ":9: " + kKey + "delay: must be >= 0 (got -5)"}},
        {"DelayNotAnInteger", "delay = 2.5", {kAt + ":9: " + kKey + "delay: expected integer, got floating-point"}},
        {"UnknownState",
         R"(requeue_on = ["preempted", "cancelled"])",
         {kAt + ":28: " + kKey + "requeue_on[1]: " + kStates + " (got \"cancelled\")"}},
        {"StateInCapitals",
         R"(requeue_on = ["NODE_FAIL"])",
         {kAt + ":15: " + kKey + "requeue_on[0]: " + kStates + " (got \"NODE_FAIL\")"}},
        {"StateListedTwice",
         R"(requeue_on = ["timeout", "timeout"])",
         {kAt + ":26: " + kKey + "requeue_on[1]: \"timeout\" listed twice"}},
        {"StateNotAString",
         R"(requeue_on = ["timeout", 3])",
         {kAt + ":26: " + kKey + "requeue_on[1]: expected string, got integer"}},
        {"RequeueOnNotAnArray",
         R"(requeue_on = "preempted")",
         {kAt + ":14: " + kKey + "requeue_on: expected array of strings, got string"}},
        {"UnknownPin",
         R"(pin = "gpu")",
         {kAt + ":7: " + kKey + R"(pin: must be "none", "gpu_type" or "node" (got "gpu"))"}},
        {"PinNotAString", "pin = false", {kAt + ":7: " + kKey + "pin: expected string, got boolean"}},
        {"RequeueDefaultNotABoolean",
         "requeue_default = 1",
         {kAt + ":19: " + kKey + "requeue_default: expected boolean, got integer"}},
        {"AppendOutputNotABoolean",
         "append_output = \"yes\"",
         {kAt + ":17: " + kKey + "append_output: expected boolean, got string"}},
        {"EveryProblem",
         "max_restarts = -1\npin = \"any\"",
         {kAt + ":16: " + kKey + "max_restarts: must be >= 0 (got -1)",
          kNext + ":7: " + kKey + R"(pin: must be "none", "gpu_type" or "node" (got "any"))"}},
    }),
    case_name<OptionCase>);

// example.toml as the daemons read it: the config loader accepts the file, and the plugin loads with
// its [plugins.requeue] options without an error, so the example cannot drift from the plugin.
TEST(Example, LoadsThroughTheConfigLoader) {
  std::vector<std::string> errors;
  const auto cfg = load_config(SLUICE_EXAMPLE_TOML, errors);
  ASSERT_TRUE(cfg) << testing::PrintToString(errors);
  PluginConfig pc = cfg->plugins.at("requeue");
  // The example names the library by its name (lib<name>.so in the plugin dirs); load this build's.
  EXPECT_TRUE(std::string(SLUICE_PLUGIN_PATH).ends_with("/lib" + pc.library + ".so")) << pc.library;
  std::vector<std::string> keys;
  for (const auto& [key, value] : *pc.options) keys.emplace_back(key.str());
  // every option the plugin knows
  EXPECT_THAT(keys, UnorderedElementsAreArray(
                        {"requeue_default", "requeue_on", "max_restarts", "delay", "pin", "append_output"}));
  pc.library = SLUICE_PLUGIN_PATH;
  const auto loaded = load_plugin(*cfg, pc, errors);
  ASSERT_TRUE(loaded) << testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  auto* plugin = dynamic_cast<RequeuePolicy*>(loaded->object.get());
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->name(), "requeue/requeue");

  // What the example's comments say.
  const ClusterView cluster{cfg->nodes, cfg->partitions};
  const auto decide = [&](const JobView& job) {
    RequeueDecision out;
    EXPECT_TRUE(plugin->on_end(job, cluster, out).is_ok());
    return show(out);
  };
  EXPECT_EQ(decide(ended(JobState::Preempted)), "requeue pin=gpu_type delay=10 append");
  EXPECT_EQ(decide(ended(JobState::NodeFail, restarts(2))), "requeue pin=gpu_type delay=10 append");
  EXPECT_EQ(decide(ended(JobState::NodeFail, restarts(3))), "hold(JobHoldMaxRequeue) pin=gpu_type delay=10 append");
  EXPECT_EQ(decide(ended(JobState::Timeout)), "finalize");
  EXPECT_EQ(decide(ended(JobState::Preempted, flag(RequeueFlag::NoRequeue))), "finalize");
  EXPECT_EQ(decide(ended(JobState::Preempted, srun)), "finalize");
  const Partition* batch = cluster.partition("batch");
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->preempt_mode, PreemptMode::Requeue);
}

}  // namespace
}  // namespace sluice
