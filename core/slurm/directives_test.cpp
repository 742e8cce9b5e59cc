#include "core/slurm/directives.hpp"

#include <gtest/gtest.h>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using Words = std::vector<std::string>;

struct ScriptCase {
  const char* name;
  std::string_view script;
  Words want;
  const char* error = "";
};

class SbatchDirectives : public testing::TestWithParam<ScriptCase> {};

TEST_P(SbatchDirectives, Reads) {
  const Directives d = sbatch_directives(GetParam().script);
  EXPECT_EQ(d.words, GetParam().want);
  EXPECT_EQ(d.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SbatchDirectives,
    testing::ValuesIn(std::vector<ScriptCase>{
        {"Typical",
         "#!/bin/bash\n#SBATCH -J test\n#SBATCH --time=1:00 # comment\n\n"
         "#SBATCH -p batch\necho hi\n#SBATCH -c 4\n",
         {"-J", "test", "--time=1:00", "-p", "batch"}},
        {"Empty", "", {}},
        {"NoDirectives", "#!/bin/sh\necho hi\n", {}},
        {"NoTrailingNewline", "#SBATCH -N 2", {"-N", "2"}},
        {"SpaceAfterHashIsComment", "# SBATCH -J no\n#SBATCH -J yes\n", {"-J", "yes"}},
        {"LowerCaseIsComment", "#sbatch -J no\n#SBATCH -J yes\n", {"-J", "yes"}},
        {"IndentedIsComment", "  #SBATCH -J no\n#SBATCH -J yes\n", {"-J", "yes"}},
        // Slurm compares the first seven characters only: what follows is read as words.
        {"GluedWordIsAWord", "#SBATCHX -J x\n", {"X", "-J", "x"}},
        {"GluedOption", "#SBATCH--mem=4G\n", {"--mem=4G"}},
        {"CommentsDoNotStop", "#!/bin/bash\n# setup\n  # indented comment\n\t\n#SBATCH -n 4\n", {"-n", "4"}},
        {"CommandStops", "#SBATCH -n 1\nmodule load x\n#SBATCH -n 2\n", {"-n", "1"}},
        {"IndentedCommandStops", "#SBATCH -n 1\n  srun x\n#SBATCH -n 2\n", {"-n", "1"}},
        {"TabSeparator", "#SBATCH\t--mem=4G\n", {"--mem=4G"}},
        {"BareMagic", "#SBATCH\n#SBATCH -c 2\n", {"-c", "2"}},
        {"StrayWordsAreWords",
         "#SBATCH --job-name=Big simulation\n#SBATCH -p batch\n",
         {"--job-name=Big", "simulation", "-p", "batch"}},
        {"NoteInParentheses", "#SBATCH -t 10 (ten minutes)\n", {"-t", "10", "(ten", "minutes)"}},
        {"QuotedValue", "#SBATCH --job-name=\"my job\" -o 'out %j.txt'\n", {"--job-name=my job", "-o", "out %j.txt"}},
        {"QuotesAreAlike", "#SBATCH --comment='say \"hi\"' -J \"it's\"\n", {"--comment=say \"hi\"", "-J", "it's"}},
        {"BackslashInsideQuotes", "#SBATCH -J \"a\\\"b\" -o 'c\\'d'\n", {"-J", "a\"b", "-o", "c'd"}},
        {"BackslashEscapes", "#SBATCH -J a\\ b\\#c\n", {"-J", "a b#c"}},
        {"TrailingBackslash", "#SBATCH -J a\\\n#SBATCH -p b\n", {"-J", "a", "-p", "b"}},
        {"EmptyQuotes", "#SBATCH --comment \"\" -p batch\n", {"--comment", "", "-p", "batch"}},
        {"QuotedHashKept", "#SBATCH -J \"#1\" --comment='a # b'\n", {"-J", "#1", "--comment=a # b"}},
        {"HashEndsAWord", "#SBATCH --comment=run#3 -p batch\n", {"--comment=run"}},
        {"CommentAfterTab", "#SBATCH -c 2\t#four?\n", {"-c", "2"}},
        {"OnlyComment", "#SBATCH # nothing here\n#SBATCH -c 1\n", {"-c", "1"}},
        {"CarriageReturnIsSpace", "#SBATCH -c 1\r\n", {"-c", "1"}},
        {"BinaryBytesKept", std::string_view("#SBATCH -J \xff\x01\n", 14), {"-J", "\xff\x01"}},
        {"UnmatchedDouble",
         "#!/bin/sh\n#SBATCH -J x\n#SBATCH -J \"my job\n#SBATCH -p batch\n",
         {"-J", "x", "-J"},
         "line 3: Unmatched `\"` in [ \"my job]"},
        {"UnmatchedSingle", "#SBATCH --comment='x\n", {}, "line 1: Unmatched `'` in [ --comment='x]"},
        {"UnmatchedAfterHash", "#SBATCH -J 'a # b\n", {"-J"}, "line 1: Unmatched `'` in [ 'a # b]"},
        {"ColonStartsAWord", "#SBATCH -n 1 : -n 2\n", {"-n", "1"}, "line 1: Unexpected `:` in [ : -n 2]"},
        {"ColonInsideAWord", "#SBATCH -G t4:1\n", {"-G", "t4:1"}},
    }),
    case_name<ScriptCase>);

}  // namespace
}  // namespace sluice
