#include "resolver/names.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace flyteoverride::resolver {
namespace {

bool IsHookChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.' || c == '-';
}

// Case-insensitive Levenshtein distance; two rows, so memory is O(|b|).
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same =
          absl::ascii_tolower(static_cast<unsigned char>(a[i - 1])) ==
          absl::ascii_tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string NormalizeHookName(absl::string_view name) {
  std::string out;
  for (char c : name) {
    if (out.empty() && !absl::ascii_isalnum(static_cast<unsigned char>(c)))
      continue;
    out += IsHookChar(c) ? c : '_';
    if (out.size() == kMaxHookNameLength) break;
  }
  return out;
}

std::string HookNameProblem(absl::string_view name) {
  if (name.empty()) return "a hook name must not be empty";
  if (name.size() > kMaxHookNameLength) {
    return absl::StrCat("a hook name has at most ", kMaxHookNameLength,
                        " characters, this one has ", name.size());
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) {
    return "a hook name starts with a letter or digit";
  }
  for (char c : name) {
    if (!IsHookChar(c)) {
      return "a hook name has only letters, digits, '_', '.' and '-'";
    }
  }
  return "";
}

bool IsValidEnvironmentKey(absl::string_view key) {
  if (key.empty()) return false;
  const auto first = static_cast<unsigned char>(key[0]);
  if (!absl::ascii_isalpha(first) && first != '_') return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::vector<std::string> ClosestNames(
    absl::string_view name, const std::vector<std::string>& candidates,
    size_t max_results) {
  // A typo changes a few characters; beyond a third of the name it is more
  // likely a different name than a misspelling.
  const size_t budget = std::max<size_t>(2, name.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const std::string& candidate : candidates) {
    // Length difference bounds the distance from below: skip the DP cheaply.
    const size_t gap = candidate.size() > name.size()
                           ? candidate.size() - name.size()
                           : name.size() - candidate.size();
    if (gap > budget) continue;
    const size_t distance = EditDistance(name, candidate);
    if (distance <= budget) scored.emplace_back(distance, candidate);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> result;
  for (auto& [distance, candidate] : scored) {
    if (result.size() == max_results) break;
    result.push_back(std::move(candidate));
  }
  return result;
}

}  // namespace flyteoverride::resolver
