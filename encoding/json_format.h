// Deterministic encodings of messages. Protobuf's map iteration order is
// seeded per process, so plain serialization of a message with maps differs
// from run to run; these sort map entries, so equal messages give equal bytes.
#ifndef FLYTEOVERRIDE_ENCODING_JSON_FORMAT_H_
#define FLYTEOVERRIDE_ENCODING_JSON_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace flyteoverride::encoding {

// Binary wire bytes with map entries sorted by key.
std::string DeterministicBytes(const google::protobuf::Message& message);

// `text` as a JSON string literal, quotes included.
std::string JsonQuoted(absl::string_view text);

// proto3 JSON (camelCase names), map keys in sorted order; `pretty` indents.
std::string DeterministicJson(const google::protobuf::Message& message,
                              bool pretty);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_JSON_FORMAT_H_
