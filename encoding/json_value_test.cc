#include "encoding/json_value.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace flyteoverride::encoding {
namespace {

using google::protobuf::Value;

// What protobuf's own parser makes of `text`; ParseJson must agree.
void ExpectSameAsProtobuf(const std::string& text) {
  Value expected;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &expected).ok())
      << text;
  absl::StatusOr<Value> got = ParseJson(text);
  ASSERT_TRUE(got.ok()) << got.status() << "\n" << text;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(expected, *got))
      << text << "\nprotobuf: " << expected.DebugString()
      << "\nours: " << got->DebugString();
}

TEST(ParseJson, AgreesWithProtobufOnValidDocuments) {
  for (const char* text : {
           R"({})", R"([])", R"("")", "0", "-0", "1.5e3", "-2E-2", "true",
           "false", "null", R"({"a": [1, "x", null, {"b": false}], "c": {}})",
           " \t\n\r{ \"k\" : [ ] } \n",
           R"("esc: \" \\ \/ \b \f \n \r \t \u00e9 \u20AC \ud83d\ude00")",
           "\"raw UTF-8: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
           "123456789012345678", "1e308", "0.000001",
       }) {
    ExpectSameAsProtobuf(text);
  }
}

TEST(ParseJson, RefusesAMemberNamedTwiceAsProtobufDoes) {
  const std::string text = R"({"a": {"x": 1}, "a": [2]})";
  Value ignored;
  EXPECT_FALSE(google::protobuf::util::JsonStringToMessage(text, &ignored).ok());
  absl::StatusOr<Value> got = ParseJson(text);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(absl::StrContains(got.status().message(),
                                "byte 16: the member \"a\" appears twice"))
      << got.status();
}

TEST(ParseJson, DecodesEscapesAndSurrogatePairs) {
  absl::StatusOr<Value> got = ParseJson(R"("\u0041\u00e9\ud83d\ude00\n")");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->string_value(), "A\xc3\xa9\xf0\x9f\x98\x80\n");
}

TEST(ParseJson, RefusesWhatIsNotJsonNamingTheByte) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "byte 0"},
      {"{", "byte 1"},
      {R"({"a" 1})", "byte 5: expected ':'"},
      {R"({"a": 1,})", "byte 8: expected a member name"},
      {"[1,]", "byte 3"},
      {"[1 2]", "byte 3: expected ','"},
      {"01", "byte 1: text after"},
      {"1.", "byte 2"},
      {"-", "byte 0"},
      {"+1", "byte 0"},
      {".5", "byte 0"},
      {"1e", "byte 2"},
      {"1e400", "beyond a double's range"},
      {"tru", "byte 0"},
      {"nul", "byte 0"},
      {"NaN", "byte 0"},
      {"{} {}", "byte 3: text after"},
      {"\"a\nb\"", "byte 2: a control character"},
      {R"("\x")", "byte 2: an unknown escape"},
      {R"("\u12")", "a short \\u escape"},
      {R"("\u12g4")", "a bad \\u escape"},
      {R"("\ud83d")", "a lone high surrogate"},
      {R"("\ud83dx")", "a lone high surrogate"},
      {R"("\ude00")", "a lone low surrogate"},
      {"\"\xff\"", "byte 1: invalid UTF-8"},
      {"\"\xc0\xaf\"", "invalid UTF-8"},          // overlong '/'
      {"\"\xed\xa0\x80\"", "invalid UTF-8"},      // a surrogate, encoded
      {"\"\xf4\x90\x80\x80\"", "invalid UTF-8"},  // past U+10FFFF
      {"\"\xe2\x82\"", "invalid UTF-8"},          // cut short
      {"\"abc", "the text ends inside a string"},
  };
  for (const auto& [text, message] : cases) {
    absl::StatusOr<Value> got = ParseJson(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(got.status().message(), message))
        << text << ": " << got.status();
  }
}

std::string Nested(int depth) {
  return absl::StrCat(std::string(depth, '['), std::string(depth, ']'));
}

TEST(ParseJson, NestingStopsAtTheLimitWithoutRecursingFurther) {
  EXPECT_TRUE(ParseJson(Nested(100)).ok());
  absl::StatusOr<Value> deep = ParseJson(Nested(101));
  ASSERT_FALSE(deep.ok());
  EXPECT_TRUE(absl::StrContains(deep.status().message(),
                                "byte 100: objects and lists nest deeper than 100"))
      << deep.status();
  EXPECT_TRUE(ParseJson(Nested(3), 3).ok());
  EXPECT_FALSE(ParseJson(Nested(4), 3).ok());
  // Far past any stack: refused at the limit, not by a crash.
  EXPECT_FALSE(ParseJson(std::string(1'000'000, '[')).ok());
  EXPECT_FALSE(ParseJson(std::string(1'000'000, '{')).ok());
}

}  // namespace
}  // namespace flyteoverride::encoding
