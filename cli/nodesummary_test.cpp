// nodesummary's formatting: meters, memory sizes, sums, the report and its JSON, table-driven.
#include "cli/nodesummary.hpp"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

Node make_node(const std::string& name, std::uint32_t cpus, std::uint64_t mem_mb, std::vector<Gpu> gpus) {
  Node n;
  n.name = name;
  n.cpus = cpus;
  n.mem_mb = mem_mb;
  n.gpus = std::move(gpus);
  n.gpu_used.assign(n.gpus.size(), false);
  n.responding = true;
  n.last_seen = 1;
  return n;
}

// n1: 2 of 4 CPUs, 4G of 8G and GPU 1 of two T4s held; n2 idle; n10 down with one A10.
std::vector<Node> cluster() {
  Node n1 = make_node("n1", 4, 8192, {{0, "t4"}, {1, "t4"}});
  n1.alloc_cpus = 2, n1.alloc_mem_mb = 4096, n1.running_jobs = 1, n1.gpu_used[1] = true;
  Node n2 = make_node("n2", 4, 8192, {{0, "t4"}, {1, "t4"}});
  Node n10 = make_node("n10", 8, 16384, {{0, "a10"}});
  n10.responding = false;
  return {n10, n2, n1};
}

Partition make_part(const std::string& name, std::vector<std::string> nodes, bool is_default = false) {
  Partition p;
  p.name = name;
  p.nodes = std::move(nodes);
  p.is_default = is_default;
  return p;
}

std::vector<Partition> parts() { return {make_part("gpu", {"n1", "n2", "n10"}, true), make_part("small", {"n2"})}; }

struct MeterCase {
  const char* name;
  Usage u;
  int width;
  const char* want;
};

class Meter : public testing::TestWithParam<MeterCase> {};

