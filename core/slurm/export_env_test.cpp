#include "core/slurm/export_env.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using Env = std::vector<std::string>;

struct ExportCase {
  const char* name;
  const char* spec;
  Env caller;
  Env want;
};

class ExportEnvironment : public testing::TestWithParam<ExportCase> {};

TEST_P(ExportEnvironment, IsSlurms) {
  EXPECT_EQ(export_environment(GetParam().spec, GetParam().caller), GetParam().want);
}

const Env kCaller = {"PATH=/usr/bin", "FOO=outer", "SLURM_JOB_ID=7", "HOME=/home/u"};

INSTANTIATE_TEST_SUITE_P(
    Cases, ExportEnvironment,
    testing::ValuesIn(std::vector<ExportCase>{
        {"DefaultIsAll", "", kCaller, kCaller},
        {"All", "ALL", kCaller, kCaller},
        {"NoneKeepsOnlySlurmVariables", "NONE", kCaller, {"SLURM_JOB_ID=7"}},
        // Without ALL: the caller's SLURM_* variables, and the ones named or given.
        {"ValueOnly", "MYVAR=1", kCaller, {"SLURM_JOB_ID=7", "MYVAR=1"}},
        {"NameTakesTheCallersValue", "FOO", kCaller, {"SLURM_JOB_ID=7", "FOO=outer"}},
        {"NameTheCallerLacksIsLeftOut", "NOSUCH", kCaller, {"SLURM_JOB_ID=7"}},
        {"ValueReplacesTheCallersWithoutAll", "FOO=inner", kCaller, {"SLURM_JOB_ID=7", "FOO=inner"}},
        {"NamesAndValues", "HOME,ARG1=test", kCaller, {"SLURM_JOB_ID=7", "HOME=/home/u", "ARG1=test"}},
        {"EmptyValue", "EMPTY=", kCaller, {"SLURM_JOB_ID=7", "EMPTY="}},
        {"ValueWithEquals", "OPTS=a=b", kCaller, {"SLURM_JOB_ID=7", "OPTS=a=b"}},
        {"LastValueOfANameWins", "X=1,X=2", kCaller, {"SLURM_JOB_ID=7", "X=2"}},
        {"CallersSlurmVariableWins", "SLURM_JOB_ID=9", kCaller, {"SLURM_JOB_ID=7"}},
        // ALL: the caller's value of a variable it has wins; a value given applies to the others.
        {"AllCallersValueWins", "ALL,FOO=inner", kCaller, kCaller},
        {"AllValueOfANewVariable",
         "ALL,NEW=1",
         kCaller,
         {"PATH=/usr/bin", "FOO=outer", "SLURM_JOB_ID=7", "HOME=/home/u", "NEW=1"}},
        {"AllAfterTheValues",
         "NEW=1,ALL",
         kCaller,
         {"PATH=/usr/bin", "FOO=outer", "SLURM_JOB_ID=7", "HOME=/home/u", "NEW=1"}},
        {"AllOneEntryPerName", "ALL,FOO=inner,FOO", kCaller, kCaller},
        // The caller's own duplicates (environ can hold two): the first, as getenv(3) reads.
        {"CallersDuplicateFirstWins", "ALL", {"A=1", "A=2"}, {"A=1"}},
        {"EntryWithoutEqualsIgnored", "ALL", {"JUNK", "A=1"}, {"A=1"}},
    }),
    case_name<ExportCase>);

}  // namespace
}  // namespace sluice
