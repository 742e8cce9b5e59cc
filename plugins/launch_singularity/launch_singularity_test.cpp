// launch/launch_singularity loaded from its built library: how it rewrites the command lines of
// container jobs (--nv for GPU jobs, binds, the GPU binding for the container's environment), what
// it leaves alone, how it runs --container jobs (per mode, batch scripts, flags, env, the runtime
// missing on the node), what it refuses at submission, its option errors with their positions, and
// its example.toml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// "a b c" -> {"a", "b", "c"}; "" -> {}.
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (!text.empty() && pos <= text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// A directory standing in for a node's software: bin/singularity and bin/apptainer (executable
// files, never run), images/ok.sif and images/escape.sif, a symbolic link to /etc/hostname. "@DIR@"
// in a case stands for it. Removed when the tests end.
class NodeFiles {
 public:
  static const std::string& dir() {
    static NodeFiles files;
    return files.dir_;
  }
  NodeFiles(const NodeFiles&) = delete;
  NodeFiles& operator=(const NodeFiles&) = delete;
  ~NodeFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  NodeFiles() {
    char tmpl[] = "/tmp/launch-singularity-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/bin");
    std::filesystem::create_directories(dir_ + "/images");
    for (const char* name : {"singularity", "apptainer"}) {
      const std::string path = dir_ + "/bin/" + name;
      std::ofstream(path) << "#!/bin/sh\nexit 1\n";
      ::chmod(path.c_str(), 0755);
    }
    std::ofstream(dir_ + "/images/ok.sif") << "image";
    std::filesystem::create_symlink("/etc/hostname", dir_ + "/images/escape.sif");
  }
  std::string dir_;
};

