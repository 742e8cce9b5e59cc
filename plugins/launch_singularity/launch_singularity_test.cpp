// launch/launch_singularity loaded from its built library: how it rewrites the command lines of
// container jobs (--nv for GPU jobs, binds, the GPU binding for the container's environment), what
// it leaves alone, its option errors with their positions, and its example.toml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sluice/launch.hpp>
#include <sluice/testkit.hpp>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/plugin/loader.hpp"
#include "tests/fixtures/plugin_harness.hpp"
#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

struct StepCase {
  std::string name;
  std::string options;  // lines of [plugins.launch.options]
  std::string argv;     // the step's command, split at spaces
  int gpus;             // GPUs the job holds on node n1
  bool batch;
  std::string want;    // the command after prepare()
  bool container_env;  // SINGULARITYENV_/APPTAINERENV_ CUDA variables are added
};

class Prepare : public testing::TestWithParam<StepCase> {};

TEST_P(Prepare, Rewrites) {
  const StepCase& c = GetParam();
  const test::Harness h = test::load("launch", SLUICE_PLUGIN_PATH, c.options);
  auto* plugin = h.as<LaunchPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  JobView job = testkit::JobBuilder().partition("p").build();
  job.spec.batch = c.batch;
  NodeAlloc a{"n1", 1, 0, {}};
  for (int g = 0; g < c.gpus; ++g) a.gpus.push_back(static_cast<std::uint32_t>(g));
  job.alloc = {a};
  Node node;
  node.name = "n1";
  LaunchStep step;
  std::size_t pos = 0;
  while (pos <= c.argv.size()) {
    const std::size_t end = std::min(c.argv.find(' ', pos), c.argv.size());
    step.argv.push_back(c.argv.substr(pos, end - pos));
    pos = end + 1;
  }
  step.env = {"PATH=/usr/bin:/bin", "CUDA_VISIBLE_DEVICES=0,1", "CUDA_DEVICE_ORDER=PCI_BUS_ID"};
  const Status s = plugin->prepare(job, node, step);
  ASSERT_TRUE(s.is_ok()) << s.message;
  EXPECT_EQ(join(step.argv), c.want);
  const std::vector<std::string> extra = {
      "SINGULARITYENV_CUDA_VISIBLE_DEVICES=0,1", "APPTAINERENV_CUDA_VISIBLE_DEVICES=0,1",
      "SINGULARITYENV_CUDA_DEVICE_ORDER=PCI_BUS_ID", "APPTAINERENV_CUDA_DEVICE_ORDER=PCI_BUS_ID"};
  if (c.container_env) {
    EXPECT_THAT(std::vector<std::string>(step.env.begin() + 3, step.env.end()), UnorderedElementsAreArray(extra));
  } else {
    EXPECT_EQ(step.env.size(), 3u);
  }
}

const std::string kWarn =
    "/bin/sh -c printf '%s\\n' \"$0\" >&2; exec \"$@\" singularity exec: warning: this job holds GPUs but the command "
    "lacks --nv; the container will not see them (add --nv)";

INSTANTIATE_TEST_SUITE_P(
    Cases, Prepare,
    testing::ValuesIn(std::vector<StepCase>{
        {"GpuExecGetsNv", "", "singularity exec x.sif nvidia-smi", 1, false, "singularity exec --nv x.sif nvidia-smi",
         true},
        {"GpuShellGetsNv", "", "singularity shell x.sif", 2, false, "singularity shell --nv x.sif", true},
        {"GpuRunGetsNv", "", "singularity run x.sif", 1, false, "singularity run --nv x.sif", true},
        {"ApptainerToo", "", "apptainer exec x.sif cmd", 1, false, "apptainer exec --nv x.sif cmd", true},
        {"FullPathRuntime", "", "/usr/bin/singularity exec x.sif cmd", 1, false,
         "/usr/bin/singularity exec --nv x.sif cmd", true},
        {"GlobalOptionsBeforeTheSubcommand", "", "singularity -q exec x.sif cmd", 1, false,
         "singularity -q exec --nv x.sif cmd", true},
        {"NvAlreadyThere", "", "singularity exec --nv x.sif cmd", 1, false, "singularity exec --nv x.sif cmd", true},
        {"NvccliCounts", "", "singularity exec --nvccli x.sif cmd", 1, false, "singularity exec --nvccli x.sif cmd",
         true},
        {"NvAfterTheImageIsTheCommandsNot", "", "singularity exec x.sif cmd --nv", 1, false,
         "singularity exec --nv x.sif cmd --nv", true},
        {"NoGpusLeftAlone", "", "singularity exec x.sif cmd", 0, false, "singularity exec x.sif cmd", false},
        {"OtherProgramsLeftAlone", "", "python3 train.py", 1, false, "python3 train.py", false},
        {"NonContainerSubcommandLeftAlone", "", "singularity build x.sif docker://alpine", 1, false,
         "singularity build x.sif docker://alpine", false},
        {"BatchScriptsLeftAlone", "", "/spool/job1.sh", 1, true, "/spool/job1.sh", false},
        {"NvOff", "nv = \"off\"", "singularity exec x.sif cmd", 1, false, "singularity exec x.sif cmd", true},
        {"NvWarn", "nv = \"warn\"", "singularity exec x.sif cmd", 1, false, kWarn + " singularity exec x.sif cmd",
         true},
        {"BindsForEveryContainer", "binds = [\"/scratch\", \"/data\"]", "singularity exec x.sif cmd", 0, false,
         "singularity exec --bind /scratch --bind /data x.sif cmd", false},
        {"BindsAfterNv", "binds = [\"/scratch\"]", "singularity exec x.sif cmd", 1, false,
         "singularity exec --nv --bind /scratch x.sif cmd", true},
        {"OtherRuntimeNames", "runtimes = [\"ctr\"]", "singularity exec x.sif cmd", 1, false,
         "singularity exec x.sif cmd", false},
        {"OtherRuntimeNamesMatch", "runtimes = [\"ctr\"]", "ctr exec x.sif cmd", 1, false, "ctr exec --nv x.sif cmd",
         true},
    }),
    case_name<StepCase>);

