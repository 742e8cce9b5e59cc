#include "core/slurm/mem.hpp"

#include <gtest/gtest.h>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using Words = std::vector<std::string>;

// Memory sizes as --mem and the config take them.
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

}  // namespace
}  // namespace sluice
