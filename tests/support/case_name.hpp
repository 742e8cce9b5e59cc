// Names table-driven GoogleTest cases after their `name` field, so a failing case reads as
// "Cases/ParseMem.Parses/Gigabytes" instead of a number: pass case_name<Case> as the last
// argument of INSTANTIATE_TEST_SUITE_P. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace sluice {

template <typename T>
std::string case_name(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

}  // namespace sluice
