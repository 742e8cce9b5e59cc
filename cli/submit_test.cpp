#include "cli/submit.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

struct Parsed {
  bool ok = false;
  std::string err;  // what it printed on stderr
  SubmitOptions o;
};

Parsed parse(std::vector<std::string> args, SubmitOptions o = {}, const char* prog = "sbatch") {
  args.insert(args.begin(), prog);
  Parsed p;
  testing::internal::CaptureStderr();
  p.ok = parse_submit_options(prog, args, o);
  p.err = testing::internal::GetCapturedStderr();
  p.o = std::move(o);
  return p;
}

struct BadCase {
  const char* name;
  std::vector<std::string> args;
  const char* err;
  int exit_status = 1;  // o.error_exit: 255 where Slurm's parser exits with -1
};

class BadOption : public testing::TestWithParam<BadCase> {};

TEST_P(BadOption, IsRefusedWithSlurmsMessage) {
  const Parsed p = parse(GetParam().args);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err, GetParam().err);
  EXPECT_EQ(p.o.error_exit, GetParam().exit_status);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadOption,
    testing::ValuesIn(std::vector<BadCase>{
        {"NtasksZero", {"-n", "0"}, "sbatch: error: Invalid numeric value \"0\" for --ntasks.\n"},
        {"NtasksNegative", {"-n", "-1"}, "sbatch: error: Invalid numeric value \"-1\" for --ntasks.\n"},
        {"NtasksWord", {"-n", "abc"}, "sbatch: error: Invalid numeric value \"abc\" for --ntasks.\n"},
        {"NtasksEmpty", {"--ntasks="}, "sbatch: error: Invalid numeric value \"\" for --ntasks.\n"},
        {"NtasksPastInt", {"-n", "2147483648"}, "sbatch: error: Numeric argument (2147483648) to big for --ntasks.\n"},
        {"NtasksPastUint32",
         {"-n", "4294967297"},
         "sbatch: error: Numeric argument (4294967297) to big for --ntasks.\n"},
        {"NtasksPastLong",
         {"-n", "99999999999999999999"},
         "sbatch: error: Numeric argument (9223372036854775807) to big for --ntasks.\n"},
        {"CpusPastInt",
         {"-c", "4294967296"},
         "sbatch: error: Numeric argument (4294967296) to big for --cpus-per-task.\n"},
        {"NodesNegative", {"-N", "-5"}, "sbatch: error: invalid number of nodes (-N): -5\n"},
        {"NodesPastInt", {"-N", "4294967297"}, "sbatch: error: invalid number of nodes (-N): 4294967297\n"},
        {"GpusPastInt", {"-G", "4294967297"}, "sbatch: error: Invalid generic resource (gres) specification\n"},
        {"GpusEmptyType", {"-G", ":1"}, "sbatch: error: Invalid generic resource (gres) specification\n"},
        {"GpusBadType", {"-G", "t\xff:1"}, "sbatch: error: Invalid generic resource (gres) specification\n"},
        {"GpusThreeParts", {"-G", "a:b:1"}, "sbatch: error: Invalid generic resource (gres) specification\n"},
        {"GpusPerNodePastInt",
         {"--gpus-per-node", "t4:99999999999"},
         "sbatch: error: Invalid generic resource (gres) specification\n"},
        {"GpusPerTaskBad",
         {"--gpus-per-task", "x:y"},
         "sbatch: error: Invalid generic resource (gres) specification\n"},
        {"TwoGpuTypes",
         {"-G", "t4:1", "--gres=gpu:a10:1"},
         "sbatch: error: Invalid generic resource (gres) specification: one GPU type per job (t4 and a10)\n"},
        {"CpusPerGpuZero", {"--cpus-per-gpu=0"}, "sbatch: error: Invalid numeric value \"0\" for --cpus-per-gpu.\n"},
        {"MemPerGpuBad", {"--mem-per-gpu=lots"}, "sbatch: error: invalid memory constraint lots\n"},
        {"MemAndMemPerGpu",
         {"--mem=1G", "--mem-per-gpu=2G"},
         "sbatch: error: --mem, --mem-per-cpu, and --mem-per-gpu are mutually exclusive.\n"},
        {"MemPerCpuAndMemPerGpu",
         {"--mem-per-cpu=1G", "--mem-per-gpu=2G"},
         "sbatch: error: --mem, --mem-per-cpu, and --mem-per-gpu are mutually exclusive.\n"},
        {"ConstraintEmpty", {"--constraint="}, "sbatch: error: Invalid feature specification: \n"},
        {"SignalUnknown", {"--signal=FOO"}, "sbatch: error: Invalid --signal specification\n", 255},
        {"SignalAtWithoutSeconds", {"--signal=USR1@"}, "sbatch: error: Invalid --signal specification\n", 255},
        {"SignalSecondsPast16Bits", {"--signal=USR1@65536"}, "sbatch: error: Invalid --signal specification\n", 255},
        {"SignalJunk", {"--signal", "B:USR1@3x"}, "sbatch: error: Invalid --signal specification\n", 255},
        {"SignalEmpty", {"--signal="}, "sbatch: error: Invalid --signal specification\n", 255},
        // A malformed time: Slurm's message, exit 255 (slurm_opt.c's exit(-1)).
        {"TimeGarbage", {"--time=abc"}, "sbatch: error: Invalid --time specification\n", 255},
        {"TimeNegative", {"-t", "-5"}, "sbatch: error: Invalid --time specification\n", 255},
        {"TimeEmpty", {"--time="}, "sbatch: error: Invalid --time specification\n", 255},
        {"TimeTooManyFields", {"-t", "1:2:3:4"}, "sbatch: error: Invalid --time specification\n", 255},
        {"TimeFraction", {"-t", "1.5"}, "sbatch: error: Invalid --time specification\n", 255},
        {"TimeDaysOnly", {"-t", "5-"}, "sbatch: error: Invalid --time specification\n", 255},
        {"TimeMinBad", {"--time-min=abc"}, "sbatch: error: Invalid --time-min specification\n", 255},
        {"TimeMinNegative", {"--time-min=-5"}, "sbatch: error: Invalid --time-min specification\n", 255},
        {"ContainerEmpty", {"--container="}, "sbatch: error: Invalid --container specification: no image given\n"},
        {"ContainerModeUnknown",
         {"--container=x.sif", "--container-mode=debug"},
         "sbatch: error: Invalid --container-mode argument: debug (exec, run or shell)\n"},
        {"ContainerModeEmpty",
         {"--container-mode="},
         "sbatch: error: Invalid --container-mode argument:  (exec, run or shell)\n"},
    }),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SubmitOptions, NumbersWithinRange) {
  const Parsed p = parse({"-n", "2147483647", "-c", "8", "-N", "3-4", "-G", "t4:2", "--gpus-per-node", "1"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.ntasks, 2147483647u);
  EXPECT_EQ(p.o.spec.cpus_per_task, 8u);
  EXPECT_EQ(p.o.spec.nodes, 3u);
  EXPECT_EQ(p.o.spec.gpus, 2u);
  EXPECT_EQ(p.o.spec.gpus_per_node, 1u);
  EXPECT_EQ(p.o.spec.gpu_type, "t4");
}

// Every GPU request form of sbatch/srun, as the sbatch man page reads them.
TEST(SubmitOptions, GpuRequestForms) {
  const Parsed p = parse(
      {"--gpus-per-task=a40:2", "--cpus-per-gpu", "6", "--mem-per-gpu=16G", "-C", "gpu&a40", "--gpus-per-node=2"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.gpus_per_task, 2u);
  EXPECT_EQ(p.o.spec.gpus_per_node, 2u);
  EXPECT_EQ(p.o.spec.gpu_type, "a40");  // an untyped form takes the typed one's type
  EXPECT_EQ(p.o.spec.cpus_per_gpu, 6u);
  EXPECT_EQ(p.o.spec.mem_per_gpu_mb, 16384u);
  EXPECT_EQ(p.o.spec.mem_mb, 0u);
  EXPECT_EQ(p.o.spec.constraint, "gpu&a40");
}

TEST(SubmitOptions, MemoryFormOfALaterSourceReplacesAnEarlierOne) {
  Parsed p = parse({"--mem-per-gpu=8G"});  // the script
  ASSERT_TRUE(p.ok);
  p = parse({"--mem=2G"}, p.o);  // the command line
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.mem_mb, 2048u);
  EXPECT_EQ(p.o.spec.mem_per_gpu_mb, 0u);
}

TEST(SubmitOptions, GpuTypeOfALaterSourceReplacesTheSameForm) {
  Parsed p = parse({"--gres=gpu:a40:1"});
  ASSERT_TRUE(p.ok);
  p = parse({"--gres=gpu:t4:2"}, p.o);
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.gpus_per_node, 2u);
  EXPECT_EQ(p.o.spec.gpu_type, "t4");
}

