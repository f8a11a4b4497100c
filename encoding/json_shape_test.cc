#include "encoding/json_shape.h"

#include <string>

#include "gtest/gtest.h"

namespace flyteoverride::encoding {
namespace {

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonShape, DepthUpToTheLimitPassesOneMoreIsRefused) {
  EXPECT_TRUE(CheckJsonDepth(Nested(99)).ok());
  EXPECT_TRUE(CheckJsonDepth(Nested(100)).ok());
  const absl::Status deeper = CheckJsonDepth(Nested(101));
  EXPECT_EQ(deeper.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(deeper.message().find("at byte 100"), std::string::npos)
      << deeper;
}

TEST(JsonShape, ObjectsAndListsCountTogether) {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "{\"a\":[";
  EXPECT_EQ(CheckJsonDepth(text).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckJsonDepth(text, 120).ok());
}

TEST(JsonShape, BracketsInsideStringsDoNotCount) {
  const std::string text =
      "{\"x\": \"" + Nested(500) + "\\\"[[[\", \"y\": [1, 2]}";
  EXPECT_TRUE(CheckJsonDepth(text, 2).ok());
}

// The hostile body of the bounded-work report: 200 KB of nested lists is
// refused at its 101st byte, not parsed for minutes.
TEST(JsonShape, AHugeNestedBodyIsRefusedAtOnce) {
  EXPECT_EQ(CheckJsonDepth(Nested(100'000)).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyteoverride::encoding
