#include "core/slurm/output_pattern.hpp"

#include <gtest/gtest.h>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using Words = std::vector<std::string>;

// --- output patterns ---

struct PatternCase {
  const char* name;
  const char* pattern;
  const char* want;
};

class OutputPattern : public testing::TestWithParam<PatternCase> {};

TEST_P(OutputPattern, Expands) {
  const PatternVars v{.job_id = 42, .job_name = "train", .user = "alice", .node = "n01", .workdir = "/home/alice"};
  EXPECT_EQ(expand_output_pattern(GetParam().pattern, v), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Cases, OutputPattern,
                         testing::ValuesIn(std::vector<PatternCase>{
                             {"Default", "slurm-%j.out", "/home/alice/slurm-42.out"},
                             {"NameAndId", "%x-%j.out", "/home/alice/train-42.out"},
                             {"User", "%u.log", "/home/alice/alice.log"},
                             {"Node", "%N.log", "/home/alice/n01.log"},
                             {"Percent", "100%%.txt", "/home/alice/100%.txt"},
                             {"ZeroPadded", "%5j", "/home/alice/00042"},
                             {"WidthSmallerThanId", "%1j", "/home/alice/42"},
                             {"WidthCapped", "%20j", "/home/alice/0000000042"},
                             {"WidthIgnoredForText", "%8x-%3u", "/home/alice/train-alice"},
                             {"ArrayMaster", "%A", "/home/alice/42"},
                             {"ArrayIndexWhenNotArray", "%a", "/home/alice/4294967294"},
                             {"NodeAndTaskIndex", "%n-%t-%3t", "/home/alice/0-0-000"},
                             {"Absolute", "/scratch/%u/%j.out", "/scratch/alice/42.out"},
                             {"DevNull", "/dev/null", "/dev/null"},
                             {"Subdirectory", "logs/%j/out", "/home/alice/logs/42/out"},
                             {"UnknownEscape", "%q-%j", "/home/alice/%q-42"},
                             {"UnknownEscapeWithWidth", "%3q", "/home/alice/%3q"},
                             {"TrailingPercent", "out%", "/home/alice/out%"},
                             {"TrailingPercentWidth", "out%5", "/home/alice/out%5"},
                             {"PercentThenLetter", "%%j", "/home/alice/%j"},
                             {"NoEscapes", "plain.txt", "/home/alice/plain.txt"},
                         }),
                         case_name<PatternCase>);

TEST(OutputPattern, WorkdirHandling) {
  PatternVars v;
  v.job_id = 7;
  v.workdir = "/tmp/";
  EXPECT_EQ(expand_output_pattern("%j.out", v), "/tmp/7.out");  // no doubled slash
  v.workdir = "";
  EXPECT_EQ(expand_output_pattern("%j.out", v), "7.out");
  v.workdir = "/";
  EXPECT_EQ(expand_output_pattern("x", v), "/x");
}

TEST(OutputPattern, EmptyValues) {
  PatternVars v;
  v.workdir = "/w";
  EXPECT_EQ(expand_output_pattern("%x|%u|%N|%j", v), "/w/|||0");
}

}  // namespace
}  // namespace sluice
