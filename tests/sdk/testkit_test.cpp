// The plugin test kit (sdk/include/sluice/testkit.hpp); load() and configure() drive the example plugin.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sluice/partition.hpp>
#include <sluice/select.hpp>
#include <sluice/testkit.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::testkit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(FakeClusterTest, BuildsNodesPartitionsAndLoad) {
  FakeCluster cluster;
  cluster.add_nodes("n", 2, {.cpus = 8, .mem_mb = 4096, .gpus = {{"t4", 1}, {"a10", 2}}})
      .add_node("cpu1", {.cpus = 4})
      .add_partition("all")
      .add_partition("gpu", {"n1", "n2"})
      .allocate("n1", 2, 2, 1024)
      .allocate("n2", 8)
      .drain("n2", "bad fan")
      .down("cpu1");
  const ClusterView view = cluster.view();

  ASSERT_EQ(view.nodes.size(), 3u);
  const Node& n1 = view.nodes[0];
  EXPECT_EQ(n1.name, "n1");
  ASSERT_EQ(n1.gpus.size(), 3u);
  EXPECT_EQ(n1.gpus[0].type, "a10");
  EXPECT_EQ(n1.gpus[2].type, "t4");
  EXPECT_EQ(n1.gpus[2].index, 2u);
  EXPECT_THAT(n1.gpu_used, ElementsAre(true, true, false));
  EXPECT_EQ(n1.alloc_mem_mb, 1024u);
  EXPECT_EQ(n1.free_mem_mb, 3072u);
  EXPECT_THAT(n1.partitions, ElementsAre("all", "gpu"));
  EXPECT_EQ(node_state_short(n1), "mix");
  EXPECT_EQ(node_state_short(view.nodes[1]), "drng");
  EXPECT_EQ(view.nodes[1].reason, "bad fan");
  EXPECT_EQ(node_state_short(view.nodes[2]), "down*");

  EXPECT_EQ(view.default_partition()->name, "all");
  EXPECT_EQ(view.partition("all")->nodes_expr, "ALL");
  EXPECT_THAT(view.partition("all")->nodes, ElementsAre("n1", "n2", "cpu1"));
  EXPECT_EQ(view.partition("gpu")->nodes_expr, "n1,n2");
  cluster.partition("gpu").max_time = 60;
  EXPECT_EQ(view.partition("gpu")->max_time, 60);
}

TEST(FakeClusterTest, RefusesWhatIsNotThere) {
  FakeCluster cluster;
  cluster.add_node("n1", {.cpus = 2, .gpus = {{"t4", 1}}});
  EXPECT_THROW(cluster.allocate("n1", 3), std::invalid_argument);
  EXPECT_THROW(cluster.allocate("n1", 1, 2), std::invalid_argument);
  EXPECT_EQ(cluster.node("n1").alloc_cpus, 0u);
  EXPECT_THROW(cluster.add_partition("p", {"n9"}), std::out_of_range);
  EXPECT_THROW(cluster.partition("p"), std::out_of_range);
}

TEST(JobBuilderTest, FillsTheSpec) {
  const Job job = JobBuilder()
                      .id(7)
                      .user("ann", "lab")
                      .name("train")
                      .partition("gpu")
                      .nodes(2)
                      .tasks(4)
                      .cpus(8)
                      .mem_mb(2048)
                      .gpus_per_node(2, "a100")
                      .time_limit(kUnlimited)
                      .nodelist("n[1-2]")
                      .build();
  EXPECT_EQ(job.id, 7u);
  EXPECT_EQ(job.user, "ann");
  EXPECT_EQ(job.group, "lab");
  EXPECT_EQ(job.state, JobState::Pending);
  EXPECT_EQ(job.submit_time, kNow);
  EXPECT_EQ(job.spec.name, "train");
  EXPECT_EQ(job.spec.partition, "gpu");
  EXPECT_EQ(job.spec.nodes, 2u);
  EXPECT_EQ(job.spec.ntasks, 4u);
  EXPECT_EQ(job.spec.cpus_per_task, 8u);
  EXPECT_EQ(job.spec.mem_mb, 2048u);
  EXPECT_EQ(job.spec.gpus, 0u);
  EXPECT_EQ(job.spec.gpus_per_node, 2u);
  EXPECT_EQ(job.spec.gpu_type, "a100");
  EXPECT_EQ(job.spec.time_limit, kUnlimited);
  EXPECT_EQ(job.spec.nodelist, "n[1-2]");
  EXPECT_EQ(JobBuilder().build().spec.time_limit, kNoValue);
}

TEST(TestkitTest, LoadsAndConfiguresABuiltPlugin) {
  auto loaded = load<PartitionPolicy>(EXAMPLE_PLUGIN);
  EXPECT_EQ(loaded.plugin->name(), "partition/max_gpus");
  EXPECT_EQ(to_string(configure(*loaded.plugin, "max_gpus = '4'\nmax_gpu = 2")),
            "2:11: plugins.partition.options.max_gpu: unknown key\n"
            "1:12: plugins.partition.options.max_gpus: expected integer, got string");
  EXPECT_THROW(configure(*loaded.plugin, "max_gpus ="), toml::parse_error);
  EXPECT_EQ(to_string(configure(*loaded.plugin, "max_gpus = 4")), "");
}

TEST(TestkitTest, ContextLogsAndKeepsTime) {
  std::vector<std::string> log;
  const Context ctx = context("partition/x", &log);
  ctx.log(LogLevel::Warn, "careful");
  EXPECT_EQ(ctx.now(), kNow);
  EXPECT_THAT(log, ElementsAre("warn: careful"));
}

TEST(TestkitTest, LoadNamesTheFileAndTheProblem) {
  EXPECT_THAT([] { load("/nonexistent/libx.so"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("/nonexistent/libx.so: ")));
  EXPECT_THAT(
      [] { load<SelectPolicy>(EXAMPLE_PLUGIN); },
      ThrowsMessage<std::runtime_error>(HasSubstr("partition/max_gpus does not implement the requested policy")));
}

}  // namespace
}  // namespace sluice::testkit
