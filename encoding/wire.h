// The protobuf wire format, one message level at a time: enough to copy a
// message's fields byte for byte, drop some and replace others, without
// parsing (and so re-ordering) what is left alone. Pure; no allocation beyond
// the vectors and strings returned.
#ifndef FLYTEOVERRIDE_ENCODING_WIRE_H_
#define FLYTEOVERRIDE_ENCODING_WIRE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::encoding::wire {

enum WireType : int {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// One field of one message level. Views point into the split bytes.
struct Field {
  int number = 0;
  int wire_type = 0;
  absl::string_view whole;    // tag and value, exactly as in the input
  absl::string_view payload;  // the bytes of a length-delimited value
};

// Reads one base-128 varint from the front of `in` and removes it. False
// when `in` ends inside it or it runs past 64 bits.
bool ReadVarint(absl::string_view* in, uint64_t* value);

// Removes the value of a varint, fixed or length-delimited field from the
// front of `in` (`payload`: a length-delimited field's bytes). False when it
// is truncated or the wire type is none of those.
bool ReadValue(int wire_type, absl::string_view* in,
               absl::string_view* payload);

// The fields of one message level, in wire order; a group (wire types 3 and
// 4, which flyteidl never writes) is one field. Truncated input is an error. Every field
// the editors here replace or recurse into is a message, so a field that is
// not length-delimited reads as number 0: parsers keep it aside as an unknown
// field whatever its number, and it is copied as it stands.
absl::StatusOr<std::vector<Field>> Split(absl::string_view message);

// How many of `fields` have one of `numbers`: a singular field, or a oneof,
// that occurs more than once is merged by parsers (the last member wins), so
// its bytes cannot be edited one occurrence at a time.
int Count(const std::vector<Field>& fields, std::initializer_list<int> numbers);

// Appends a length-delimited field `number` holding `payload`.
void AppendLengthDelimited(int number, absl::string_view payload,
                           std::string* out);

}  // namespace flyteoverride::encoding::wire

#endif  // FLYTEOVERRIDE_ENCODING_WIRE_H_
