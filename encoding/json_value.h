// JSON text (RFC 8259) read straight into a google.protobuf.Value, in one
// pass. Protobuf's own JsonStringToMessage reaches a Value through its
// type-driven converter (text to wire bytes, then a parse of those), which
// costs several times the text's own reading; the HTTP API reads every
// body this way once and takes everything else from the tree.
#ifndef FLYTEOVERRIDE_ENCODING_JSON_VALUE_H_
#define FLYTEOVERRIDE_ENCODING_JSON_VALUE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "encoding/json_shape.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::encoding {

// The value `text` holds, or INVALID_ARGUMENT naming the byte offset of the
// first thing that is not JSON: bad syntax, text after the value, invalid
// UTF-8 or a lone surrogate, a number beyond a double's range, or objects
// and lists nested deeper than `max_depth`, or a member named twice in one
// object (protobuf's parser refuses that too).
absl::StatusOr<google::protobuf::Value> ParseJson(
    absl::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_JSON_VALUE_H_
