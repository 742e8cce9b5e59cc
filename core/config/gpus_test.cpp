// The GPU keys: [[nodes]] gpu_detect, [agent] nvml_library / gpu_sample_interval / gpu_types, and
// [gpu_idle]; bad values are reported as "file:line:col: path: why".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/test_pieces.hpp"

namespace sluice {
namespace {

using config_test::kMinimal;
using config_test::kPartition;

TEST(GpuConfigTest, DefaultsAreOffAndTheDriversLibrary) {
  std::vector<std::string> errors;
  auto cfg = parse_config(kMinimal, "t.toml", errors);
  ASSERT_TRUE(cfg) << errors.front();
  EXPECT_FALSE(cfg->detects_gpus("n1"));
  EXPECT_EQ(cfg->agent.nvml_library, "libnvidia-ml.so.1");
  EXPECT_EQ(cfg->agent.gpu_sample_interval, 30);
  EXPECT_TRUE(cfg->agent.gpu_types.empty());
  EXPECT_EQ(cfg->gpu_idle.action, "off");
  EXPECT_EQ(cfg->gpu_idle.threshold, 5u);
  EXPECT_EQ(cfg->gpu_idle.after, 1800);
}

TEST(GpuConfigTest, ReadsDetectionTypesAndIdlePolicy) {
  const std::string text =
      "[agent]\nnvml_library = \"/opt/nvml.so\"\ngpu_sample_interval = 2\n"
      "[agent.gpu_types]\n\"NVIDIA A40\" = \"a40\"\n\"Tesla T4\" = \"t4\"\n"
      "[gpu_idle]\naction = \"cancel\"\nthreshold = 10\nafter = 60\n"
      "[[nodes]]\nnames = \"g[1-2]\"\ncpus = 1\nmemory = 1\ngpu_detect = \"NVML\"\n"
      "[[nodes]]\nnames = \"c1\"\ncpus = 1\nmemory = 1\ngpu_detect = \"off\"\n" +
      kPartition;
  std::vector<std::string> errors;
  auto cfg = parse_config(text, "t.toml", errors);
  ASSERT_TRUE(cfg) << errors.front();
  EXPECT_TRUE(cfg->detects_gpus("g1"));
  EXPECT_TRUE(cfg->detects_gpus("g2"));
  EXPECT_FALSE(cfg->detects_gpus("c1"));
  EXPECT_EQ(cfg->agent.nvml_library, "/opt/nvml.so");
  EXPECT_EQ(cfg->agent.gpu_sample_interval, 2);
  EXPECT_EQ(cfg->agent.gpu_types.at("NVIDIA A40"), "a40");
  EXPECT_EQ(cfg->agent.gpu_types.at("Tesla T4"), "t4");
  EXPECT_EQ(cfg->gpu_idle.action, "cancel");
  EXPECT_EQ(cfg->gpu_idle.threshold, 10u);
  EXPECT_EQ(cfg->gpu_idle.after, 60);
}

TEST(GpuConfigTest, BadValuesArePositionedErrors) {
  const std::string text =
      "[agent]\nnvml_library = \"\"\ngpu_sample_interval = 0\n"
      "[agent.gpu_types]\n\"NVIDIA A40\" = 40\n\"Tesla T4\" = \"t 4\"\n"
      "[gpu_idle]\naction = \"kill\"\nthreshold = 101\nafter = 0\nwhen = 1\n"
      "[[nodes]]\nnames = \"n1\"\ncpus = 1\nmemory = 1\ngpu_detect = \"auto\"\n"
      "[[nodes]]\nnames = \"n2\"\ncpus = 1\nmemory = 1\ngpu_detect = true\n" +
      kPartition;
  std::vector<std::string> errors;
  EXPECT_FALSE(parse_config(text, "t.toml", errors));
  const std::vector<std::string> want = {
      "t.toml:2:16: agent.nvml_library: must not be empty",
      "t.toml:3:23: agent.gpu_sample_interval: must be >= 1",
      "t.toml:5:16: agent.gpu_types.NVIDIA A40: expected string, got integer",
      "t.toml:6:14: agent.gpu_types.Tesla T4: invalid GPU type \"t 4\" (empty, or has spaces, ':', ',' or '=')",
      "t.toml:8:10: gpu_idle.action: expected one of off|warn|cancel, got \"kill\"",
      "t.toml:9:13: gpu_idle.threshold: must be <= 100 (% utilisation)",
      "t.toml:10:9: gpu_idle.after: must be >= 1",
      "t.toml:11:1: gpu_idle.when: unknown key",
      "t.toml:16:14: nodes[0].gpu_detect: expected one of nvml|off, got \"auto\"",
      "t.toml:21:14: nodes[1].gpu_detect: expected string, got boolean",
  };
  EXPECT_EQ(errors, want);
}

}  // namespace
}  // namespace sluice
