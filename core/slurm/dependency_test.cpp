#include "core/slurm/dependency.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

struct DependCase {
  const char* name;
  const char* in;
  std::optional<std::string> want;  // dependency_string of the result
};

class ParseDependency : public testing::TestWithParam<DependCase> {};

TEST_P(ParseDependency, Parses) {
  const auto got = parse_dependency(GetParam().in);
  EXPECT_EQ(got ? std::optional(dependency_string(*got)) : std::nullopt, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseDependency,
                         testing::ValuesIn(std::vector<DependCase>{
                             {"AfterOk", "afterok:3", "afterok:3"},
                             {"SeveralIds", "afterok:3:4", "afterok:3,afterok:4"},
                             {"SeveralKinds", "afterok:3,afterany:5", "afterok:3,afterany:5"},
                             {"After", "after:7", "after:7"},
                             {"AfterNotOk", "afternotok:8", "afternotok:8"},
                             {"BareIdIsAfterAny", "9", "afterany:9"},
                             {"QuestionMarkSeparates", "afterok:1?afterok:2", "afterok:1,afterok:2"},
                             {"Empty", "", std::nullopt},
                             {"KindWithoutId", "afterok", std::nullopt},
                             {"ZeroId", "afterok:0", std::nullopt},
                             {"UnknownKind", "singleton:3", std::nullopt},
                             {"NegativeId", "afterok:-3", std::nullopt},
                         }),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sluice
