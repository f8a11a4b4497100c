// How many elements protobuf's parser would build from a message's bytes,
// counted before it runs. A field costs the parser far more memory than its
// bytes when it is small: an empty sub-message is 2 bytes on the wire and a
// whole message object in memory, so a request's size alone does not bound
// what parsing it costs (docs/design.md section 10).
#ifndef FLYTEOVERRIDE_ENCODING_ELEMENT_COUNT_H_
#define FLYTEOVERRIDE_ENCODING_ELEMENT_COUNT_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace flyteoverride::encoding {

// Every field occurrence in `message` read as `type`, at every level:
// sub-messages (map entries included) are descended into by the
// descriptor, groups as unknown fields. Counting stops once the count
// passes `stop_above`, and at the first malformed byte (the parser refuses
// the bytes then): the result is exact only when the bytes parse and it is
// at most `stop_above`. No allocation; nesting deeper than `max_depth` stops
// counting too, as it stops the parser.
size_t CountElements(absl::string_view message,
                     const google::protobuf::Descriptor& type,
                     size_t stop_above, int max_depth);

// Every field needs at least two bytes (a tag and a value, or a group's two
// tags), so bytes of this size or less cannot hold more than `elements`.
inline size_t MaxBytesWithin(size_t elements) { return 2 * elements + 1; }

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_ELEMENT_COUNT_H_
