// The allocation ledger (sluice/ledger.hpp) and the controller's Nodes around it.
#include "core/ctld/nodes.hpp"

#include <gtest/gtest.h>

#include <sluice/ledger.hpp>

namespace sluice {
namespace {

Node node(const std::string& name, std::uint32_t cpus, std::uint64_t mem_mb, std::vector<std::string> gpu_types) {
  Node n;
  n.name = name;
  n.cpus = cpus;
  n.mem_mb = mem_mb;
  for (std::size_t i = 0; i < gpu_types.size(); ++i) n.gpus.push_back({static_cast<std::uint32_t>(i), gpu_types[i]});
  n.gpu_used.assign(n.gpus.size(), false);
  n.responding = true;
  n.partitions = {"p"};
  return n;
}

TEST(Ledger, AllocProblems) {
  Node n = node("n1", 8, 1000, {"t4", "t4"});
  allocate(n, {"n1", 2, 100, {1}});
  struct Case {
    const char* name;
    NodeAlloc a;
    std::string want;
  };
  const Case cases[] = {
      {"Fits", {"n1", 6, 900, {0}}, ""},
      {"TooManyCpus", {"n1", 1000, 0, {}}, "node n1: 1000 CPUs asked, 6 free"},
      {"TooMuchMemory", {"n1", 1, 901, {}}, "node n1: 901 MB asked, 900 MB free"},
      {"NoSuchGpu", {"n1", 1, 0, {99}}, "node n1: no GPU 99"},
      {"GpuTwice", {"n1", 1, 0, {0, 0}}, "node n1: GPU 0 listed twice"},
      {"GpuInUse", {"n1", 1, 0, {1}}, "node n1: GPU 1 is in use"},
  };
  for (const auto& c : cases) EXPECT_EQ(alloc_problem(n, c.a), c.want) << c.name;
}

TEST(Ledger, AllocateAndReleaseAreInverse) {
  Node n = node("n1", 8, 1000, {"a10", "a10", "a10"});
  const Node idle = n;
  const NodeAlloc a{"n1", 3, 250, {0, 2}};
  allocate(n, a);
  EXPECT_EQ(free_cpus(n), 5u);
  EXPECT_EQ(free_mem_mb(n), 750u);
  EXPECT_EQ(free_gpus(n), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(n.running_jobs, 1u);
  release(n, a);
  EXPECT_EQ(n.alloc_cpus, idle.alloc_cpus);
  EXPECT_EQ(n.alloc_mem_mb, idle.alloc_mem_mb);
  EXPECT_EQ(n.gpu_used, idle.gpu_used);
  EXPECT_EQ(n.running_jobs, 0u);
  release(n, a);  // twice: never below zero
  EXPECT_EQ(n.alloc_cpus, 0u);
}

TEST(Ledger, FreeGpusOfAType) {
  Node n = node("n1", 8, 1000, {"a10", "t4", "a10"});
  allocate(n, {"n1", 1, 0, {0}});
  EXPECT_EQ(free_gpus(n, "a10"), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(free_gpus(n, "t4"), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(free_gpus(n, "h200"), (std::vector<std::uint32_t>{}));
}

TEST(Nodes, TakeIsAllOrNothing) {
  Nodes nodes({node("n1", 4, 100, {}), node("n2", 4, 100, {})});
  EXPECT_EQ(nodes.take({{"n1", 2, 0, {}}, {"n2", 8, 0, {}}}, 0), "node n2: 8 CPUs asked, 4 free");
  EXPECT_EQ(nodes.find("n1")->alloc_cpus, 0u) << "nothing taken when one part does not fit";
  EXPECT_EQ(nodes.take({{"nosuchnode", 1, 0, {}}}, 0), "no node \"nosuchnode\"");
  const auto gen = nodes.generation();
  EXPECT_EQ(nodes.take({{"n1", 2, 0, {}}, {"n2", 4, 0, {}}}, 7), "");
  EXPECT_GT(nodes.generation(), gen);
  EXPECT_EQ(nodes.find("n2")->last_busy, 7);
  nodes.give_back({{"n1", 2, 0, {}}, {"n2", 4, 0, {}}}, 8);
  EXPECT_EQ(nodes.find("n2")->alloc_cpus, 0u);
}

// Reconfigure derives usage from the running jobs, and refuses hardware that cannot hold them.
TEST(Nodes, ReconfigureRefusesShrinkingBelowRunningJobs) {
  Nodes nodes({node("n1", 4, 1000, {"t4", "t4"})});
  Job j;
  j.id = 7;
  j.state = JobState::Running;
  j.alloc = {{"n1", 4, 500, {1}}};
  ASSERT_EQ(nodes.take(j.alloc, 0), "");
  nodes.registered("n1", "agent-1", 5);

  std::vector<std::string> errors;
  EXPECT_FALSE(nodes.reconfigure({node("n1", 2, 1000, {"t4", "t4"})}, {&j}, "site.toml", errors));
  EXPECT_EQ(errors, (std::vector<std::string>{"site.toml: node n1: 4 CPUs asked, 2 free while job 7 holds it"}));
  errors.clear();
  EXPECT_FALSE(nodes.reconfigure({node("n1", 4, 1000, {"t4"})}, {&j}, "site.toml", errors));
  EXPECT_EQ(errors, (std::vector<std::string>{"site.toml: node n1: no GPU 1 while job 7 holds it"}));
  errors.clear();
  EXPECT_FALSE(nodes.reconfigure({node("n2", 4, 1000, {})}, {&j}, "site.toml", errors));
  EXPECT_EQ(errors, (std::vector<std::string>{"site.toml: node n1 removed while job 7 runs on it"}));
  EXPECT_EQ(nodes.find("n1")->cpus, 4u) << "a refused config changes nothing";

  // Grown: usage comes from the job, live state is kept.
  errors.clear();
  ASSERT_TRUE(nodes.reconfigure({node("n1", 8, 2000, {"t4", "t4", "t4"})}, {&j}, "site.toml", errors));
  const Node& n = *nodes.find("n1");
  EXPECT_EQ(n.cpus, 8u);
  EXPECT_EQ(n.alloc_cpus, 4u);
  EXPECT_EQ(n.gpu_used, (std::vector<bool>{false, true, false}));
  EXPECT_TRUE(n.responding);
  EXPECT_TRUE(nodes.heartbeat_known("n1", "agent-1"));
}

// Shrunk and put back while a job holds GPU 1: the GPU is still the job's, never handed out twice.
TEST(Nodes, GpuHeldAcrossResizeStaysHeld) {
  Nodes nodes({node("n1", 4, 1000, {"t4", "t4", "t4"})});
  Job j;
  j.id = 3;
  j.state = JobState::Running;
  j.alloc = {{"n1", 1, 0, {1}}};
  ASSERT_EQ(nodes.take(j.alloc, 0), "");
  std::vector<std::string> errors;
  ASSERT_TRUE(nodes.reconfigure({node("n1", 4, 1000, {"t4", "t4"})}, {&j}, "f", errors));
  ASSERT_TRUE(nodes.reconfigure({node("n1", 4, 1000, {"t4", "t4", "t4"})}, {&j}, "f", errors));
  EXPECT_EQ(free_gpus(*nodes.find("n1")), (std::vector<std::uint32_t>{0, 2}));
}

TEST(Nodes, ExpireMarksSilentNodes) {
  Nodes nodes({node("n1", 4, 100, {}), node("n2", 4, 100, {})});
  nodes.registered("n1", "a", 100);
  nodes.registered("n2", "b", 130);
  EXPECT_EQ(nodes.expire(150, 30), (std::vector<std::string>{"n1"}));
  EXPECT_FALSE(nodes.find("n1")->responding);
  EXPECT_FALSE(nodes.heartbeat_known("n1", "a"));
  EXPECT_TRUE(nodes.heartbeat_known("n2", "b"));
}

}  // namespace
}  // namespace sluice
