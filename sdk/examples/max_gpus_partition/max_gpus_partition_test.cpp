// Unit tests for partition/max_gpus: the built library, loaded and driven with the SDK's test kit.
#include <gtest/gtest.h>

#include <sluice/partition.hpp>
#include <sluice/testkit.hpp>
#include <string>

namespace {

namespace testkit = sluice::testkit;

TEST(MaxGpusPartitionTest, ChecksItsOptions) {
  const struct {
    const char* options;
    const char* errors;
  } kCases[] = {
      {"max_gpus = 4", ""},
      {"max_gpus = 0", ""},
      {"", "1:1: plugins.partition.options.max_gpus: required"},
      {"max_gpus = -1", "1:12: plugins.partition.options.max_gpus: must be >= 0"},
      {"max_gpus = '4'", "1:12: plugins.partition.options.max_gpus: expected integer, got string"},
      {"max_gpus = 4\nmax_gpu = 2", "2:11: plugins.partition.options.max_gpu: unknown key"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.options);
    auto loaded = testkit::load<sluice::PartitionPolicy>(PLUGIN_PATH);
    EXPECT_EQ(loaded.plugin->name(), "partition/max_gpus");
    EXPECT_EQ(testkit::to_string(testkit::configure(*loaded.plugin, c.options)), c.errors);
  }
}

TEST(MaxGpusPartitionTest, RoutesAndLimitsGpus) {
  testkit::FakeCluster cluster;
  cluster.add_nodes("gpu", 2, {.cpus = 32, .mem_mb = 131072, .gpus = {{"a100", 4}}})
      .add_partition("batch")
      .add_partition("debug", {"gpu1"});
  cluster.partition("batch").is_default = true;
  cluster.partition("batch").default_time = 3600;
  cluster.partition("debug").max_time = 1800;
  auto loaded = testkit::load<sluice::PartitionPolicy>(PLUGIN_PATH);
  ASSERT_EQ(testkit::to_string(testkit::configure(*loaded.plugin, "max_gpus = 4")), "");

  const struct {
    const char* what;
    testkit::JobBuilder job;
    sluice::Code code;
    const char* partition;  // after admit (a refused job is left as it asked)
    sluice::Time time_limit;
    const char* message;
  } kCases[] = {
      {"default partition", testkit::JobBuilder().gpus(2, "a100"), sluice::Code::Ok, "batch", 3600, ""},
      {"named partition", testkit::JobBuilder().partition("debug").gpus(4), sluice::Code::Ok, "debug", 1800, ""},
      {"own time limit", testkit::JobBuilder().time_limit(60), sluice::Code::Ok, "batch", 60, ""},
      {"unknown partition", testkit::JobBuilder().partition("nope"), sluice::Code::Reject, "nope", sluice::kNoValue,
       "Invalid partition name specified"},
      {"too many GPUs", testkit::JobBuilder().gpus(5), sluice::Code::Reject, "", sluice::kNoValue,
       "Requested 5 GPUs, more than the 4 one job may use on this cluster"},
      {"too many GPUs per node", testkit::JobBuilder().nodes(2).gpus_per_node(3, "a100"), sluice::Code::Reject, "",
       sluice::kNoValue, "Requested 6 GPUs, more than the 4 one job may use on this cluster"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.what);
    sluice::JobView job = c.job.build();
    const sluice::Status status = testkit::admit(*loaded.plugin, job, cluster.view());
    EXPECT_EQ(status.code, c.code);
    EXPECT_EQ(status.message, c.message);
    EXPECT_EQ(job.spec.partition, c.partition);
    EXPECT_EQ(job.spec.time_limit, c.time_limit);
  }
}

TEST(MaxGpusPartitionTest, GateHoldsJobsOfAnInactivePartition) {
  testkit::FakeCluster cluster;
  cluster.add_node("n1", {}).add_partition("batch");
  auto loaded = testkit::load<sluice::PartitionPolicy>(PLUGIN_PATH);
  ASSERT_EQ(testkit::to_string(testkit::configure(*loaded.plugin, "max_gpus = 0")), "");
  const sluice::JobView job = testkit::JobBuilder().partition("batch").build();
  EXPECT_TRUE(loaded.plugin->gate(job, cluster.view()).is_ok());
  cluster.partition("batch").up = false;
  EXPECT_EQ(loaded.plugin->gate(job, cluster.view()).reason, "PartitionInactive");
}

}  // namespace
