// What a request's bytes may cost before any parser reads them, the same
// for gRPC and HTTP: how deep messages nest and how many elements (fields,
// members, items) parsing builds. A parser spends far more memory on an
// element than the element's bytes (docs/operations.md, "Memory"), so the
// elements are counted first, in one pass that allocates nothing.
#ifndef FLYTEOVERRIDE_SERVER_REQUEST_LIMITS_H_
#define FLYTEOVERRIDE_SERVER_REQUEST_LIMITS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/message.h"
#include "server/answer.h"

namespace flyteoverride::server {

struct RequestLimits {
  // Protobuf messages nested in one another (docs/operations.md).
  int max_message_depth = 4 * 64 + 32;
  // Elements parsing may build from one request.
  size_t max_elements = 2'000'000;
};

// Bytes no parser could read as the message asked for: INVALID_ARGUMENT
// with a MALFORMED_REQUEST violation.
Outcome MalformedRequest(std::string description);

// Reads protobuf `bytes` into `message` within `limits`: past max_elements
// RESOURCE_EXHAUSTED with a TOO_MANY_ELEMENTS violation, before the parse;
// unparseable bytes MALFORMED_REQUEST.
Outcome ReadProto(absl::string_view bytes, const RequestLimits& limits,
                  google::protobuf::Message* message);
// The same, of bytes that arrived in pieces (gRPC's slices), read where they
// lie: only a request large enough to need the element count is joined
// first, as the count reads one contiguous view.
Outcome ReadProto(absl::Span<const absl::string_view> pieces,
                  const RequestLimits& limits,
                  google::protobuf::Message* message);

// JSON `text` within `limits` (objects and lists nest as deep as protobuf's
// JSON parser allows, and max_elements), judged before any parser runs.
Outcome CheckJsonText(absl::string_view text, const RequestLimits& limits);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_REQUEST_LIMITS_H_
