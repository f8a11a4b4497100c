// Glob patterns over short names: `*` matches any run of characters (none
// too), `?` exactly one, everything else itself; the whole text must match.
// Used for protected and secret environment keys and for the principals,
// groups, projects and domains of authorization rules.
//
// A character is one UTF-8 sequence (a lead byte and its continuation
// bytes; a stray byte counts alone), so `?` matches "é" whole. Matching is
// case-sensitive and takes O(|pattern| * |text|) time at worst, whatever the
// pattern (no backtracking blow-up on `a*a*a*...b`), in constant memory.
#ifndef FLYTEOVERRIDE_ENCODING_GLOB_H_
#define FLYTEOVERRIDE_ENCODING_GLOB_H_

#include "absl/strings/string_view.h"

namespace flyteoverride::encoding {

bool GlobMatches(absl::string_view pattern, absl::string_view text);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_GLOB_H_
