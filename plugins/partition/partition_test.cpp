// partition/partition loaded from its built library: routing, time defaults, limits, access, options,
// and its example.toml. Admissions go through testkit::admit, with the controller's own checks.
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>

#include <cstdint>
#include <functional>
#include <sluice/options.hpp>
#include <sluice/partition.hpp>
#include <sluice/testkit.hpp>

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

Partition partition(std::string name, std::vector<std::string> nodes, Time max_time, Time default_time) {
  Partition p;
  p.name = std::move(name);
  p.nodes = std::move(nodes);
  p.max_time = max_time;
  p.default_time = default_time;
  return p;
}

// A user NSS knows with one of its supplementary groups (one listing it as a member, not its
// primary group) and its primary gid; empty names when there is none. Neither group is root, which
// partition "ops" also allows.
struct Membership {
  std::string user, group;
  std::uint32_t gid = 0;
};
const Membership& supplementary_membership() {
  static const Membership found = [] {
    Membership m;
    setgrent();
    while (const group* g = getgrent())
      for (char** member = g->gr_mem; m.user.empty() && *member; ++member)
        if (const passwd* pw = getpwnam(*member); pw && pw->pw_gid != g->gr_gid && pw->pw_gid != 0 && g->gr_gid != 0)
          m = {*member, g->gr_name, pw->pw_gid};
    endgrent();
    return m;
  }();
  return found;
}

// "long" comes first, so routing to "batch" follows `is_default`, not the order.
std::vector<Partition> partitions() {
  Partition batch = partition("batch", {"n1", "n2", "n3"}, 3600, 600);
  batch.is_default = true, batch.max_nodes = 2, batch.max_gpus_per_job = 4;
  Partition restricted = partition("private", {"n4"}, kUnlimited, kNoValue);
  restricted.allow_users = {"alice"}, restricted.allow_groups = {"ml"};
  Partition ml = partition("ml", {"n4"}, kUnlimited, kNoValue);
  ml.allow_groups = {"ml"};
  Partition ops = partition("ops", {"n4"}, kUnlimited, kNoValue);
  ops.allow_groups = {"root", supplementary_membership().group.empty() ? "ml" : supplementary_membership().group};
  Partition closed = partition("closed", {"n1"}, 3600, kNoValue);
  closed.up = false;
  return {partition("long", {"n1", "n2", "n3", "n4"}, kUnlimited, kNoValue),
          batch,
          partition("capped", {"n1", "n2"}, 7200, kNoValue),
          restricted,
          ml,
          ops,
          closed};
}

struct Request {
  std::string partition{};
  Time time = kNoValue;
  Time time_min = kNoValue;
  std::uint32_t nodes = 1;
  std::uint32_t gpus = 0;
  std::uint32_t gpus_per_node = 0;
  std::string user = "bob", group = "users";
  std::uint32_t gid = 4242424;  // unknown to NSS
};

JobView job_for(const Request& r) {
  JobView job;
  job.user = r.user;
  job.group = r.group;
  job.gid = r.gid;
  job.spec.partition = r.partition;
  job.spec.time_limit = r.time;
  job.spec.time_min = r.time_min;
  job.spec.nodes = r.nodes;
  job.spec.gpus = r.gpus;
  job.spec.gpus_per_node = r.gpus_per_node;
  return job;
}

test::Harness load_partition(bool enforce_limits) {
  return test::load("partition", SLUICE_PLUGIN_PATH,
                    "enforce_limits = " + std::string(enforce_limits ? "true" : "false"));
}

// Admits `r` with the plugin of `h` against partitions(); `job` is the job as admitted.
Status admit_request(const test::Harness& h, const Request& r, JobView& job) {
  PartitionPolicy* plugin = h.as<PartitionPolicy>();
  if (!plugin) return Status::error("not loaded: " + testing::PrintToString(h.errors));
  const std::vector<Node> nodes;
  const std::vector<Partition> parts = partitions();
  job = job_for(r);
  return testkit::admit(*plugin, job, {nodes, parts});
}

struct AdmitCase {
  std::string name;
  Request request;
  bool enforce_limits = true;
  Code code = Ok;
  std::string message{};          // Reject's
  std::string routed{};           // Ok: the partition chosen
  Time time = 0;                  // Ok: the time limit after admission
  bool needs_membership = false;  // skipped when NSS knows no supplementary_membership()
};

class Admit : public testing::TestWithParam<AdmitCase> {};

