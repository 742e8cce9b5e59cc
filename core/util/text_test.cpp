#include "core/util/text.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Words = std::vector<std::string>;

template <typename T>
std::string case_name(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

// --- split / join / trim / to_lower / starts_with ---

struct SplitCase {
  const char* name;
  const char* in;
  char sep;
  bool keep_empty;
  Words want;
};

class Split : public testing::TestWithParam<SplitCase> {};

TEST_P(Split, Splits) {
  const auto& c = GetParam();
  EXPECT_EQ(split(c.in, c.sep, c.keep_empty), c.want);
}

INSTANTIATE_TEST_SUITE_P(Cases, Split,
                         testing::ValuesIn(std::vector<SplitCase>{
                             {"Simple", "a,b,c", ',', false, {"a", "b", "c"}},
                             {"NoSeparator", "abc", ',', false, {"abc"}},
                             {"Empty", "", ',', false, {}},
                             {"EmptyKept", "", ',', true, {""}},
                             {"EmptyPartsDropped", ",a,,b,", ',', false, {"a", "b"}},
                             {"EmptyPartsKept", ",a,,b,", ',', true, {"", "a", "", "b", ""}},
                             {"OnlySeparators", ":::", ':', false, {}},
                             {"OnlySeparatorsKept", "::", ':', true, {"", "", ""}},
                             {"NoTrimming", " a , b ", ',', false, {" a ", " b "}},
                             {"OtherSeparator", "gpu:a10:1", ':', false, {"gpu", "a10", "1"}},
                         }),
                         case_name<SplitCase>);

TEST(Join, Joins) {
  EXPECT_EQ(join({}, ","), "");
  EXPECT_EQ(join({"a"}, ","), "a");
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join({"", ""}, ","), ",");
  EXPECT_EQ(join({"a", "b"}, ""), "ab");
}

TEST(Join, InvertsSplitWithEmptyParts) {
  for (const char* s : {"", "a", ",a,,b,", "x:y"}) EXPECT_EQ(join(split(s, ',', true), ","), s);
}

TEST(Trim, Trims) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim("abc"), "abc");
  EXPECT_EQ(trim("  a b  "), "a b");
  EXPECT_EQ(trim("\t\r\n\v\fx\n"), "x");
  EXPECT_EQ(trim(" x"), "x");
  EXPECT_EQ(trim("x "), "x");
}

