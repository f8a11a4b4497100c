// A streaming look at JSON text before any parser runs: how deep objects
// and lists nest, and how many members and items they hold. Protobuf's JSON
// parsers recurse per level, and some spend far more than linear time on
// deep google.protobuf.Value trees; and each member or item costs a parser
// a node of its own, many times its bytes ("[[],[],...]"). Text past either
// bound is refused here, in one pass and no allocation, whatever its size.
#ifndef FLYTEOVERRIDE_ENCODING_JSON_SHAPE_H_
#define FLYTEOVERRIDE_ENCODING_JSON_SHAPE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::encoding {

// Protobuf's JSON parser refuses messages nested deeper than this anyway.
inline constexpr int kMaxJsonDepth = 100;

// OK when no object or list in `text` nests deeper than `max_depth`
// (otherwise INVALID_ARGUMENT naming the byte offset where it does), and it
// has at most `max_elements` objects, lists and members or items after the
// first of each (otherwise RESOURCE_EXHAUSTED). Strings (with their escapes)
// are skipped; the text is not otherwise validated.
absl::Status CheckJsonShape(absl::string_view text,
                            int max_depth = kMaxJsonDepth,
                            size_t max_elements = static_cast<size_t>(-1));

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_JSON_SHAPE_H_
