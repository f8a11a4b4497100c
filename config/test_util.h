// What the config tests share: the check that a refused file names the
// problem's key path and line, for table-driven tests of every section.
#ifndef FLYTEOVERRIDE_CONFIG_TEST_UTIL_H_
#define FLYTEOVERRIDE_CONFIG_TEST_UTIL_H_

#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::config::testing {

// A config file the server must refuse: the error starts with "config line
// <line>: " and contains `want`, which names the key path.
struct BadConfig {
  const char* name;
  int line;
  const char* yaml;
  const char* want;
};

inline void PrintTo(const BadConfig& row, std::ostream* os) { *os << row.name; }

inline void ExpectRefused(const BadConfig& row) {
  absl::StatusOr<Config> config = ParseConfig(row.yaml);
  ASSERT_FALSE(config.ok()) << row.yaml;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(config.status().message());
  EXPECT_THAT(message, ::testing::StartsWith(
                           absl::StrCat("config line ", row.line, ": ")));
  EXPECT_THAT(message, ::testing::HasSubstr(row.want));
}

// Test names for INSTANTIATE_TEST_SUITE_P: each row's name.
inline std::string RowName(const ::testing::TestParamInfo<BadConfig>& info) {
  return info.param.name;
}

}  // namespace flyteoverride::config::testing

#endif  // FLYTEOVERRIDE_CONFIG_TEST_UTIL_H_
