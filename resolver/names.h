// Grammars for the names users write: hook names and environment keys, and
// "did you mean" suggestions for misspelled hook names.
#ifndef FLYTEOVERRIDE_RESOLVER_NAMES_H_
#define FLYTEOVERRIDE_RESOLVER_NAMES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace flyteoverride::resolver {

inline constexpr size_t kMaxHookNameLength = 128;

// A hook name is 1-128 characters of [A-Za-z0-9_.-], starting with a letter
// or digit. Returns an empty string when valid, else why not.
std::string HookNameProblem(absl::string_view name);

// `name` made a hook name, for implicit hooks named after NodeMetadata.name:
// every character outside [A-Za-z0-9_.-] becomes '_', leading characters
// that are not a letter or digit go, and it is cut at kMaxHookNameLength.
// "" when nothing is left.
std::string NormalizeHookName(absl::string_view name);

// An environment key is a C identifier ([A-Za-z_][A-Za-z0-9_]*), the form
// every shell and Kubernetes' own tooling accepts without quoting.
bool IsValidEnvironmentKey(absl::string_view key);

// Up to `max_results` of `candidates` closest to `name` by edit distance, for
// names close enough to be a plausible typo; closest first, ties by name.
std::vector<std::string> ClosestNames(
    absl::string_view name, const std::vector<std::string>& candidates,
    size_t max_results = 3);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_NAMES_H_
