#include "encoding/glob.h"

#include <cstddef>

namespace flyteoverride::encoding {
namespace {

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The length of the character starting at `at` (at < text.size()).
size_t CharLength(absl::string_view text, size_t at) {
  size_t end = at + 1;
  while (end < text.size() && IsContinuation(text[end])) ++end;
  return end - at;
}

}  // namespace

// Greedy with one resume point: on a mismatch, only the latest `*` is given
// one more character. Earlier stars never need to be revisited, because
// whatever the latest star's remainder can match, it can match from any
// later start the earlier stars could have left it, so each text position is
// resumed from at most once per pattern position.
bool GlobMatches(absl::string_view pattern, absl::string_view text) {
  size_t p = 0, t = 0;
  size_t star = absl::string_view::npos;  // just after the latest `*`
  size_t resume = 0;  // where the text restarts after that star
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = ++p;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == '?') {
      ++p;
      t += CharLength(text, t);
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      resume += CharLength(text, resume);
      p = star;
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace flyteoverride::encoding
