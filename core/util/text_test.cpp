#include "core/util/text.hpp"

#include <gtest/gtest.h>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using Words = std::vector<std::string>;

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

// --- numbers ---

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

// --- shell words ---

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

}  // namespace
}  // namespace sluice
