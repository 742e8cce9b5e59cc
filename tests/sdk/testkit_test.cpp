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
  const JobView job = JobBuilder()
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

// A select policy whose answer the test sets, to check place() holds it to the select contract.
class Scripted final : public SelectPolicy {
 public:
  std::vector<NodeAlloc> answer;
  std::string_view name() const override { return "test/scripted"; }
  bool configure(const Context&, const toml::table&, const std::string&, std::vector<ConfigError>&) override {
    return true;
  }
  Status feasible(const JobView&, const ClusterView&) override { return Status::ok(); }
  Status select(const JobView&, const ClusterView&, std::vector<NodeAlloc>& out) override {
    out = answer;
    return Status::ok();
  }
};

TEST(PlaceTest, HoldsAPolicyToTheSelectContract) {
  FakeCluster cluster;
  cluster.add_nodes("n", 2, {.cpus = 8, .mem_mb = 4096, .gpus = {{"t4", 2}}}).add_partition("gpu");
  const JobView job = JobBuilder().partition("gpu").tasks(2).cpus(2).gpus(1, "t4").build();
  Scripted policy;
  struct Case {
    const char* name;
    std::vector<NodeAlloc> answer;
    std::string error;  // "" = placed
  };
  const Case cases[] = {
      {"Valid", {{"n1", 4, 0, {1}}}, ""},
      {"UnknownNode", {{"nosuchnode", 4, 0, {0}}}, "invalid placement: no node \"nosuchnode\""},
      {"GpuOutOfRange", {{"n1", 4, 0, {99}}}, "invalid placement: node n1: no GPU 99"},
      {"TooManyCpus", {{"n1", 1000, 0, {0}}}, "invalid placement: node n1: 1000 CPUs asked, 8 free"},
      {"TooFewCpus", {{"n1", 3, 0, {0}}}, "invalid placement: 3 CPUs given, 4 asked"},
      {"NoGpu", {{"n1", 4, 0, {}}}, "invalid placement: 0 GPUs given, 1 asked (-G)"},
      {"NoNodes", {}, "invalid placement: no nodes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeCluster copy = cluster;
    policy.answer = c.answer;
    std::vector<NodeAlloc> out;
    const Status st = place(policy, job, copy, out);
    EXPECT_EQ(st.message, c.error);
    EXPECT_EQ(st.is_ok(), c.error.empty());
    EXPECT_EQ(copy.node("n1").alloc_cpus, c.error.empty() ? 4u : 0u) << "taken only when valid";
  }
}

class Router final : public PartitionPolicy {
 public:
  std::string to;
  std::string_view name() const override { return "test/router"; }
  bool configure(const Context&, const toml::table&, const std::string&, std::vector<ConfigError>&) override {
    return true;
  }
  Status admit(const JobView&, const ClusterView&, Admission& out) override {
    out.partition = to;
    out.time_limit = 600;
    return Status::ok();
  }
  Status gate(const JobView&, const ClusterView&) override { return Status::ok(); }
};

TEST(AdmitTest, AppliesOnlyAValidAdmission) {
  FakeCluster cluster;
  cluster.add_node("n1", {.cpus = 2}).add_partition("gpu");
  Router router;
  router.to = "gpu";
  JobView job = JobBuilder().build();
  ASSERT_TRUE(admit(router, job, cluster.view()).is_ok());
  EXPECT_EQ(job.spec.partition, "gpu");
  EXPECT_EQ(job.spec.time_limit, 600);
  router.to = "nope";
  JobView other = JobBuilder().build();
  const Status st = admit(router, other, cluster.view());
  EXPECT_EQ(st.code, Code::Error);
  EXPECT_EQ(st.message, "admitted to unknown partition \"nope\"");
  EXPECT_EQ(other.spec.partition, "") << "nothing applied";
}

}  // namespace
}  // namespace sluice::testkit