TEST(ToLower, LowersAsciiOnly) {
  EXPECT_EQ(to_lower(""), "");
  EXPECT_EQ(to_lower("UnLiMiTeD-42_Z"), "unlimited-42_z");
  EXPECT_EQ(to_lower("already lower"), "already lower");
  EXPECT_EQ(to_lower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // UTF-8 bytes untouched
}

TEST(StartsWith, Matches) {
  EXPECT_TRUE(starts_with("#SBATCH -J x", "#SBATCH"));
  EXPECT_TRUE(starts_with("abc", ""));
  EXPECT_TRUE(starts_with("abc", "abc"));
  EXPECT_FALSE(starts_with("ab", "abc"));
  EXPECT_FALSE(starts_with("xabc", "abc"));
  EXPECT_FALSE(starts_with("", "a"));
}

// --- numbers and memory ---

struct UintCase {
  const char* name;
  const char* in;
  std::optional<std::uint64_t> want;
};

class ParseUint : public testing::TestWithParam<UintCase> {};

TEST_P(ParseUint, Parses) { EXPECT_EQ(parse_uint(GetParam().in), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(Cases, ParseUint,
                         testing::ValuesIn(std::vector<UintCase>{
                             {"Zero", "0", 0},
                             {"Simple", "42", 42},
                             {"LeadingZeros", "007", 7},
                             {"Max", "18446744073709551615", UINT64_MAX},
                             {"Overflow", "18446744073709551616", std::nullopt},
                             {"Empty", "", std::nullopt},
                             {"Minus", "-1", std::nullopt},
                             {"Plus", "+1", std::nullopt},
                             {"LeadingSpace", " 1", std::nullopt},
                             {"TrailingSpace", "1 ", std::nullopt},
                             {"TrailingGarbage", "12a", std::nullopt},
                             {"Hex", "0x10", std::nullopt},
                             {"Fraction", "1.0", std::nullopt},
                         }),
                         case_name<UintCase>);

struct MemCase {
  const char* name;
  const char* in;
  std::optional<std::uint64_t> want;
};

class ParseMem : public testing::TestWithParam<MemCase> {};

TEST_P(ParseMem, Parses) { EXPECT_EQ(parse_mem_mb(GetParam().in), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(Cases, ParseMem,
                         testing::ValuesIn(std::vector<MemCase>{
                             {"BareIsMegabytes", "4000", 4000},
                             {"Zero", "0", 0},
                             {"Megabytes", "512M", 512},
                             {"Gigabytes", "4G", 4096},
                             {"ManyGigabytes", "256G", 262144},
                             {"Terabytes", "1T", 1048576},
                             {"Kilobytes", "2048K", 2},
                             {"KilobytesRoundUp", "2049K", 3},
                             {"OneKilobyte", "1K", 1},
                             {"LowerCaseUnit", "4g", 4096},
                             {"TrailingB", "4GB", 4096},
                             {"TrailingLowerB", "512mb", 512},
                             {"TrailingBKilo", "1024KB", 1},
                             {"Fraction", "1.5G", std::nullopt},
                             {"Garbage", "abc", std::nullopt},
                             {"Empty", "", std::nullopt},
                             {"Negative", "-1", std::nullopt},
                             {"UnitOnly", "G", std::nullopt},
                             {"BytesNotSupported", "4000B", std::nullopt},
                             {"UnknownUnit", "4P", std::nullopt},
                             {"DoubleUnit", "4GG", std::nullopt},
                             {"DoubleB", "4GBB", std::nullopt},
                             {"SpaceBeforeUnit", "4 G", std::nullopt},
                             {"Overflow", "18446744073709551615T", std::nullopt},
                             {"NumberOverflow", "99999999999999999999", std::nullopt},
                         }),
                         case_name<MemCase>);

TEST(FormatMem, Formats) {
  EXPECT_EQ(format_mem_mb(4000), "4000M");
  EXPECT_EQ(format_mem_mb(262144), "256G");
  EXPECT_EQ(format_mem_mb(1024), "1G");
  EXPECT_EQ(format_mem_mb(1536), "1536M");
  EXPECT_EQ(format_mem_mb(1048576), "1T");
  EXPECT_EQ(format_mem_mb(3 * 1048576 + 1024), "3073G");
  EXPECT_EQ(format_mem_mb(1), "1M");
  EXPECT_EQ(format_mem_mb(0), "0M");
}

TEST(FormatMem, RoundTrips) {
  for (std::uint64_t mb : {0ULL, 1ULL, 1000ULL, 1024ULL, 262144ULL, 1048576ULL, 5ULL * 1048576 + 3}) {
    EXPECT_EQ(parse_mem_mb(format_mem_mb(mb)), mb) << mb;
  }
}

// --- GRES ---

struct GresCase {
  const char* name;
  const char* in;
  std::optional<GresRequest> want;  // nullopt: rejected
};

class ParseGres : public testing::TestWithParam<GresCase> {};

TEST_P(ParseGres, Parses) {
  const auto& c = GetParam();
  std::string error;
  const auto got = parse_gres(c.in, &error);
  ASSERT_EQ(got.has_value(), c.want.has_value()) << error;
  if (c.want) {
    EXPECT_EQ(got->type, c.want->type);
    EXPECT_EQ(got->count, c.want->count);
    EXPECT_EQ(error, "");
  } else {
    EXPECT_EQ(error, "Invalid generic resource (gres) specification");
    EXPECT_EQ(parse_gres(c.in), std::nullopt);  // no error sink is fine too
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseGres,
                         testing::ValuesIn(std::vector<GresCase>{
                             {"NameOnly", "gpu", GresRequest{"", 1}},
                             {"Count", "gpu:2", GresRequest{"", 2}},
                             {"TypeAndCount", "gpu:a10:1", GresRequest{"a10", 1}},
                             {"TypeOnly", "gpu:t4", GresRequest{"t4", 1}},
                             {"TypeWithPunctuation", "gpu:a100-80g_x.1:8", GresRequest{"a100-80g_x.1", 8}},
                             {"MigProfileType", "gpu:1g.5gb:2", GresRequest{"1g.5gb", 2}},
                             {"MigProfileTypeOnly", "gpu:3g.20gb", GresRequest{"3g.20gb", 1}},
                             {"MaxCount", "gpu:4294967295", GresRequest{"", 4294967295U}},
                             {"ZeroCount", "gpu:0", std::nullopt},
                             {"ZeroCountWithType", "gpu:t4:0", std::nullopt},
                             {"UnknownName", "foo:1", std::nullopt},
                             {"NameCaseMatters", "GPU:1", std::nullopt},
                             {"BadCount", "gpu:a10:x", std::nullopt},
                             {"NegativeCount", "gpu:-1", std::nullopt},
                             {"CountOverflow", "gpu:4294967296", std::nullopt},
                             {"Empty", "", std::nullopt},
                             {"EmptyType", "gpu::1", std::nullopt},
                             {"EmptyCount", "gpu:a10:", std::nullopt},
                             {"TrailingColon", "gpu:", std::nullopt},
                             {"TooManyFields", "gpu:a10:1:2", std::nullopt},
                             {"TypeStartsWithPunctuation", "gpu:_x:1", std::nullopt},
                             {"BadTypeChar", "gpu:a 10:1", std::nullopt},
                             {"ListNotSupported", "gpu:1,gpu:2", std::nullopt},
                         }),
                         case_name<GresCase>);

TEST(ParseGres, ErrorUntouchedOnSuccess) {
  std::string error = "previous";
  EXPECT_TRUE(parse_gres("gpu:1", &error));
  EXPECT_EQ(error, "previous");
}

// --- shell words and batch scripts ---

struct ShellCase {
  const char* name;
  const char* in;
  Words want;
};

class ShellSplit : public testing::TestWithParam<ShellCase> {};

TEST_P(ShellSplit, Splits) { EXPECT_EQ(shell_split(GetParam().in), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(Cases, ShellSplit,
                         testing::ValuesIn(std::vector<ShellCase>{
                             {"Empty", "", {}},
                             {"Blank", " \t \n", {}},
                             {"Words", "-J test", {"-J", "test"}},
                             {"ExtraWhitespace", "  a \t b\n", {"a", "b"}},
                             {"DoubleQuoted", R"(--wrap "sleep 30")", {"--wrap", "sleep 30"}},
                             {"SingleQuoted", "--wrap 'echo \"hi\" $X'", {"--wrap", "echo \"hi\" $X"}},
                             {"SingleQuotesKeepBackslash", R"('a\"b')", {R"(a\"b)"}},
                             {"QuotesJoinWord", R"(--job-name="my job"x'y z')", {"--job-name=my jobxy z"}},
                             {"EmptyDoubleQuotes", R"(a "" b)", {"a", "", "b"}},
                             {"EmptySingleQuotes", "''", {""}},
                             {"EscapedQuoteInDouble", R"("say \"hi\"")", {R"(say "hi")"}},
                             {"EscapedBackslashInDouble", R"("a\\b")", {R"(a\b)"}},
                             {"EscapedDollarInDouble", R"("\$HOME")", {"$HOME"}},
                             {"OtherBackslashInDoubleKept", R"("a\nb")", {R"(a\nb)"}},
                             {"ContinuationInDouble", "\"a\\\nb\"", {"ab"}},
                             {"EscapedSpace", R"(a\ b c)", {"a b", "c"}},
                             {"EscapedQuote", R"(it\'s)", {"it's"}},
                             {"EscapedBackslash", R"(a\\b)", {R"(a\b)"}},
                             {"LineContinuation", "a\\\nb", {"ab"}},
                             {"TrailingBackslashKept", R"(a\)", {R"(a\)"}},
                             {"UnterminatedDouble", R"(a "b c)", {"a", "b c"}},
                             {"UnterminatedSingle", "a 'b c", {"a", "b c"}},
                             {"HashNotAComment", "a #b", {"a", "#b"}},
                             {"HashInsideWord", "a#b c", {"a#b", "c"}},
                         }),
                         case_name<ShellCase>);

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

// --- UTF-8 ---

TEST(ValidUtf8, Accepts) {
  for (const char* s :
       {"", "plain", "Gr\xc3\xb6\xc3\x9f", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\x01\x7f"})
    EXPECT_TRUE(valid_utf8(s)) << s;
}

TEST(ValidUtf8, Refuses) {
  for (const char* s : {"\xff", "\xfe\xff", "\xc3", "a\x80z", "\xc0\xaf" /* overlong '/' */, "\xe0\x80\xaf",
                        "\xed\xa0\x80" /* surrogate */, "\xf4\x90\x80\x80" /* past U+10FFFF */, "\xf8\x88\x80\x80\x80",
                        "\xe2\x82", "\xe2\x28\xa1"})
    EXPECT_FALSE(valid_utf8(s)) << printable(s);
}

TEST(Printable, EscapesWhatCouldHurt) {
  EXPECT_EQ(printable("plain text"), "plain text");
  EXPECT_EQ(printable("Gr\xc3\xb6\xc3\x9f"), "Gr\xc3\xb6\xc3\x9f");
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable("a\nb\t\x1b[31m\x7f"), "a\\x0ab\\x09\\x1b[31m\\x7f");
  EXPECT_EQ(printable("back\\slash"), "back\\x5cslash");
  EXPECT_EQ(printable("\xc3"), "\\xc3");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
}

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
