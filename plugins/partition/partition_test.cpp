// partition/partition loaded from its built library: routing, time defaults, limits, access, options.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sluice/partition.hpp>

#include "tests/fixtures/plugin_harness.hpp"

namespace sluice {
namespace {

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

// "long" comes first, so routing to "batch" follows `is_default`, not the order.
std::vector<Partition> partitions() {
  Partition batch = partition("batch", {"n1", "n2", "n3"}, 3600, 600);
  batch.is_default = true, batch.max_nodes = 2, batch.max_gpus_per_job = 4;
  Partition restricted = partition("private", {"n4"}, kUnlimited, kNoValue);
  restricted.allow_users = {"alice"}, restricted.allow_groups = {"ml"};
  Partition ml = partition("ml", {"n4"}, kUnlimited, kNoValue);
  ml.allow_groups = {"ml"};
  return {partition("long", {"n1", "n2", "n3", "n4"}, kUnlimited, kNoValue), batch,
          partition("capped", {"n1", "n2"}, 7200, kNoValue), restricted, ml};
}

struct Request {
  std::string partition{};
  Time time = kNoValue;
  std::uint32_t nodes = 1;
  std::uint32_t gpus = 0;
  std::uint32_t gpus_per_node = 0;
  std::string user = "bob", group = "users";
};

Job job_for(const Request& r) {
  Job job;
  job.user = r.user;
  job.group = r.group;
  job.spec.partition = r.partition;
  job.spec.time_limit = r.time;
  job.spec.nodes = r.nodes;
  job.spec.gpus = r.gpus;
  job.spec.gpus_per_node = r.gpus_per_node;
  return job;
}

test::Harness load_partition(bool enforce_limits) {
  return test::load("partition", SLUICE_PLUGIN_PATH,
                    "enforce_limits = " + std::string(enforce_limits ? "true" : "false"));
}

struct AdmitCase {
  std::string name;
  Request request;
  bool enforce_limits = true;
  Code code = Ok;
  std::string message{};  // Reject's
  std::string routed{};   // Ok: the partition chosen
  Time time = 0;          // Ok: the time limit after admission
};

class Admit : public testing::TestWithParam<AdmitCase> {};

TEST_P(Admit, Decides) {
  const AdmitCase& c = GetParam();
  const test::Harness h = load_partition(c.enforce_limits);
  PartitionPolicy* plugin = h.as<PartitionPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  const std::vector<Node> nodes;
  const std::vector<Partition> parts = partitions();
  Job job = job_for(c.request);
  const Status s = plugin->admit(job, {nodes, parts});
  EXPECT_EQ(s.code, c.code);
  EXPECT_EQ(s.message, c.message);
  if (c.code == Ok) {
    EXPECT_EQ(job.spec.partition, c.routed);
    EXPECT_EQ(job.spec.time_limit, c.time);
  }
}

const std::string kTimeInvalid = "Requested time limit is invalid (missing or exceeds some limit)";
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
    }),
    case_name<AdmitCase>);

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
        {"UnknownKey", "enforce = true", {kAt + ":11: plugins.partition.options.enforce: unknown key"}},
        {"WrongType",
         "enforce_limits = \"no\"",
         {kAt + ":18: plugins.partition.options.enforce_limits: expected boolean, got string"}},
        {"EveryProblem",
         "enforce_limits = [true]\nstrict = true",
         {kAt + ":18: plugins.partition.options.enforce_limits: expected boolean, got array",
          "t.toml:" + std::to_string(test::kOptionsLine + 1) + ":10: plugins.partition.options.strict: unknown key"}},
    }),
    case_name<OptionCase>);

}  // namespace
}  // namespace sluice