TEST_P(Admit, Decides) {
  const AdmitCase& c = GetParam();
  if (c.needs_membership && supplementary_membership().user.empty())
    GTEST_SKIP() << "NSS knows no user with a supplementary group";
  JobView job;
  const Status s = admit_request(load_partition(c.enforce_limits), c.request, job);
  EXPECT_EQ(s.code, c.code);
  EXPECT_EQ(s.message, c.message);
  if (c.code == Ok) {
    EXPECT_EQ(job.spec.partition, c.routed);
    EXPECT_EQ(job.spec.time_limit, c.time);
  }
}

const std::string kTimeInvalid = "Requested time limit is invalid (missing or exceeds some limit)";
const std::string kTimeMinInvalid = "Invalid time-min specification (exceeds job's time or other limits)";
const std::string kNodeCount = "Node count specification invalid";
const std::string kGpuLimit = "Requested GPU count exceeds the partition limit (4)";
const std::string kGroupDenied = "User's group not permitted to use this partition";

INSTANTIATE_TEST_SUITE_P(
    Cases, Admit,
    testing::ValuesIn(std::vector<AdmitCase>{
        {"DefaultPartition", {}, true, Ok, "", "batch", 600},
        {"NamedPartition", {.partition = "capped", .time = 60}, true, Ok, "", "capped", 60},
        {"UnknownPartition", {.partition = "nope"}, true, Reject, "Invalid partition name specified"},
        {"DefaultTimeFromDefaultTime", {.partition = "batch"}, true, Ok, "", "batch", 600},
        {"DefaultTimeFromMaxTime", {.partition = "capped"}, true, Ok, "", "capped", 7200},
        {"DefaultTimeUnlimited", {.partition = "long"}, true, Ok, "", "long", kUnlimited},
        {"TimeAtLimit", {.time = 3600}, true, Ok, "", "batch", 3600},
        {"TimeOverLimit", {.time = 3601}, true, Reject, kTimeInvalid},
        {"UnlimitedTimeOverLimit", {.time = kUnlimited}, true, Reject, kTimeInvalid},
        {"TimeOverLimitNotEnforced", {.time = 3601}, false, Ok, "", "batch", 3601},
        {"MaxNodes", {.nodes = 3}, true, Reject, kNodeCount},
        {"PartitionTooSmall", {.partition = "capped", .nodes = 3}, true, Reject, kNodeCount},
        {"MaxNodesNotEnforced", {.nodes = 3}, false, Ok, "", "batch", 600},
        {"GpusAtLimit", {.gpus = 4}, true, Ok, "", "batch", 600},
        {"GpusOverLimit", {.gpus = 5}, true, Reject, kGpuLimit},
        {"GpusPerNodeTimesNodesOverLimit", {.nodes = 2, .gpus_per_node = 3}, true, Reject, kGpuLimit},
        {"GpusOverLimitNotEnforced", {.gpus = 5}, false, Ok, "", "batch", 600},
        {"AllowedUser", {.partition = "private", .user = "alice"}, true, Ok, "", "private", kUnlimited},
        {"AllowedGroupBesideUsers", {.partition = "private", .group = "ml"}, true, Ok, "", "private", kUnlimited},
        {"UserNotAllowed", {.partition = "private"}, true, Reject, "Access/permission denied"},
        {"AllowedGroup", {.partition = "ml", .group = "ml"}, true, Ok, "", "ml", kUnlimited},
        {"GroupNotAllowed", {.partition = "ml", .user = "alice"}, true, Reject, kGroupDenied},
        {"PrimaryGroupByGid",
         {.partition = "ops", .user = "nosuchuser", .group = "users", .gid = 0},
         true,
         Ok,
         "",
         "ops",
         kUnlimited},
        {"UnknownUserUnknownGid", {.partition = "ops", .user = "nosuchuser"}, true, Reject, kGroupDenied},
        {"SupplementaryGroup",
         {.partition = "ops",
          .user = supplementary_membership().user,
          .group = "users",
          .gid = supplementary_membership().gid},
         true,
         Ok,
         "",
         "ops",
         kUnlimited,
         true},
        {"DownPartitionAcceptsJobs", {.partition = "closed"}, true, Ok, "", "closed", 3600},
        {"DownPartitionStillEnforcesLimits", {.partition = "closed", .time = 3601}, true, Reject, kTimeInvalid},
    }),
    case_name<AdmitCase>);

// The time limit against the partition's max_time under each over_time_limit, and --time-min.
// Partition "batch": max_time 3600, default_time 600; "capped": max_time 7200, no default_time;
// "long": UNLIMITED.
struct TimeCase {
  std::string name;
  std::string options;  // lines of [plugins.partition.options]
  Request request;
  Code code = Ok;
  std::string message{};  // Reject's
  Time time = 0;          // Ok: the time limit after admission
};