struct OptionCase {
  std::string name;
  std::string options;
  std::vector<std::string> errors;
};

class Options : public testing::TestWithParam<OptionCase> {};

TEST_P(Options, AreValidated) {
  const auto h = test::load("launch", SLUICE_PLUGIN_PATH, GetParam().options);
  EXPECT_EQ(h.plugin != nullptr, GetParam().errors.empty());
  EXPECT_THAT(h.errors, UnorderedElementsAreArray(GetParam().errors));
}

const std::string kAt = "t.toml:" + std::to_string(test::kOptionsLine);
const std::string kKey = "plugins.launch.options.";

INSTANTIATE_TEST_SUITE_P(
    Cases, Options,
    testing::ValuesIn(std::vector<OptionCase>{
        {"None", "", {}},
        {"EveryOption", "runtimes = [\"apptainer\"]\nnv = \"warn\"\nbinds = [\"/scratch\"]", {}},
        {"UnknownKey", "gpu = true", {kAt + ":7: " + kKey + "gpu: unknown key"}},
        {"UnknownNv",
         "nv = \"always\"",
         {kAt + ":6: " + kKey + "nv: must be \"add\", \"warn\" or \"off\" (got \"always\")"}},
        {"NvNotAString", "nv = true", {kAt + ":6: " + kKey + "nv: expected string, got boolean"}},
        {"RuntimesNotAnArray",
         "runtimes = \"singularity\"",
         {kAt + ":12: " + kKey + "runtimes: expected array of strings, got string"}},
        {"RuntimesEmpty", "runtimes = []", {kAt + ":12: " + kKey + "runtimes: must name at least one program"}},
        {"BindNotAString", "binds = [\"/tmp\", 3]", {kAt + ":18: " + kKey + "binds[1]: expected string, got integer"}},
        {"BindEmpty", "binds = [\"\"]", {kAt + ":10: " + kKey + "binds[0]: must not be empty"}},
    }),
    case_name<OptionCase>);

TEST(Example, LoadsThroughTheConfigLoader) {
  std::vector<std::string> errors;
  const auto cfg = load_config(SLUICE_EXAMPLE_TOML, errors);
  ASSERT_TRUE(cfg) << testing::PrintToString(errors);
  PluginConfig pc = cfg->plugins.at("launch");
  EXPECT_TRUE(std::string(SLUICE_PLUGIN_PATH).ends_with("/lib" + pc.library + ".so")) << pc.library;
  std::vector<std::string> keys;
  for (const auto& [key, value] : *pc.options) keys.emplace_back(key.str());
  EXPECT_THAT(keys, UnorderedElementsAreArray({"runtimes", "nv", "binds"}));  // every option the plugin knows
  pc.library = SLUICE_PLUGIN_PATH;
  const auto loaded = load_plugin(*cfg, pc, errors);
  ASSERT_TRUE(loaded) << testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  auto* plugin = dynamic_cast<LaunchPolicy*>(loaded->object.get());
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->name(), "launch/launch_singularity");
}

}  // namespace
}  // namespace sluice
