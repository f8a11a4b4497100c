#include "encoding/element_count.h"

#include <cstdint>

#include "encoding/wire.h"

namespace flyteoverride::encoding {
namespace {

struct Counter {
  size_t count = 0;
  size_t stop_above = 0;
};

// Counts the fields at the front of `in` down to `depth` more levels, until
// `in` ends or, inside group `group` (0: none), at its end tag. False when
// counting must stop: malformed bytes, too deep, or past the bound.
bool CountLevel(absl::string_view* in, const google::protobuf::Descriptor* type,
                uint64_t group, int depth, Counter* counter) {
  while (!in->empty()) {
    uint64_t tag = 0;
    if (!wire::ReadVarint(in, &tag)) return false;
    const int wire_type = static_cast<int>(tag & 7);
    const uint64_t number = tag >> 3;
    if (wire_type == wire::kEndGroup) return number == group && group != 0;
    if (++counter->count > counter->stop_above) return false;
    if (wire_type == wire::kStartGroup) {
      // A group's fields are kept as unknown fields, one element each.
      if (depth == 0 || !CountLevel(in, nullptr, number, depth - 1, counter))
        return false;
      continue;
    }
    absl::string_view payload;
    if (!wire::ReadValue(wire_type, in, &payload)) return false;
    if (wire_type != wire::kLengthDelimited || type == nullptr) continue;
    const google::protobuf::FieldDescriptor* field =
        type->FindFieldByNumber(static_cast<int>(number));
    if (field == nullptr ||
        field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      continue;  // bytes, a string or a packed list: bounded by its size
    }
    if (depth == 0 ||
        !CountLevel(&payload, field->message_type(), 0, depth - 1, counter)) {
      return false;
    }
  }
  return group == 0;
}

}  // namespace

size_t CountElements(absl::string_view message,
                     const google::protobuf::Descriptor& type,
                     size_t stop_above, int max_depth) {
  Counter counter;
  counter.stop_above = stop_above;
  CountLevel(&message, &type, 0, max_depth, &counter);
  return counter.count;
}

}  // namespace flyteoverride::encoding