TEST(SubmitOptions, LaterPassesOverrideEarlierOnes) {
  Parsed p = parse({"-p", "first", "-J", "name", "-t", "10"});
  ASSERT_TRUE(p.ok);
  p = parse({"-p", "second", "script.sh", "arg"}, p.o);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.o.spec.partition, "second");
  EXPECT_EQ(p.o.spec.name, "name");
  EXPECT_EQ(p.o.spec.time_limit, 600);
  EXPECT_EQ(p.o.positional, (std::vector<std::string>{"script.sh", "arg"}));
}

// --signal and --time-min as sbatch(1) reads them; a later source replaces an earlier one.
TEST(SubmitOptions, SignalAndTimeMin) {
  Parsed p = parse({"--signal=B:USR1@3", "--time-min=1:30", "-t", "2"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.signal, (SignalSpec{10, 3, true}));
  EXPECT_EQ(p.o.spec.time_min, 90);
  EXPECT_EQ(p.o.spec.time_limit, 120);
  p = parse({"--signal", "sigusr2"}, p.o);
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.signal, (SignalSpec{12, 60, false}));
  p = parse({"--time-min=0", "--time=0:00"}, p.o);  // Slurm reads 0 as UNLIMITED
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.time_min, kUnlimited);
  EXPECT_EQ(p.o.spec.time_limit, kUnlimited);
  EXPECT_EQ(parse({}).o.spec.time_min, kNoValue);
  EXPECT_EQ(parse({}).o.spec.signal, SignalSpec{});
}

