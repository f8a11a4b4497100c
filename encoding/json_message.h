// Messages to and from google.protobuf.Value trees under proto3's JSON
// mapping, by reflection, without the text in between. The HTTP API parses
// a body once (encoding/json_value.h) and takes the request, the closure
// and the overlay from the tree; protobuf's own route from a tree to a
// message prints the tree and parses the text again.
//
// Fields of types the service's protos do not use (float, double, bytes,
// and well-known types other than Struct, Value and ListValue) take
// protobuf's own converter for their subtree, so the mapping stays exactly
// protobuf's for them too.
#ifndef FLYTEOVERRIDE_ENCODING_JSON_MESSAGE_H_
#define FLYTEOVERRIDE_ENCODING_JSON_MESSAGE_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::encoding {

// Struct, Value and ListValue: free-form JSON, mapped as it is.
bool IsStructType(const google::protobuf::Descriptor& type);

// The field a JSON member names: by its JSON (camelCase) name or its proto
// name, as protobuf's parser takes either. Null when none does.
const google::protobuf::FieldDescriptor* FieldNamed(
    const google::protobuf::Descriptor& type, const std::string& key);

// Merges `json` into `out` as protobuf's JSON parser does with
// ignore_unknown_fields: members no field declares are skipped, and so are
// enum names no value has. Members may use the JSON (camelCase) or the
// proto name. Anything else that does not fit is INVALID_ARGUMENT naming
// the member's path; a field named twice (by both names) or two members of
// one oneof are refused too.
absl::Status MessageFromJson(const google::protobuf::Value& json,
                             google::protobuf::Message* out);

// `message` as protobuf's JSON printer writes it (camelCase names, enums by
// name, 64-bit integers as strings, fields without presence left out at
// their defaults), as a tree.
google::protobuf::Value MessageToJson(const google::protobuf::Message& message);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_JSON_MESSAGE_H_