TEST_P(Meter, Draws) { EXPECT_EQ(meter(GetParam().u, GetParam().width, Style{}), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(Cases, Meter,
                         testing::ValuesIn(std::vector<MeterCase>{
                             {"Nothing", {0, 0}, 10, "[        ]"},
                             {"Idle", {0, 4}, 10, "[........]"},
                             {"AnyUseShows", {1, 64}, 10, "[#.......]"},
                             {"Half", {2, 4}, 10, "[####....]"},
                             {"Full", {4, 4}, 10, "[########]"},
                             {"OverFullIsFull", {9, 4}, 10, "[########]"},
                             {"Narrow", {1, 2}, 3, "[#]"},
                             {"TooNarrowStillOneCell", {0, 2}, 1, "[.]"},
                         }),
                         [](const auto& info) { return std::string(info.param.name); });

struct MemCase {
  const char* name;
  std::uint64_t mb;
  const char* want;
};

class HumanMem : public testing::TestWithParam<MemCase> {};

TEST_P(HumanMem, Reads) { EXPECT_EQ(human_mem(GetParam().mb), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(Cases, HumanMem,
                         testing::ValuesIn(std::vector<MemCase>{
                             {"Zero", 0, "0M"},
                             {"Megabytes", 512, "512M"},
                             {"OneGig", 1024, "1G"},
                             {"Fraction", 1536, "1.5G"},
                             {"WholeGigs", 8192, "8G"},
                             {"RoundedAboveTen", 16000, "16G"},
                             {"Large", 257000, "251G"},
                             {"Tera", 1048576, "1.0T"},
                         }),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MeterColor, ByLoad) {
  const Style color{.color = true};
  EXPECT_NE(meter({1, 4}, 10, color).find("\x1b[32m##"), std::string::npos);        // green under 50%
  EXPECT_NE(meter({3, 4}, 10, color).find("\x1b[33m######"), std::string::npos);    // yellow under 90%
  EXPECT_NE(meter({4, 4}, 10, color).find("\x1b[31m########"), std::string::npos);  // red
  EXPECT_EQ(meter({3, 4}, 10, Style{}).find('\x1b'), std::string::npos);
}

TEST(Summarize, SumsNodesPartitionsAndTheCluster) {
  const Summary s = summarize(cluster(), parts(), {});
  ASSERT_EQ(s.nodes.size(), 3u);
  EXPECT_EQ(s.nodes[0].name, "n1");  // hostlist order: n1 n2 n10
  EXPECT_EQ(s.nodes[2].name, "n10");
  EXPECT_EQ(s.nodes[0].state, "mix");
  EXPECT_EQ(s.nodes[2].state, "down*");
  EXPECT_EQ(s.cluster.nodes, 3u);
  EXPECT_EQ(s.cluster.usable, 2u);
  EXPECT_EQ(s.cluster.cpus.used, 2u);
  EXPECT_EQ(s.cluster.cpus.total, 16u);
  EXPECT_EQ(s.cluster.gpus.used, 1u);
  EXPECT_EQ(s.cluster.gpus.total, 5u);
  ASSERT_EQ(s.cluster.by_type.size(), 2u);
  EXPECT_EQ(s.cluster.by_type[0].type, "t4");
  EXPECT_EQ(s.cluster.by_type[0].free, 3u);
  EXPECT_EQ(s.cluster.by_type[1].type, "a10");
  EXPECT_EQ(s.cluster.by_type[1].free, 0u);  // on a node that is down
  ASSERT_EQ(s.partitions.size(), 2u);
  EXPECT_EQ(s.partitions[0].name, "gpu*");
  EXPECT_EQ(s.partitions[0].nodes, 3u);
  EXPECT_EQ(s.partitions[1].name, "small");
  EXPECT_EQ(s.partitions[1].cpus.total, 4u);
}

struct FilterCase {
  const char* name;
  SummaryFilter filter;
  std::vector<std::string> nodes, partitions;
};

class SummarizeFilter : public testing::TestWithParam<FilterCase> {};

TEST_P(SummarizeFilter, Keeps) {
  const Summary s = summarize(cluster(), parts(), GetParam().filter);
  std::vector<std::string> nodes, partitions;
  for (const auto& r : s.nodes) nodes.push_back(r.name);
  for (const auto& r : s.partitions) partitions.push_back(r.name);
  EXPECT_EQ(nodes, GetParam().nodes);
  EXPECT_EQ(partitions, GetParam().partitions);
  EXPECT_EQ(s.cluster.nodes, GetParam().nodes.size());
}

INSTANTIATE_TEST_SUITE_P(Cases, SummarizeFilter,
                         testing::ValuesIn(std::vector<FilterCase>{
                             {"All", {}, {"n1", "n2", "n10"}, {"gpu*", "small"}},
                             {"Partition", {.partitions = {"small"}, .nodes = {}}, {"n2"}, {"small"}},
                             {"Nodes", {.partitions = {}, .nodes = {"n10", "n1"}}, {"n1", "n10"}, {"gpu*", "small"}},
                             {"Both", {.partitions = {"small"}, .nodes = {"n1"}}, {}, {"small"}},
                         }),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Render, PlainText) {
  const std::string want =
      "NODE      STATE  CPUS used/total MEMORY used/total   GPUS used/total\n"
      "n1        mix    [###...]    2/4 [###...]      4G/8G [##..]   1/2 t4\n"
      "n2        idle   [......]    0/4 [......]      0M/8G [....]   0/2 t4\n"
      "n10       down*  [......]    0/8 [......]     0M/16G [....]   0/1 a10\n"
      "\n"
      "PARTITION NODES  CPUS used/total MEMORY used/total   GPUS used/total\n"
      "gpu*      2/3    [#.....]   2/16 [#.....]     4G/32G [#...]   1/5 t4,a10\n"
      "small     1/1    [......]    0/4 [......]      0M/8G [....]   0/2 t4\n"
      "cluster   2/3    [#.....]   2/16 [#.....]     4G/32G [#...]   1/5 t4,a10\n"
      "\n"
      "GPU TYPE     FREE  USED/TOTAL\n"
      "t4              3  [#...]   1/4\n"
      "a10             0  [....]   0/1\n";
  EXPECT_EQ(render_summary(summarize(cluster(), parts(), {}), Style{}), want);
}

TEST(Render, FitsEightyColumns) {
  std::vector<Node> big;
  for (int i = 1; i <= 3; ++i) {
    Node n = make_node("i256-a40-0" + std::to_string(i), 256, 1031000, {{0, "a40"}, {1, "a40"}, {2, "a40"}});
    n.alloc_cpus = 200, n.alloc_mem_mb = 900000, n.running_jobs = 3, n.gpu_used = {true, true, false};
    big.push_back(n);
  }
  const Partition p = make_part("prioritized", {"i256-a40-01", "i256-a40-02", "i256-a40-03"});
  const std::string text = render_summary(summarize(big, {p}, {}), Style{});
  for (const auto& line : [&] {
         std::vector<std::string> lines;
         std::size_t a = 0;
         for (std::size_t b; (b = text.find('\n', a)) != std::string::npos; a = b + 1)
           lines.push_back(text.substr(a, b - a));
         return lines;
       }())
    EXPECT_LE(line.size(), 80u) << line;
}

TEST(Render, ColourOnlyWhenAsked) {
  const Summary s = summarize(cluster(), parts(), {});
  EXPECT_EQ(render_summary(s, Style{}).find('\x1b'), std::string::npos);
  const std::string colored = render_summary(s, Style{.color = true});
  EXPECT_NE(colored.find("\x1b[1mNODE"), std::string::npos);            // bold headings
  EXPECT_NE(colored.find("\x1b[33mmix   \x1b[0m"), std::string::npos);  // states by colour
  EXPECT_NE(colored.find("\x1b[32midle  \x1b[0m"), std::string::npos);
}

TEST(Json, Fields) {
  const Json j = summary_json(summarize(cluster(), parts(), {}));
  ASSERT_EQ(j["nodes"].size(), 3u);
  EXPECT_EQ(j["nodes"][0]["name"], "n1");
  EXPECT_EQ(j["nodes"][0]["state"], "mix");
  EXPECT_EQ(j["nodes"][0]["cpus"]["used"], 2);
  EXPECT_EQ(j["nodes"][0]["memory_mb"]["total"], 8192);
  EXPECT_EQ(j["nodes"][0]["gpu_types"][0]["type"], "t4");
  EXPECT_EQ(j["nodes"][0]["gpu_types"][0]["used"], 1);
  EXPECT_EQ(j["partitions"][0]["name"], "gpu*");
  EXPECT_EQ(j["cluster"]["nodes"], 3);
  EXPECT_EQ(j["cluster"]["usable_nodes"], 2);
  EXPECT_EQ(j["cluster"]["gpus"]["total"], 5);
}

}  // namespace
}  // namespace sluice::cli