// -t as Slurm reads it. Seconds are kept here; the controller rounds them up to whole minutes
// (controller.time_resolution; core/slurm/timefmt_test.cpp RoundUpLimit has "10:30" -> 00:11:00).
struct TimeCase {
  const char* name;
  const char* in;
  Time want;
};

class TimeOption : public testing::TestWithParam<TimeCase> {};

TEST_P(TimeOption, Reads) {
  for (const char* prog : {"sbatch", "srun"}) {
    const Parsed p = parse({"-t", GetParam().in}, {}, prog);
    ASSERT_TRUE(p.ok) << p.err;
    EXPECT_EQ(p.o.spec.time_limit, GetParam().want) << prog;
    const Parsed min = parse({std::string("--time-min=") + GetParam().in}, {}, prog);
    ASSERT_TRUE(min.ok) << min.err;
    EXPECT_EQ(min.o.spec.time_min, GetParam().want) << prog << " --time-min";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, TimeOption,
                         testing::ValuesIn(std::vector<TimeCase>{
                             {"MinutesSeconds", "10:30", 630},
                             {"DaysHMS", "5-1:2:3", 5 * 86400 + 3600 + 2 * 60 + 3},
                             {"Minutes", "90", 5400},
                             // Every way of saying "no limit": then the partition's maximum applies.
                             {"MinusOne", "-1", kUnlimited},
                             {"Unlimited", "UNLIMITED", kUnlimited},
                             {"Infinite", "infinite", kUnlimited},
                             {"Zero", "0", kUnlimited},
                             {"ZeroMinutesSeconds", "0:00", kUnlimited},
                         }),
                         [](const auto& info) { return std::string(info.param.name); });

// srun has no batch shell: like Slurm's srun it refuses "B:", and takes the rest as sbatch does.
TEST(SubmitOptions, SrunSignal) {
  Parsed p = parse({"--signal=B:USR1"}, {}, "srun");
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err, "srun: error: Invalid --signal specification\n");
  p = parse({"--signal=R:USR1@5"}, {}, "srun");
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.o.spec.signal, (SignalSpec{10, 5, false}));
}

