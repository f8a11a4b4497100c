#include "encoding/json_shape.h"

#include <string>

#include "gtest/gtest.h"

namespace flyteoverride::encoding {
namespace {

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonShape, DepthUpToTheLimitPassesOneMoreIsRefused) {
  EXPECT_TRUE(CheckJsonShape(Nested(99)).ok());
  EXPECT_TRUE(CheckJsonShape(Nested(100)).ok());
  const absl::Status deeper = CheckJsonShape(Nested(101));
  EXPECT_EQ(deeper.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(deeper.message().find("at byte 100"), std::string::npos)
      << deeper;
}

TEST(JsonShape, ObjectsAndListsCountTogether) {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "{\"a\":[";
  EXPECT_EQ(CheckJsonShape(text).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckJsonShape(text, 120).ok());
}

TEST(JsonShape, BracketsInsideStringsDoNotCount) {
  const std::string text =
      "{\"x\": \"" + Nested(500) + "\\\"[[[\", \"y\": [1, 2]}";
  EXPECT_TRUE(CheckJsonShape(text, 2).ok());
}

// The hostile body of the bounded-work report: 200 KB of nested lists is
// refused at its 101st byte, not parsed for minutes.
TEST(JsonShape, AHugeNestedBodyIsRefusedAtOnce) {
  EXPECT_EQ(CheckJsonShape(Nested(100'000)).code(),
            absl::StatusCode::kInvalidArgument);
}

// "[[],[],...]": 3 bytes an element, each a parser's node of its own.
std::string EmptyLists(int lists) {
  std::string text = "[";
  for (int i = 0; i < lists; ++i) text += i == 0 ? "[]" : ",[]";
  return text + "]";
}

TEST(JsonShape, ElementsUpToTheLimitPassOneMoreIsRefused) {
  // The outer list, then each inner list and each comma.
  const std::string text = EmptyLists(500);
  EXPECT_TRUE(CheckJsonShape(text, 100, 1000).ok());
  EXPECT_TRUE(CheckJsonShape(text, 100, 1001).ok());
  const absl::Status more = CheckJsonShape(text, 100, 999);
  EXPECT_EQ(more.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(more.message().find("more than 999"), std::string::npos) << more;
}

TEST(JsonShape, MembersCountOncePerComma) {
  EXPECT_TRUE(CheckJsonShape(R"({"a": 1, "b": [1, 2], "c": "x,y,{["})", 100,
                             5)
                  .ok());
  EXPECT_FALSE(CheckJsonShape(R"({"a": 1, "b": [1, 2], "c": "x,y,{["})", 100,
                              4)
                   .ok());
}

}  // namespace
}  // namespace flyteoverride::encoding
