// The example plugin built out of tree against the installed SDK ($SLUICE_EXAMPLE_PLUGIN, set by
// out_of_tree.cmake), loaded through the daemons' loader with the example's own config.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sluice/partition.hpp>
#include <sluice/testkit.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/plugin/loader.hpp"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  if (at == std::string::npos) throw std::invalid_argument("no \"" + from + "\" in the text");
  return text.replace(at, from.size(), to);
}

// example.toml with the plugin's library given as the built file's absolute path.
std::string ExampleToml() {
  const char* plugin = std::getenv("SLUICE_EXAMPLE_PLUGIN");
  if (!plugin) throw std::runtime_error("SLUICE_EXAMPLE_PLUGIN is not set (run by tests/sdk/out_of_tree.cmake)");
  std::ostringstream text;
  text << std::ifstream(EXAMPLE_TOML).rdbuf();
  return Replace(text.str(), "library = \"max_gpus_partition\"", "library = \"" + std::string(plugin) + "\"");
}

TEST(OutOfTreePluginTest, HostLoadsItAndItAdmits) {
  std::vector<std::string> errors;
  auto cfg = parse_config(ExampleToml(), "example.toml", errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  auto loaded = load_plugin(*cfg, cfg->plugins.at("partition"), errors);
  ASSERT_TRUE(loaded) << ::testing::PrintToString(errors);
  auto* policy = dynamic_cast<PartitionPolicy*>(loaded->object.get());
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->name(), "partition/max_gpus");

  const ClusterView cluster{cfg->nodes, cfg->partitions};
  JobView fits = testkit::JobBuilder().gpus(4, "a100").build();
  EXPECT_TRUE(testkit::admit(*policy, fits, cluster).is_ok());
  EXPECT_EQ(fits.spec.partition, "gpu");
  EXPECT_EQ(fits.spec.time_limit, 3600);
  JobView too_big = testkit::JobBuilder().nodes(2).gpus_per_node(4).build();
  const Status status = testkit::admit(*policy, too_big, cluster);
  EXPECT_EQ(status.code, Code::Reject);
  EXPECT_EQ(status.message, "Requested 8 GPUs, more than the 4 one job may use on this cluster");
}

TEST(OutOfTreePluginTest, OptionErrorsPointIntoTheConfigFile) {
  std::vector<std::string> errors;
  auto cfg = parse_config(Replace(ExampleToml(), "max_gpus = 4", "max_gpus = -4"), "example.toml", errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  EXPECT_FALSE(load_plugin(*cfg, cfg->plugins.at("partition"), errors));
  EXPECT_THAT(
      errors,
      ElementsAre(MatchesRegex(R"(example\.toml:[0-9]+:12: plugins\.partition\.options\.max_gpus: must be >= 0)")));
}

}  // namespace
}  // namespace sluice