TEST(SubmitOptions, StopsAtTheFirstWord) {
  const Parsed p = parse({"--job-name=Big", "simulation", "-p", "batch"});
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.o.spec.name, "Big");
  EXPECT_EQ(p.o.spec.partition, "");
  EXPECT_EQ(p.o.positional, (std::vector<std::string>{"simulation", "-p", "batch"}));
}

TEST(SubmitOptions, MemPerCpuTimesCpusWhateverTheOrder) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--mem-per-cpu=1G", "-c", "4"}, {"-c", "4", "--mem-per-cpu=1G"}}) {
    Parsed p = parse(args);
    ASSERT_TRUE(p.ok);
    finish_spec(p.o, nullptr);
    EXPECT_EQ(p.o.spec.mem_mb, 4096u) << args[0];
  }
  Parsed p = parse({"--mem-per-cpu=1G", "--mem=3G", "-c", "4"});  // the later of the two counts
  finish_spec(p.o, nullptr);
  EXPECT_EQ(p.o.spec.mem_mb, 3072u);
  p = parse({"--mem=3G", "--mem-per-cpu=1G", "-c", "2"});
  finish_spec(p.o, nullptr);
  EXPECT_EQ(p.o.spec.mem_mb, 2048u);
  p = parse({"--mem-per-cpu=16777216T", "-c", "2147483647"});
  finish_spec(p.o, nullptr);
  EXPECT_EQ(p.o.spec.mem_mb, UINT64_MAX);  // saturates rather than wraps
}

// --container once every source is parsed: the image made absolute against the current directory,
// checked to exist; --container-mode only with it.
class Container : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/submit-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::ofstream(dir_ + "/x.sif") << "image";
    std::filesystem::create_directory(dir_ + "/sandbox");
    old_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
  }
  void TearDown() override {
    std::filesystem::current_path(old_);
    std::filesystem::remove_all(dir_);
  }
  // Parses `args`, then finishes the container options; "" when accepted, else what was printed.
  std::string finish(std::vector<std::string> args, SubmitOptions& o) {
    Parsed p = parse(std::move(args));
    if (!p.ok) return p.err;
    o = p.o;
    testing::internal::CaptureStderr();
    const bool ok = finish_container("sbatch", o);
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(ok, err.empty());
    return err;
  }
  std::string dir_;
  std::filesystem::path old_;
};

TEST_F(Container, RelativeImageBecomesAbsolute) {
  SubmitOptions o;
  EXPECT_EQ(finish({"--container=./x.sif"}, o), "");
  EXPECT_EQ(o.spec.container, dir_ + "/x.sif");
  EXPECT_EQ(o.spec.container_mode, "");
  EXPECT_EQ(finish({"--container", "sandbox/", "--container-mode=shell"}, o), "");
  EXPECT_EQ(o.spec.container, dir_ + "/sandbox");
  EXPECT_EQ(o.spec.container_mode, "shell");
  EXPECT_EQ(finish({"--container=" + dir_ + "//sandbox/../x.sif", "--container-mode", "run"}, o), "");
  EXPECT_EQ(o.spec.container, dir_ + "/sandbox/../x.sif");
}

TEST_F(Container, MissingImageIsRefused) {
  SubmitOptions o;
  EXPECT_EQ(finish({"--container=nosuch.sif"}, o),
            "sbatch: error: Unable to open container image " + dir_ + "/nosuch.sif: No such file or directory\n");
  EXPECT_EQ(finish({"--container=x.sif/inner.sif"}, o),
            "sbatch: error: Unable to open container image " + dir_ + "/x.sif/inner.sif: Not a directory\n");
}

