// The SDK's shared rules: shares() for every GPU request form, the select contract
// (placement_problem) for them, and -C/--constraint expressions (features.hpp). Named table cases.
#include <gtest/gtest.h>

#include <functional>
#include <sluice/features.hpp>
#include <sluice/ledger.hpp>
#include <sluice/testkit.hpp>
#include <string>
#include <vector>

namespace sluice {
namespace {

template <typename T>
std::string case_name(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

// "cpus/mem/gpus" per share, space separated.
std::string show(const std::vector<Share>& shares) {
  std::string out;
  for (const Share& s : shares)
    out += (out.empty() ? "" : " ") + std::to_string(s.cpus) + "/" + std::to_string(s.mem_mb) + "/" +
           std::to_string(s.gpus);
  return out;
}

struct SharesCase {
  std::string name;
  testkit::JobBuilder job;
  std::size_t count;
  std::string want;  // show(shares(spec, count))
};

class Shares : public testing::TestWithParam<SharesCase> {};

TEST_P(Shares, SplitAsSlurmDoes) {
  const SharesCase& c = GetParam();
  EXPECT_EQ(show(shares(c.job.build().spec, c.count)), c.want);
}

testkit::JobBuilder job() { return testkit::JobBuilder(); }

INSTANTIATE_TEST_SUITE_P(
    Cases, Shares,
    testing::ValuesIn(std::vector<SharesCase>{
        {"OneTask", job(), 1, "1/0/0"},
        {"TasksAndCpusSplit", job().tasks(3).cpus(2), 2, "4/0/0 2/0/0"},
        {"NodeWithoutTaskGetsOneCpu", job().tasks(2).cpus(4), 3, "4/0/0 4/0/0 1/0/0"},
        {"GpusSplit", job().gpus(3), 2, "1/0/2 1/0/1"},
        {"GresPerNode", job().gpus_per_node(2), 2, "1/0/2 1/0/2"},
        {"GpusPerTask", job().tasks(3).gpus_per_task(2), 2, "2/0/4 1/0/2"},
        {"GpusPerTaskOneNode", job().tasks(4).gpus_per_task(1), 1, "4/0/4"},
        {"GpusPerTaskAboveGres", job().tasks(2).gpus_per_task(2).gpus_per_node(1), 1, "2/0/4"},
        {"CpusPerGpu", job().gpus(2).cpus_per_gpu(8), 1, "16/0/2"},
        {"CpusPerGpuReplacesCpusPerTask", job().tasks(2).cpus(10).gpus(1).cpus_per_gpu(4), 1, "4/0/1"},
        {"CpusPerGpuAtLeastOnePerTask", job().tasks(6).gpus(1).cpus_per_gpu(2), 1, "6/0/1"},
        {"CpusPerGpuNodeWithoutGpu", job().gpus(1).cpus_per_gpu(8), 2, "8/0/1 1/0/0"},
        {"CpusPerGpuWithGpusPerTask", job().tasks(2).gpus_per_task(1).cpus_per_gpu(3), 1, "6/0/2"},
        {"MemPerGpu", job().gpus(3).mem_per_gpu_mb(1000), 2, "1/2000/2 1/1000/1"},
        {"MemWinsOverMemPerGpu", job().gpus(2).mem_mb(500).mem_per_gpu_mb(1000), 1, "1/500/2"},
        {"MemPerGpuWithoutGpus", job().mem_per_gpu_mb(1000), 1, "1/0/0"},
        {"EveryForm", job().tasks(3).gpus_per_task(1).cpus_per_gpu(2).mem_per_gpu_mb(100), 2, "4/200/2 2/100/1"},
    }),
    case_name<SharesCase>);

// One node n1: 8 CPUs, 8000 MB, 4 t4 (features gpu,t4); n2: 8 CPUs, no GPU (feature cpu).
testkit::FakeCluster two_nodes() {
  testkit::FakeCluster c;
  c.add_node("n1", {.cpus = 8, .mem_mb = 8000, .gpus = {{"t4", 4}}, .features = "gpu,t4"})
      .add_node("n2", {.cpus = 8, .mem_mb = 8000, .features = "cpu"})
      .add_partition("p");
  return c;
}

struct ContractCase {
  std::string name;
  testkit::JobBuilder job;
  std::vector<NodeAlloc> placement;
  std::string want;  // placement_problem, empty: valid
};

class Contract : public testing::TestWithParam<ContractCase> {};

TEST_P(Contract, HoldsEveryRequestForm) {
  const ContractCase& c = GetParam();
  const testkit::FakeCluster cluster = two_nodes();
  EXPECT_EQ(placement_problem(c.job.build(), cluster.view(), c.placement), c.want);
}

testkit::JobBuilder in_p() { return testkit::JobBuilder().partition("p"); }

INSTANTIATE_TEST_SUITE_P(
    Cases, Contract,
    testing::ValuesIn(std::vector<ContractCase>{
        {"GpusPerTask", in_p().tasks(2).gpus_per_task(2), {{"n1", 2, 0, {0, 1, 2, 3}}}, ""},
        {"GpusPerTaskShort",
         in_p().tasks(2).gpus_per_task(2),
         {{"n1", 2, 0, {0, 1, 2}}},
         "3 GPUs given, 4 asked (--gpus-per-task)"},
        {"CpusPerGpu", in_p().gpus(2).cpus_per_gpu(3), {{"n1", 6, 0, {0, 1}}}, ""},
        {"CpusPerGpuShort",
         in_p().gpus(2).cpus_per_gpu(3),
         {{"n1", 5, 0, {0, 1}}},
         "node n1: 5 CPUs given, 6 asked (--cpus-per-gpu)"},
        {"CpusPerGpuNeedsOnlyOneCpuPerTaskInTotal",
         in_p().tasks(2).cpus(4).gpus(1).cpus_per_gpu(2),
         {{"n1", 2, 0, {0}}},
         ""},
        {"MemPerGpu", in_p().gpus(2).mem_per_gpu_mb(1000), {{"n1", 1, 2000, {0, 1}}}, ""},
        {"MemPerGpuShort",
         in_p().gpus(2).mem_per_gpu_mb(1000),
         {{"n1", 1, 1000, {0, 1}}},
         "node n1: 1000 MB given, 2000 asked (--mem-per-gpu)"},
        {"MemWinsOverMemPerGpu", in_p().gpus(2).mem_mb(10).mem_per_gpu_mb(1000), {{"n1", 1, 10, {0, 1}}}, ""},
        {"Constraint", in_p().constraint("gpu&t4"), {{"n1", 1, 0, {}}}, ""},
        {"ConstraintNotMet", in_p().constraint("gpu"), {{"n2", 1, 0, {}}}, "node n2 lacks the features asked (-C gpu)"},
        {"ConstraintInvalid",
         in_p().constraint("gpu&"),
         {{"n1", 1, 0, {}}},
         "invalid constraint \"gpu&\": a feature name is missing at the end"},
    }),
    case_name<ContractCase>);

struct ConstraintCase {
  std::string name;
  std::string expr;
  std::string problem;              // parse_constraint's answer
  std::string matching_features{};  // nodes' features, "|" between nodes
  std::string want{};               // satisfies() for each node: 1 or 0
};

class Constraints : public testing::TestWithParam<ConstraintCase> {};

TEST_P(Constraints, ParseAndMatch) {
  const ConstraintCase& c = GetParam();
  Constraint parsed;
  EXPECT_EQ(parse_constraint(c.expr, parsed), c.problem);
  std::string got;
  std::size_t pos = 0;
  while (!c.matching_features.empty() && pos <= c.matching_features.size()) {
    const std::size_t end = std::min(c.matching_features.find('|', pos), c.matching_features.size());
    Node n;
    n.features = c.matching_features.substr(pos, end - pos);
    got += satisfies(n, c.expr) ? "1" : "0";
    if (c.problem.empty()) {
      EXPECT_EQ(satisfies(n, c.expr), parsed.matches(n)) << n.features;
    }
    pos = end + 1;
  }
  EXPECT_EQ(got, c.want);
}

INSTANTIATE_TEST_SUITE_P(Cases, Constraints,
                         testing::ValuesIn(std::vector<ConstraintCase>{
                             {"Empty", "", "", "a|", "11"},
                             {"Blank", "  ", "", "a", "1"},
                             {"One", "a40", "", "a40|gpu,a40|a10|a400", "1100"},
                             {"Or", "a40|a10", "", "a40|a10|t4|gpu,a10", "1101"},
                             {"And", "gpu&a40", "", "a40|gpu,a40|gpu", "010"},
                             {"AndBindsTighter", "t4|gpu&a40", "", "t4|gpu|gpu,a40|a40", "1010"},
                             {"Parentheses", "(t4|gpu)&a40", "", "t4|gpu,a40|t4,a40|a40", "0110"},
                             {"Blanks", " gpu & ( a40 | a10 ) ", "", "gpu,a10|a10", "10"},
                             {"FeatureBlanksInNode", "a40", "", " gpu , a40 ", "1"},
                             {"MissingName", "gpu&", "a feature name is missing at the end"},
                             {"MissingParen", "(a|b", "missing ')'"},
                             {"StrayParen", "a)", "unexpected ')' at position 2"},
                             {"Comma", "a,b", "unexpected ',' at position 2"},
                             {"MatchingOr", "[a|b]", "matching OR ([a|b]) is not supported"},
                             {"Count", "a*2", "node counts (a*N) are not supported"},
                             {"Not", "!a", "NOT (!) is not supported"},
                             {"InvalidMatchesNothing", "a&", "a feature name is missing at the end", "a", "0"},
                         }),
                         case_name<ConstraintCase>);

TEST(Features, NamesAndLists) {
  EXPECT_TRUE(valid_feature_name("a40"));
  EXPECT_TRUE(valid_feature_name("ib-hdr_200.x"));
  for (const char* bad : {"", "a b", "a|b", "a&b", "(a", "a*", "!a", "a,b", "[a]"})
    EXPECT_FALSE(valid_feature_name(bad)) << bad;
  Node n;
  n.features = "gpu, a40,,";
  EXPECT_TRUE(has_feature(n, "a40"));
  EXPECT_FALSE(has_feature(n, "a4"));
  Constraint c;
  ASSERT_EQ(parse_constraint("(a|b)&a&c", c), "");
  EXPECT_EQ(c.features(), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace sluice