class AdmitTime : public testing::TestWithParam<TimeCase> {};

TEST_P(AdmitTime, Decides) {
  const TimeCase& c = GetParam();
  JobView job;
  const Status s = admit_request(test::load("partition", SLUICE_PLUGIN_PATH, c.options), c.request, job);
  EXPECT_EQ(s.code, c.code);
  EXPECT_EQ(s.message, c.message);
  if (c.code == Ok) {
    EXPECT_EQ(job.spec.time_limit, c.time);
  }
}

const std::string kClip = "over_time_limit = \"clip\"";
const std::string kRefuse = "over_time_limit = \"refuse\"";
const std::string kClipNotEnforced = kClip + "\nenforce_limits = false";

INSTANTIATE_TEST_SUITE_P(
    Cases, AdmitTime,
    testing::ValuesIn(std::vector<TimeCase>{
        {"RefuseIsTheDefault", "", {.time = 3601}, Reject, kTimeInvalid},
        {"RefuseOverMax", kRefuse, {.time = 3601}, Reject, kTimeInvalid},
        {"RefuseUnlimited", kRefuse, {.time = kUnlimited}, Reject, kTimeInvalid},
        {"RefuseAtMax", kRefuse, {.time = 3600}, Ok, "", 3600},
        {"RefuseEvenWithTimeMin", kRefuse, {.time = 7200, .time_min = 60}, Reject, kTimeInvalid},
        {"ClipOverMax", kClip, {.time = 3601}, Ok, "", 3600},
        {"ClipUnlimited", kClip, {.time = kUnlimited}, Ok, "", 3600},
        {"ClipLeavesShorterLimits", kClip, {.time = 60}, Ok, "", 60},
        {"ClipKeepsDefaultTime", kClip, {}, Ok, "", 600},
        {"ClipWithoutEnforcing", kClipNotEnforced, {.time = 99999}, Ok, "", 3600},
        {"ClipOtherPartition", kClip, {.partition = "capped", .time = kUnlimited}, Ok, "", 7200},
        {"ClipNothingWhereUnlimited", kClip, {.partition = "long", .time = 999999}, Ok, "", 999999},
        {"ClipAboveTimeMin", kClip, {.time = 7200, .time_min = 1800}, Ok, "", 3600},
        {"TimeMinAtMax", kRefuse, {.time = 3600, .time_min = 3600}, Ok, "", 3600},
        {"TimeMinOverMax", kRefuse, {.time = 3600, .time_min = 3601}, Reject, kTimeMinInvalid},
        {"TimeMinOverMaxClip", kClip, {.time = 7200, .time_min = 3601}, Reject, kTimeMinInvalid},
        {"TimeMinOverMaxNotEnforced", "enforce_limits = false", {.time_min = 3601}, Reject, kTimeMinInvalid},
        {"TimeMinUnlimited", kRefuse, {.time_min = kUnlimited}, Reject, kTimeMinInvalid},
        {"TimeMinUnlimitedPartition", kRefuse, {.partition = "long", .time_min = kUnlimited}, Ok, "", kUnlimited},
        {"TimeMinBelowDefault", kRefuse, {.time_min = 300}, Ok, "", 600},
    }),
    case_name<TimeCase>);

struct GateCase {
  std::string name;
  Request request;  // as admitted: partition and time limit set
  Code code = Ok;
  std::string reason{};
};

class Gate : public testing::TestWithParam<GateCase> {};

