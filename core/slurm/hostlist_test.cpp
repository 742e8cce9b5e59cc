#include "core/slurm/hostlist.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using Names = std::vector<std::string>;

struct ExpandCase {
  const char* name;
  const char* expr;
  Names want;
};

class ExpandHostlist : public testing::TestWithParam<ExpandCase> {};

TEST_P(ExpandHostlist, Expands) {
  std::string error;
  const auto got = expand_hostlist(GetParam().expr, &error);
  ASSERT_TRUE(got.has_value()) << error;
  EXPECT_EQ(*got, GetParam().want);
  EXPECT_EQ(error, "");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ExpandHostlist,
    testing::ValuesIn(std::vector<ExpandCase>{
        {"PlainName", "node", {"node"}},
        {"SimpleRange", "n[1-4]", {"n1", "n2", "n3", "n4"}},
        {"ZeroPadded", "a256-t4-[01-02]", {"a256-t4-01", "a256-t4-02"}},
        {"RangesAndSingles", "a[01-03,07],b5", {"a01", "a02", "a03", "a07", "b5"}},
        {"SeveralItems", "a256-t4-[01-02],i256-a10-06", {"a256-t4-01", "a256-t4-02", "i256-a10-06"}},
        {"WidthFollowsLowEnd", "n[8-10]", {"n8", "n9", "n10"}},
        {"PaddedAcrossDecade", "n[08-10]", {"n08", "n09", "n10"}},
        {"ThreeDigitPadding", "n[001-003]", {"n001", "n002", "n003"}},
        {"MixedWidthsInOneGroup", "n[1,01]", {"n1", "n01"}},
        {"ZeroInRange", "n[0-2]", {"n0", "n1", "n2"}},
        {"SingleNumberInBrackets", "n[5]", {"n5"}},
        {"OnlyBrackets", "[1-3]", {"1", "2", "3"}},
        {"TextAfterBrackets", "n[1-2]-ib", {"n1-ib", "n2-ib"}},
        {"Cartesian", "r[1-2]n[1-2]", {"r1n1", "r1n2", "r2n1", "r2n2"}},
        {"CartesianWithLists", "r[1,3]n[07-08]", {"r1n07", "r1n08", "r3n07", "r3n08"}},
        {"Empty", "", {}},
        {"EmptyItemsSkipped", "a,,b,", {"a", "b"}},
        {"WhitespaceSeparates", "a b\tc\n", {"a", "b", "c"}},
        {"DuplicatesKept", "n1,n[1-2]", {"n1", "n1", "n2"}},
        {"LargeButAllowed", "n[65535-65536]", {"n65535", "n65536"}},
        {"TopOfRange",
         "n[18446744073709551614-18446744073709551615]",
         {"n18446744073709551614", "n18446744073709551615"}},
    }),
    case_name<ExpandCase>);

struct BadExpandCase {
  const char* name;
  const char* expr;
  const char* error;
};

class ExpandHostlistError : public testing::TestWithParam<BadExpandCase> {};

TEST_P(ExpandHostlistError, Fails) {
  std::string error;
  EXPECT_EQ(expand_hostlist(GetParam().expr, &error), std::nullopt);
  EXPECT_EQ(error, GetParam().error);
  EXPECT_EQ(expand_hostlist(GetParam().expr), std::nullopt);  // no error sink is fine too
}

INSTANTIATE_TEST_SUITE_P(Cases, ExpandHostlistError,
                         testing::ValuesIn(std::vector<BadExpandCase>{
                             {"UnclosedBracket", "a[1-", "unbalanced brackets"},
                             {"UnclosedAfterItem", "b1,a[1-2", "unbalanced brackets"},
                             {"StrayClose", "a]", "unbalanced brackets"},
                             {"Nested", "a[[1]]", "unbalanced brackets"},
                             {"ReversedRange", "a[3-1]", "bad range 3-1"},
                             {"NotANumber", "a[x]", "bad range x"},
                             {"EmptyBrackets", "a[]", "bad range "},
                             {"EmptyListPart", "a[1,,2]", "bad range "},
                             {"MissingLow", "a[-3]", "bad range -3"},
                             {"MissingHigh", "a[3-]", "bad range 3-"},
                             {"TwoDashes", "a[1-2-3]", "bad range 1-2-3"},
                             {"SpaceInRange", "a[1 -2]", "bad range 1 -2"},
                             {"Overflow", "a[99999999999999999999]", "bad range 99999999999999999999"},
                             {"ErrorInSecondItem", "a1,b[2-1]", "bad range 2-1"},
                             {"RangeTooLarge", "n[1-100000]", "too many hosts"},
                             {"HugeRange", "n[0-18446744073709551615]", "too many hosts"},
                             {"CartesianTooLarge", "a[1-1000]b[1-1000]", "too many hosts"},
                             {"TotalTooLarge", "a[1-40000],b[1-40000]", "too many hosts"},
                         }),
                         case_name<BadExpandCase>);