TEST_F(Container, ModeNeedsAnImage) {
  SubmitOptions o;
  EXPECT_EQ(finish({"--container-mode=run"}, o), "sbatch: error: --container-mode requires --container\n");
  EXPECT_EQ(finish({}, o), "");
}

TEST_F(Container, LaterSourcesOverrideEarlierOnes) {  // #SBATCH --container=a, then --container=b
  Parsed first = parse({"--container=nosuch.sif", "--container-mode=run"});
  ASSERT_TRUE(first.ok);
  Parsed p = parse({"--container=x.sif"}, first.o);
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(finish_container("sbatch", p.o));
  EXPECT_EQ(p.o.spec.container, dir_ + "/x.sif");
  EXPECT_EQ(p.o.spec.container_mode, "run");
}

struct Utf8Case {
  const char* name;
  std::vector<std::string> args;
  const char* err;
};

class Utf8 : public testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8, EveryFieldIsChecked) {
  Parsed p = parse(GetParam().args);
  ASSERT_TRUE(p.ok) << p.err;
  finish_spec(p.o, nullptr);
  p.o.spec.argv = p.o.positional;
  testing::internal::CaptureStderr();
  EXPECT_FALSE(check_utf8("sbatch", p.o));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), GetParam().err);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Utf8,
    testing::ValuesIn(std::vector<Utf8Case>{
        {"JobName", {"-J", "a\xff"}, "sbatch: error: job name is not valid UTF-8: a\\xff\n"},
        {"Partition", {"-p", "\xc3"}, "sbatch: error: partition is not valid UTF-8: \\xc3\n"},
        {"Workdir", {"-D", "/tmp/\xfe"}, "sbatch: error: working directory is not valid UTF-8: /tmp/\\xfe\n"},
        {"Output", {"-o", "o\x80"}, "sbatch: error: output file is not valid UTF-8: o\\x80\n"},
        {"Error", {"-e", "e\x80"}, "sbatch: error: error file is not valid UTF-8: e\\x80\n"},
        {"Input", {"-i", "i\x80"}, "sbatch: error: input file is not valid UTF-8: i\\x80\n"},
        {"Comment", {"--comment", "\xff"}, "sbatch: error: comment is not valid UTF-8: \\xff\n"},
        {"Container",
         {"--container", "/i/\xff.sif"},
         "sbatch: error: container image is not valid UTF-8: /i/\\xff.sif\n"},
        {"NodeList", {"-w", "n\xff"}, "sbatch: error: node list is not valid UTF-8: n\\xff\n"},
        {"Exclude", {"-x", "n\xff"}, "sbatch: error: excluded nodes is not valid UTF-8: n\\xff\n"},
        {"Argument", {"x.sh", "ok", "\xff"}, "sbatch: error: script argument is not valid UTF-8: \\xff\n"},
        {"Env",
         {"--export=NONE,BAD=\xff"},
         "sbatch: error: environment variable BAD is not valid UTF-8 (unset it, "
         "or leave it out with --export)\n"},
    }),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Utf8, ScriptLineIsNamed) {
  SubmitOptions o;
  o.spec.script = "#!/bin/sh\n# Gr\xc3\xb6\xc3\x9f\n# Gr\xf6\xdf\n";
  testing::internal::CaptureStderr();
  EXPECT_FALSE(check_utf8("sbatch", o));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "sbatch: error: Batch script is not valid UTF-8 (line 3)\n");
}

TEST(Utf8, ValidSpecPasses) {
  Parsed p = parse({"-J", "Gr\xc3\xb6\xc3\x9f", "--comment", "\xe2\x82\xac", "x.sh", "\xf0\x9f\x98\x80"});
  ASSERT_TRUE(p.ok);
  finish_spec(p.o, nullptr);
  p.o.spec.argv = p.o.positional;
  p.o.spec.script = "#!/bin/sh\necho \xc3\xa9\n";
  testing::internal::CaptureStderr();
  EXPECT_TRUE(check_utf8("sbatch", p.o));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace sluice::cli
