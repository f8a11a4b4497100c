#include "encoding/glob.h"

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace flyteoverride::encoding {
namespace {

struct Case {
  const char* pattern;
  const char* text;
  bool matches;
};

class GlobTest : public testing::TestWithParam<Case> {};

TEST_P(GlobTest, MatchesWholeText) {
  const Case& c = GetParam();
  EXPECT_EQ(GlobMatches(c.pattern, c.text), c.matches)
      << "pattern \"" << c.pattern << "\", text \"" << c.text << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Table, GlobTest,
    testing::Values(
        Case{"", "", true}, Case{"", "a", false}, Case{"*", "", true},
        Case{"*", "anything at all", true}, Case{"**", "", true},
        Case{"?", "", false}, Case{"?", "a", true}, Case{"?", "ab", false},
        Case{"abc", "abc", true}, Case{"abc", "abcd", false},
        Case{"abc", "xabc", false}, Case{"ABC", "abc", false},
        Case{"*_TOKEN", "GITHUB_TOKEN", true},
        Case{"*_TOKEN", "_TOKEN", true}, Case{"*_TOKEN", "TOKEN", false},
        Case{"*_TOKEN", "GITHUB_TOKENS", false},
        Case{"ml-*", "ml-vision", true}, Case{"ml-*", "ml-", true},
        Case{"ml-*", "xml-vision", false},
        Case{"A.B?*", "A.BC", true}, Case{"A.B?*", "AXBC", false},
        Case{"A.B?*", "A.B", false},
        Case{"a*b*c", "abc", true}, Case{"a*b*c", "aXbYc", true},
        Case{"a*b*c", "acb", false}, Case{"a*bc", "abcbc", true},
        Case{"a*bc", "abcbd", false}, Case{"*a*", "bab", true},
        Case{"spiffe://cluster.local/ns/*/sa/flyte*",
             "spiffe://cluster.local/ns/flyte/sa/flytepropeller", true},
        Case{"spiffe://cluster.local/ns/*/sa/flyte*",
             "spiffe://cluster.local/ns/flyte/sa/admin", false},
        // A character is a UTF-8 sequence: `?` takes "é" (two bytes) whole.
        Case{"caf?", "caf\xc3\xa9", true}, Case{"caf??", "caf\xc3\xa9", false},
        Case{"*\xc3\xa9", "caf\xc3\xa9", true},
        Case{"?*?", "\xc3\xa9", false}, Case{"?\xa9", "\xc3\xa9", false},
        // Line breaks are characters like any other.
        Case{"FLYTE_*", "FLYTE_\nX", true}));

// A pattern that makes backtracking matchers take exponential time must
// stay linear-ish here: 30 stars against 200 000 characters.
TEST(Glob, HostilePatternStaysFast) {
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "a*";
  pattern += "b";
  const std::string text(200000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatches(pattern, text));
  EXPECT_TRUE(GlobMatches(pattern, text + "b"));
  // Alternating stars and `?` resumed at every position.
  EXPECT_FALSE(GlobMatches(absl::StrCat("*?*?*?*?*?*", pattern), text));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

}  // namespace
}  // namespace flyteoverride::encoding