std::string with_dir(std::string text) {
  for (std::size_t at; (at = text.find("@DIR@")) != std::string::npos;) text.replace(at, 5, NodeFiles::dir());
  return text;
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

// --container jobs: the step the plugin makes of them.
struct ContainerCase {
  std::string name;
  std::string options;  // lines of [plugins.launch.options]
  std::string image;    // --container
  std::string mode;     // --container-mode ("" as the CLI sends without it)
  std::string argv;     // the step's command (srun) or script and arguments (batch), split at spaces
  int gpus;             // GPUs the job holds on node n1
  bool batch;
  std::string want;                // the command after prepare()
  std::vector<std::string> added;  // environment entries prepare() adds
};

const std::vector<std::string> kGpuEnv = {
    "SINGULARITYENV_CUDA_VISIBLE_DEVICES=0,1", "APPTAINERENV_CUDA_VISIBLE_DEVICES=0,1",
    "SINGULARITYENV_CUDA_DEVICE_ORDER=PCI_BUS_ID", "APPTAINERENV_CUDA_DEVICE_ORDER=PCI_BUS_ID"};

// The job's environment on node n1: the runtimes are on its PATH.
std::vector<std::string> node_env() {
  return {"PATH=" + NodeFiles::dir() + "/bin:/usr/bin:/bin",
          "CUDA_VISIBLE_DEVICES=0,1",
          "CUDA_DEVICE_ORDER=PCI_BUS_ID",
          "HOME=/home/u",
          "PROJECT=p1",
          "LANG=C.UTF-8",
          "SINGULARITYENV_LANG=C"};
}

JobView container_job(const std::string& image, const std::string& mode, bool batch, int gpus,
                      const std::string& argv) {
  JobView job = testkit::JobBuilder().partition("p").build();
  job.spec.batch = batch;
  job.spec.container = with_dir(image);
  job.spec.container_mode = mode;
  if (!batch) job.spec.argv = words(argv);
  NodeAlloc a{"n1", 1, 0, {}};
  for (int g = 0; g < gpus; ++g) a.gpus.push_back(static_cast<std::uint32_t>(g));
  job.alloc = {a};
  return job;
}

Status prepare_container(const ContainerCase& c, LaunchStep& step) {
  const test::Harness h = test::load("launch", SLUICE_PLUGIN_PATH, with_dir(c.options));
  auto* plugin = h.as<LaunchPolicy>();
  if (!plugin) return Status::error(testing::PrintToString(h.errors));
  const JobView job = container_job(c.image, c.mode, c.batch, c.gpus, c.argv);
  Node node;
  node.name = "n1";
  step.argv = words(c.argv);
  step.env = node_env();
  return plugin->prepare(job, node, step);
}

class Container : public testing::TestWithParam<ContainerCase> {};

TEST_P(Container, Wraps) {
  const ContainerCase& c = GetParam();
  LaunchStep step;
  const Status s = prepare_container(c, step);
  ASSERT_TRUE(s.is_ok()) << s.message;
  EXPECT_EQ(join(step.argv), with_dir(c.want));
  const std::vector<std::string> before = node_env();
  ASSERT_GE(step.env.size(), before.size());
  EXPECT_EQ(std::vector<std::string>(step.env.begin(), step.env.begin() + static_cast<std::ptrdiff_t>(before.size())),
            before);
  EXPECT_THAT(std::vector<std::string>(step.env.begin() + static_cast<std::ptrdiff_t>(before.size()), step.env.end()),
              UnorderedElementsAreArray(c.added));
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Container,
    testing::ValuesIn(std::vector<ContainerCase>{
        {"ExecByDefault",
         "",
         "/img/x.sif",
         "",
         "python3 prep.py",
         0,
         false,
         "singularity exec /img/x.sif python3 prep.py",
         {}},
        {"ExecNamed",
         "",
         "/img/x.sif",
         "exec",
         "python3 prep.py",
         0,
         false,
         "singularity exec /img/x.sif python3 prep.py",
         {}},
        {"RunPassesTheArguments",
         "",
         "/img/x.sif",
         "run",
         "--epochs 3",
         0,
         false,
         "singularity run /img/x.sif --epochs 3",
         {}},
        {"RunWithoutCommand", "", "/img/x.sif", "run", "", 0, false, "singularity run /img/x.sif", {}},
        {"ShellRunsNoCommand", "", "/img/x.sif", "shell", "", 0, false, "singularity shell /img/x.sif", {}},
        {"GpusGetNv", "", "/img/x.sif", "", "python3 train.py", 2, false,
         "singularity exec --nv /img/x.sif python3 train.py", kGpuEnv},
        {"GpuShell", "", "/img/x.sif", "shell", "", 1, false, "singularity shell --nv /img/x.sif", kGpuEnv},
        {"NvWarnStillAddsIt", "nv = \"warn\"", "/img/x.sif", "", "cmd", 1, false,
         "singularity exec --nv /img/x.sif cmd", kGpuEnv},
        {"NvOff", "nv = \"off\"", "/img/x.sif", "", "cmd", 1, false, "singularity exec /img/x.sif cmd", kGpuEnv},
        {"NvccliInFlagsInsteadOfNv", "flags = [\"--nvccli\"]", "/img/x.sif", "", "cmd", 1, false,
         "singularity exec --nvccli /img/x.sif cmd", kGpuEnv},
        {"Binds",
         "binds = [\"/scratch\", \"/data\"]",
         "/img/x.sif",
         "",
         "cmd",
         0,
         false,
         "singularity exec --bind /scratch --bind /data /img/x.sif cmd",
         {}},
        {"NvThenBindsThenFlags", "binds = [\"/scratch\"]\nflags = [\"--cleanenv\", \"--home\", \"/tmp\"]", "/img/x.sif",
         "", "cmd", 1, false, "singularity exec --nv --bind /scratch --cleanenv --home /tmp /img/x.sif cmd", kGpuEnv},
        {"BatchScriptDirectoryIsBound", "binds = [\"/scratch\"]\nflags = [\"--cleanenv\"]", "/img/x.sif", "",
         "/var/spool/sluice/job7.sh a1 a2", 1, true,
         "singularity exec --nv --bind /scratch --bind /var/spool/sluice --cleanenv /img/x.sif "
         "/var/spool/sluice/job7.sh a1 a2",
         kGpuEnv},
        {"BatchWithoutGpus",
         "",
         "/img/x.sif",
         "",
         "/var/spool/sluice/job7.sh",
         0,
         true,
         "singularity exec --bind /var/spool/sluice /img/x.sif /var/spool/sluice/job7.sh",
         {}},
        {"BatchSpoolBoundOnce",
         "binds = [\"/var/spool/sluice\"]",
         "/img/x.sif",
         "run",
         "/var/spool/sluice/job7.sh",
         0,
         true,
         "singularity run --bind /var/spool/sluice /img/x.sif /var/spool/sluice/job7.sh",
         {}},
        {"EnvPassedThrough",
         "env = [\"PROJECT\", \"HOME\", \"NOT_SET\"]",
         "/img/x.sif",
         "",
         "cmd",
         0,
         false,
         "singularity exec /img/x.sif cmd",
         {"SINGULARITYENV_PROJECT=p1", "APPTAINERENV_PROJECT=p1", "SINGULARITYENV_HOME=/home/u",
          "APPTAINERENV_HOME=/home/u"}},
        {"EnvTheJobSetItselfWins",
         "env = [\"LANG\"]",
         "/img/x.sif",
         "",
         "cmd",
         0,
         false,
         "singularity exec /img/x.sif cmd",
         {"APPTAINERENV_LANG=C.UTF-8"}},
        {"EnvWithGpus", "env = [\"PROJECT\"]", "/img/x.sif", "", "cmd", 1, false,
         "singularity exec --nv /img/x.sif cmd",
         kGpuEnv + std::vector<std::string>{"SINGULARITYENV_PROJECT=p1", "APPTAINERENV_PROJECT=p1"}},
        {"OtherRuntimeByName",
         "runtime = \"apptainer\"",
         "/img/x.sif",
         "",
         "cmd",
         0,
         false,
         "apptainer exec /img/x.sif cmd",
         {}},
        {"RuntimeByAbsolutePath",
         "runtime = \"@DIR@/bin/apptainer\"",
         "/img/x.sif",
         "",
         "cmd",
         0,
         false,
         "@DIR@/bin/apptainer exec /img/x.sif cmd",
         {}},
        {"ImageInAnAllowedDirectory",
         "image_dirs = [\"/data\", \"@DIR@/images/\"]",
         "@DIR@/images/ok.sif",
         "",
         "cmd",
         0,
         false,
         "singularity exec @DIR@/images/ok.sif cmd",
         {}},
        {"ImageMissingHereIsTheRuntimesToReport",
         "image_dirs = [\"/img\"]",
         "/img/none.sif",
         "",
         "cmd",
         0,
         false,
         "singularity exec /img/none.sif cmd",
         {}},
        {"RuntimeCommandsInsideAreNotRewritten", "", "/img/x.sif", "", "singularity exec y.sif cmd", 1, false,
         "singularity exec --nv /img/x.sif singularity exec y.sif cmd", kGpuEnv},
    }),
    case_name<ContainerCase>);

// Launches the plugin refuses: the job fails with the message (the node stays up).
struct RefusedCase {
  std::string name;
  std::string options;
  std::string image;
  std::string mode;
  std::string argv;
  bool batch;
  std::string message;
};

class ContainerRefused : public testing::TestWithParam<RefusedCase> {};

TEST_P(ContainerRefused, AtLaunch) {
  const RefusedCase& c = GetParam();
  LaunchStep step;
  const Status s = prepare_container({c.name, c.options, c.image, c.mode, c.argv, 0, c.batch, "", {}}, step);
  EXPECT_EQ(s.code, Code::Reject) << s.message;
  EXPECT_EQ(s.message, with_dir(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ContainerRefused,
    testing::ValuesIn(std::vector<RefusedCase>{
        {"RuntimeNotInThePath", "runtime = \"nosuch-runtime\"", "/img/x.sif", "", "cmd", false,
         "the container runtime \"nosuch-runtime\" is not installed on node n1 (not found in the job's PATH)"},
        {"RuntimeAbsentAtItsPath", "runtime = \"/opt/none/singularity\"", "/img/x.sif", "", "cmd", false,
         "the container runtime /opt/none/singularity is not an executable file on node n1"},
        {"RuntimeNotExecutable", "runtime = \"@DIR@/images/ok.sif\"", "/img/x.sif", "", "cmd", false,
         "the container runtime @DIR@/images/ok.sif is not an executable file on node n1"},
        {"ImageOutsideTheDirectories", "image_dirs = [\"/ok\"]", "/ok/../etc/x.sif", "", "cmd", false,
         "container image /ok/../etc/x.sif is not in an allowed image directory (allowed: /ok)"},
        {"LinkOutOfAnAllowedDirectory", "image_dirs = [\"@DIR@/images\"]", "@DIR@/images/escape.sif", "", "cmd", false,
         "container image @DIR@/images/escape.sif resolves to /etc/hostname, which is not in an allowed image "
         "directory"},
        {"UnknownMode", "", "/img/x.sif", "debug", "cmd", false,
         "invalid --container-mode \"debug\" (exec, run or shell)"},
    }),
    case_name<RefusedCase>);

// check_submit, in the controller: what a submission with --container is refused for.
struct SubmitCase {
  std::string name;
  std::string options;
  std::string image;
  std::string mode;
  std::string argv;  // srun's command; a batch job's script arguments
  bool batch;
  std::string refused;  // the message; "" when accepted
};

class CheckSubmit : public testing::TestWithParam<SubmitCase> {};

TEST_P(CheckSubmit, Refuses) {
  const SubmitCase& c = GetParam();
  const test::Harness h = test::load("launch", SLUICE_PLUGIN_PATH, c.options);
  auto* plugin = h.as<LaunchPolicy>();
  ASSERT_TRUE(plugin) << testing::PrintToString(h.errors);
  const Status s = plugin->check_submit(container_job(c.image, c.mode, c.batch, 0, c.argv));
  if (c.refused.empty()) {
    EXPECT_TRUE(s.is_ok()) << s.message;
  } else {
    EXPECT_EQ(s.code, Code::Reject);
    EXPECT_EQ(s.message, c.refused);
  }
}

const std::string kDirs = "image_dirs = [\"/ok\", \"/shared/images/\"]";
const std::string kOutside = " is not in an allowed image directory (allowed: /ok, /shared/images)";

INSTANTIATE_TEST_SUITE_P(
    Cases, CheckSubmit,
    testing::ValuesIn(std::vector<SubmitCase>{
        {"NoContainer", kDirs, "", "", "cmd", false, ""},
        {"NoContainerModeAlone", kDirs, "", "debug", "cmd", false, ""},
        {"AnyImageWithoutImageDirs", "", "/anywhere/x.sif", "", "cmd", false, ""},
        {"InAnAllowedDirectory", kDirs, "/shared/images/team/x.sif", "", "cmd", false, ""},
        {"BatchInAnAllowedDirectory", kDirs, "/ok/x.sif", "run", "", true, ""},
        {"OutsideTheDirectories", kDirs, "/etc/x.sif", "", "cmd", false, "container image /etc/x.sif" + kOutside},
        {"DotDotLeavesTheDirectory", kDirs, "/ok/../etc/x.sif", "", "cmd", false,
         "container image /ok/../etc/x.sif" + kOutside},
        {"DotDotWithinTheDirectory", kDirs, "/ok/a/../x.sif", "", "cmd", false, ""},
        {"APrefixIsNotTheDirectory", kDirs, "/okay/x.sif", "", "cmd", false, "container image /okay/x.sif" + kOutside},
        {"TheDirectoryItself", kDirs, "/ok/", "", "cmd", false, "container image /ok/" + kOutside},
        {"RootAllowsAll", "image_dirs = [\"/\"]", "/etc/x.sif", "", "cmd", false, ""},
        {"RelativeImage", "", "x.sif", "", "cmd", false, "--container image must be an absolute path (got \"x.sif\")"},
        {"UnknownMode", "", "/ok/x.sif", "debug", "cmd", false,
         "invalid --container-mode \"debug\" (exec, run or shell)"},
        {"ShellWithoutCommand", "", "/ok/x.sif", "shell", "", false, ""},
        {"RunWithoutCommand", "", "/ok/x.sif", "run", "", false, ""},
        {"ShellWithACommand", "", "/ok/x.sif", "shell", "ls -l", false,
         "--container-mode=shell starts the image's shell and runs no command (got \"ls\"): use "
         "--container-mode=exec to run one"},
        {"ShellForABatchJob", "", "/ok/x.sif", "shell", "", true,
         "--container-mode=shell starts an interactive shell and runs no script: use srun for it, or exec or run for "
         "a batch job"},
    }),
    case_name<SubmitCase>);

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
        {"EveryOption",
         "runtimes = [\"apptainer\"]\nnv = \"warn\"\nbinds = [\"/scratch\"]\nruntime = "
         "\"/opt/apptainer/bin/apptainer\"\n"
         "image_dirs = [\"/images\"]\nenv = [\"PROJECT\", \"_X1\"]\nflags = [\"--cleanenv\"]",
         {}},
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
        {"RuntimeEmpty", "runtime = \"\"", {kAt + ":11: " + kKey + "runtime: must not be empty"}},
        {"RuntimeRelativePath",
         "runtime = \"bin/singularity\"",
         {kAt + ":11: " + kKey +
          "runtime: must be a program name (looked up in the job's PATH) or an absolute path (got "
          "\"bin/singularity\")"}},
        {"RuntimeNotAString",
         "runtime = [\"singularity\"]",
         {kAt + ":11: " + kKey + "runtime: expected string, got array"}},
        {"ImageDirRelative",
         "image_dirs = [\"/ok\", \"images\"]",
         {kAt + ":22: " + kKey + "image_dirs[1]: must be an absolute path (got \"images\")"}},
        {"ImageDirsNotAnArray",
         "image_dirs = \"/ok\"",
         {kAt + ":14: " + kKey + "image_dirs: expected array of strings, got string"}},
        {"EnvNotNames",
         "env = [\"OK\", \"1BAD\", \"A-B\"]",
         {kAt + ":14: " + kKey + "env[1]: not a variable name: \"1BAD\"",
          kAt + ":22: " + kKey + "env[2]: not a variable name: \"A-B\""}},
        {"FlagEmpty", "flags = [\"--cleanenv\", \"\"]", {kAt + ":24: " + kKey + "flags[1]: must not be empty"}},
        {"FlagNotAString", "flags = [true]", {kAt + ":10: " + kKey + "flags[0]: expected string, got boolean"}},
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
  EXPECT_THAT(keys, UnorderedElementsAreArray({"runtimes", "nv", "binds", "runtime", "image_dirs", "env",
                                               "flags"}));  // every option the plugin knows
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
