#include "core/slurm/gres.hpp"

#include <gtest/gtest.h>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

using Words = std::vector<std::string>;

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

}  // namespace
}  // namespace sluice
