// Strict reading of user-written JSON against a message type. The protobuf
// JSON parser stops at the first problem, or, told to ignore unknown
// fields, silently drops them and unknown enum values too; it also takes one
// field under two spellings (last wins) and a single object where a list
// belongs. Users need every problem reported, so the text is first parsed
// leniently into a google.protobuf.Value and judged here.
#ifndef FLYTEOVERRIDE_ENCODING_STRICT_JSON_H_
#define FLYTEOVERRIDE_ENCODING_STRICT_JSON_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::encoding {

struct JsonProblem {
  enum class Kind {
    kUnknownField,    // a member the type does not declare
    kDuplicateField,  // one field under its JSON and its proto name
    kWrongType,       // a value of the wrong JSON type or form
    kBadEnumValue,    // a name the enum does not declare
  };
  Kind kind;
  // Below the prefix given; known fields by proto name, list items and map
  // entries in brackets: "resources.requests[0].name".
  std::string path;
  // What was wrong and what was expected. For kUnknownField, the fields the
  // enclosing message has instead ("ResourceEntry has name, value").
  std::string detail;

  // "UNKNOWN_FIELD", "DUPLICATE_FIELD", "WRONG_TYPE", "BAD_ENUM_VALUE".
  const char* reason() const;
};

// Every problem of `json` read as `type`, sorted by path. Free-form fields
// (google.protobuf.Struct/Value) are not judged; pod_template is: JSON the
// subset cannot represent would be lost, so it is refused, not dropped.
std::vector<JsonProblem> CheckJson(const google::protobuf::Value& json,
                                   const google::protobuf::Descriptor& type,
                                   const std::string& prefix);

// Only the unknown members' paths, sorted.
std::vector<std::string> UnknownJsonFields(
    const google::protobuf::Value& json,
    const google::protobuf::Descriptor& type, const std::string& prefix);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_STRICT_JSON_H_