struct CompressCase {
  const char* name;
  Names names;
  const char* want;
};

class CompressHostlist : public testing::TestWithParam<CompressCase> {};

TEST_P(CompressHostlist, Compresses) { EXPECT_EQ(compress_hostlist(GetParam().names), GetParam().want); }

// Whatever the compressed form, it must expand back to exactly the distinct input names.
TEST_P(CompressHostlist, RoundTrips) {
  const auto back = expand_hostlist(compress_hostlist(GetParam().names));
  ASSERT_TRUE(back.has_value());
  std::set<std::string> want(GetParam().names.begin(), GetParam().names.end());
  want.erase("");
  EXPECT_EQ(std::set<std::string>(back->begin(), back->end()), want);
  EXPECT_EQ(back->size(), want.size());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CompressHostlist,
    testing::ValuesIn(std::vector<CompressCase>{
        {"Empty", {}, ""},
        {"SingleNumbered", {"n1"}, "n1"},
        {"SinglePlain", {"node"}, "node"},
        {"SimpleRange", {"n1", "n2", "n3", "n4"}, "n[1-4]"},
        {"ZeroPadded", {"i256-a40-01", "i256-a40-02"}, "i256-a40-[01-02]"},
        {"RangesAndSingles", {"a01", "a02", "a03", "a07", "b5"}, "a[01-03,07],b5"},
        {"TwoPrefixes", {"a256-t4-01", "a256-t4-02", "i256-a10-06"}, "a256-t4-[01-02],i256-a10-06"},
        {"UnsortedInput", {"n3", "n1", "n2"}, "n[1-3]"},
        {"DuplicatesRemoved", {"n1", "n2", "n1", "n2"}, "n[1-2]"},
        {"PlainDuplicatesRemoved", {"x", "x"}, "x"},
        {"FirstSeenPrefixOrder", {"b1", "a1", "b2"}, "b[1-2],a1"},
        {"Gaps", {"n1", "n3", "n5", "n6"}, "n[1,3,5-6]"},
        {"UnpaddedAcrossDecade", {"n9", "n10", "n11"}, "n[9-11]"},
        {"PaddedAcrossDecade", {"n08", "n09", "n10"}, "n[08-10]"},
        {"PaddedAcrossCentury", {"n098", "n099", "n100", "n101"}, "n[098-101]"},
        {"WidthsNotMerged", {"n01", "n1", "n02", "n2"}, "n[1-2,01-02]"},
        {"PaddedAfterUnpadded", {"n1", "n02"}, "n[1,02]"},
        {"UnpaddedAfterPadded", {"n01", "n2"}, "n[01,2]"},
        {"AmbiguousWidthPicksFirstRun", {"n9", "n09", "n10"}, "n[9-10,09]"},
        {"ZeroStart", {"n0", "n1"}, "n[0-1]"},
        {"DigitsOnly", {"1", "2", "3"}, "[1-3]"},
        {"PlainBesideNumbered", {"n", "n1", "n2"}, "n,n[1-2]"},
        {"DigitsInsidePrefix", {"r1n1", "r1n2", "r2n1"}, "r1n[1-2],r2n1"},
        {"EmptyNameSkipped", {"", "n1", ""}, "n1"},
        {"SuffixTooLongForNumber",
         {"x1234567890123456789", "x1234567890123456790"},
         "x1234567890123456789,x1234567890123456790"},
        {"LongestNumericSuffix",
         {"x123456789012345678", "x123456789012345679"},
         "x[123456789012345678-123456789012345679]"},
    }),
    case_name<CompressCase>);

TEST(CompressHostlist, LargeClusterRoundTrips) {
  const auto names = expand_hostlist("gpu[0001-4000],cpu[1-999,1001-2000]");
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(compress_hostlist(*names), "gpu[0001-4000],cpu[1-999,1001-2000]");
}

}  // namespace
}  // namespace sluice
