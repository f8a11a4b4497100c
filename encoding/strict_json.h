// Strict reading of user-written JSON: which members a message type does not
// know. The protobuf JSON parser either stops at the first unknown member or
// ignores them all; users need every one reported, so the text is parsed
// leniently and checked here.
#ifndef FLYTEOVERRIDE_ENCODING_STRICT_JSON_H_
#define FLYTEOVERRIDE_ENCODING_STRICT_JSON_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::encoding {

// Dotted paths (below `prefix`; known fields by proto name) of members of
// `json` that have no field in `type` (by JSON or proto name), recursively,
// sorted. Free-form fields (google.protobuf.Struct/Value) are not judged.
// pod_template is: JSON the subset cannot represent would be lost, so it is
// refused, not dropped.
std::vector<std::string> UnknownJsonFields(
    const google::protobuf::Value& json,
    const google::protobuf::Descriptor& type, const std::string& prefix);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_STRICT_JSON_H_