TEST_P(Gate, Decides) {
  const test::Harness h = load_partition(false);
  PartitionPolicy* plugin = h.as<PartitionPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  const std::vector<Node> nodes;
  const std::vector<Partition> parts = partitions();
  const Status s = plugin->gate(job_for(GetParam().request), {nodes, parts});
  EXPECT_EQ(s.code, GetParam().code);
  EXPECT_EQ(s.reason, GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Gate,
    testing::ValuesIn(std::vector<GateCase>{
        {"WithinLimits", {.partition = "batch", .time = 3600, .nodes = 2, .gpus = 4}},
        {"UnlimitedPartition", {.partition = "long", .time = kUnlimited, .nodes = 4, .gpus = 64}},
        {"TimeOverLimit", {.partition = "batch", .time = 3601}, Unschedulable, "PartitionTimeLimit"},
        {"UnlimitedTimeOverLimit", {.partition = "batch", .time = kUnlimited}, Unschedulable, "PartitionTimeLimit"},
        {"MaxNodes", {.partition = "batch", .time = 60, .nodes = 3}, Unschedulable, "PartitionNodeLimit"},
        {"PartitionTooSmall", {.partition = "capped", .time = 60, .nodes = 3}, Unschedulable, "PartitionNodeLimit"},
        {"GpusOverLimit", {.partition = "batch", .time = 60, .gpus = 5}, Unschedulable, "PartitionGpuLimit"},
        {"PartitionDown", {.partition = "closed", .time = 60}, Unschedulable, "PartitionDown"},
        {"PartitionDownBeforeLimits", {.partition = "closed", .time = 3601}, Unschedulable, "PartitionDown"},
        {"PartitionGone", {.partition = "nope", .time = 60}, Unschedulable, "PartitionDown"},
    }),
    case_name<GateCase>);

struct OptionCase {
  std::string name;
  std::string options;              // lines of [plugins.partition.options]
  std::vector<std::string> errors;  // in any order
};

class Options : public testing::TestWithParam<OptionCase> {};

TEST_P(Options, AreValidated) {
  const auto h = test::load("partition", SLUICE_PLUGIN_PATH, GetParam().options);
  EXPECT_EQ(h.plugin != nullptr, GetParam().errors.empty());
  EXPECT_THAT(h.errors, UnorderedElementsAreArray(GetParam().errors));
}

const std::string kAt = "t.toml:" + std::to_string(test::kOptionsLine);

INSTANTIATE_TEST_SUITE_P(
    Cases, Options,
    testing::ValuesIn(std::vector<OptionCase>{
        {"None", "", {}},
        {"EnforceLimits", "enforce_limits = false", {}},
        {"OverTimeLimitClip", "over_time_limit = \"clip\"", {}},
        {"OverTimeLimitRefuse", "over_time_limit = \"refuse\"", {}},
        {"OverTimeLimitUnknown",
         "over_time_limit = \"cut\"",
         {kAt + ":19: plugins.partition.options.over_time_limit: must be \"refuse\" or \"clip\" (got \"cut\")"}},
        {"OverTimeLimitCase",
         "over_time_limit = \"Clip\"",
         {kAt + ":19: plugins.partition.options.over_time_limit: must be \"refuse\" or \"clip\" (got \"Clip\")"}},
        {"OverTimeLimitNotString",
         "over_time_limit = true",
         {kAt + ":19: plugins.partition.options.over_time_limit: expected string, got boolean"}},
        {"UnknownKey", "enforce = true", {kAt + ":11: plugins.partition.options.enforce: unknown key"}},
        {"WrongType",
         "enforce_limits = \"no\"",
         {kAt + ":18: plugins.partition.options.enforce_limits: expected boolean, got string"}},
        {"IntegerForBoolean",
         "enforce_limits = 0",
         {kAt + ":18: plugins.partition.options.enforce_limits: expected boolean, got integer"}},
        {"EveryProblem",
         "enforce_limits = [true]\nstrict = true",
         {kAt + ":18: plugins.partition.options.enforce_limits: expected boolean, got array",
          "t.toml:" + std::to_string(test::kOptionsLine + 1) + ":10: plugins.partition.options.strict: unknown key"}},
    }),
    case_name<OptionCase>);

// example.toml as the daemons read it: the config loader accepts the file, and the plugin loads with
// its [plugins.partition] options without an error, so the example cannot drift from the plugin.
TEST(Example, LoadsThroughTheConfigLoader) {
  std::vector<std::string> errors;
  const auto cfg = load_config(SLUICE_EXAMPLE_TOML, errors);
  ASSERT_TRUE(cfg) << testing::PrintToString(errors);
  PluginConfig pc = cfg->plugins.at("partition");
  // The example names the library by its name (lib<name>.so in the plugin dirs); load this build's.
  EXPECT_TRUE(std::string(SLUICE_PLUGIN_PATH).ends_with("/lib" + pc.library + ".so")) << pc.library;
  EXPECT_FALSE(pc.isolate);
  std::vector<std::string> keys;
  for (const auto& [key, value] : *pc.options) keys.emplace_back(key.str());
  EXPECT_THAT(keys, ElementsAre("enforce_limits", "over_time_limit"));  // every option the plugin knows
  pc.library = SLUICE_PLUGIN_PATH;
  const auto loaded = load_plugin(*cfg, pc, errors);
  ASSERT_TRUE(loaded) << testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  auto* plugin = dynamic_cast<PartitionPolicy*>(loaded->object.get());
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->name(), "partition/partition");

  // What the example's comments say, on its own partitions: "partition time_limit" when admitted,
  // else the message.
  const ClusterView cluster{cfg->nodes, cfg->partitions};
  const struct {
    const char* what;
    testkit::JobBuilder job;
    std::string outcome;
  } kCases[] = {
      {"default partition, default_time", testkit::JobBuilder(), "batch 3600"},
      {"over max_time", testkit::JobBuilder().time_limit(86401), kTimeInvalid},
      {"over max_nodes", testkit::JobBuilder().nodes(5), kNodeCount},
      {"allowed user, max_time", testkit::JobBuilder().user("alice", "users").partition("gpu").gpus(4), "gpu 172800"},
      {"allowed group", testkit::JobBuilder().user("carol", "ml").partition("gpu"), "gpu 172800"},
      {"over max_gpus_per_job", testkit::JobBuilder().user("alice", "users").partition("gpu").gpus(5), kGpuLimit},
      {"neither user nor group allowed", testkit::JobBuilder().user("bob", "users").partition("gpu"),
       "Access/permission denied"},
      {"down partition accepts", testkit::JobBuilder().partition("maint"), "maint 14400"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.what);
    auto job = c.job.build();
    job.gid = 4242424;  // unknown to NSS: only the group name counts
    const Status s = testkit::admit(*plugin, job, cluster);
    EXPECT_EQ(s.is_ok() ? job.spec.partition + " " + std::to_string(job.spec.time_limit) : s.message, c.outcome);
  }
  const auto held = testkit::JobBuilder().partition("maint").time_limit(60).build();
  EXPECT_EQ(plugin->gate(held, cluster).reason, "PartitionDown");
}

// OptionReader, which this plugin's options go through: exact types and integer ranges.
struct ReadCase {
  std::string name;
  std::function<std::string(OptionReader&)> read;  // the value read, as text
  std::string options;                             // the table
  std::string want;                                // the value, "absent", or the error
};

template <class T>
std::function<std::string(OptionReader&)> read_as() {
  return [](OptionReader& r) {
    T v{};
    if (!r.get("v", v)) return std::string("absent");
    if constexpr (std::is_same_v<T, std::string>)
      return v;
    else if constexpr (std::is_same_v<T, bool>)
      return std::string(v ? "true" : "false");
    else
      return std::to_string(v);
  };
}

class Read : public testing::TestWithParam<ReadCase> {};

TEST_P(Read, IsExact) {
  const ReadCase& c = GetParam();
  const toml::table table = toml::parse(c.options);
  std::vector<ConfigError> errors;
  OptionReader r(table, "o", errors);
  const std::string got = c.read(r);
  std::string error;
  for (const ConfigError& e : errors)
    error += std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.path + ": " + e.why;
  EXPECT_EQ(errors.empty() ? got : error, c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Read,
    testing::ValuesIn(std::vector<ReadCase>{
        {"Absent", read_as<bool>(), "w = true", "absent"},
        {"Boolean", read_as<bool>(), "v = true", "true"},
        {"IntegerForBoolean", read_as<bool>(), "v = 0", "1:5: o.v: expected boolean, got integer"},
        {"StringForBoolean", read_as<bool>(), "v = 'yes'", "1:5: o.v: expected boolean, got string"},
        {"Integer", read_as<std::int64_t>(), "v = -5", "-5"},
        {"FloatForInteger", read_as<std::int64_t>(), "v = 4.0", "1:5: o.v: expected integer, got floating-point"},
        {"BooleanForInteger", read_as<std::uint32_t>(), "v = true", "1:5: o.v: expected integer, got boolean"},
        {"UnsignedMax", read_as<std::uint32_t>(), "v = 4294967295", "4294967295"},
        {"UnsignedNegative", read_as<std::uint32_t>(), "v = -5", "1:5: o.v: must be >= 0 (got -5)"},
        {"UnsignedTooLarge", read_as<std::uint32_t>(), "v = 4294967296",
         "1:5: o.v: must be <= 4294967295 (got 4294967296)"},
        {"Unsigned64Negative", read_as<std::uint64_t>(), "v = -1", "1:5: o.v: must be >= 0 (got -1)"},
        {"SignedTooSmall", read_as<std::int16_t>(), "v = -32769", "1:5: o.v: must be >= -32768 (got -32769)"},
        {"Float", read_as<double>(), "v = 0.5", "0.500000"},
        {"IntegerForFloat", read_as<double>(), "v = 2", "2.000000"},
        {"String", read_as<std::string>(), "v = 'pack'", "pack"},
        {"IntegerForString", read_as<std::string>(), "v = 1", "1:5: o.v: expected string, got integer"},
    }),
    case_name<ReadCase>);

}  // namespace
}  // namespace sluice
