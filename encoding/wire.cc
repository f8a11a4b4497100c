#include "encoding/wire.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace flyteoverride::encoding::wire {

bool ReadValue(int wire_type, absl::string_view* in,
               absl::string_view* payload) {
  uint64_t size = 0;
  switch (wire_type) {
    case kVarint:
      return ReadVarint(in, &size);
    case kFixed64:
    case kFixed32:
      size = wire_type == kFixed64 ? 8 : 4;
      break;
    case kLengthDelimited:
      if (!ReadVarint(in, &size)) return false;
      break;
    default:
      return false;
  }
  if (size > in->size()) return false;
  if (wire_type == kLengthDelimited) *payload = in->substr(0, size);
  in->remove_prefix(size);
  return true;
}

namespace {

// Removes a group's fields and its end tag from the front of `in`. Parsers
// keep a group as one unknown field, so it is copied whole. False when it is
// truncated, mismatched or nested deeper than protobuf's own limit.
bool SkipGroup(int number, absl::string_view* in) {
  std::vector<uint64_t> open = {static_cast<uint64_t>(number)};
  while (!open.empty()) {
    uint64_t tag = 0;
    absl::string_view payload;
    if (!ReadVarint(in, &tag) || (tag >> 3) == 0) return false;
    if ((tag & 7) == kStartGroup) {
      if (open.size() >= 100) return false;
      open.push_back(tag >> 3);
    } else if ((tag & 7) == kEndGroup) {
      if (open.back() != (tag >> 3)) return false;
      open.pop_back();
    } else if (!ReadValue(static_cast<int>(tag & 7), in, &payload)) {
      return false;
    }
  }
  return true;
}

void AppendVarint(uint64_t value, std::string* out) {
  for (; value >= 0x80; value >>= 7)
    out->push_back(static_cast<char>(value | 0x80));
  out->push_back(static_cast<char>(value));
}

}  // namespace

bool ReadVarint(absl::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

absl::StatusOr<std::vector<Field>> Split(absl::string_view message) {
  std::vector<Field> fields;
  absl::string_view in = message;
  while (!in.empty()) {
    const char* const start = in.data();
    uint64_t tag = 0;
    // A group's end with no start, or wire type 6 or 7, is no field.
    if (!ReadVarint(&in, &tag) || (tag >> 3) == 0 || (tag >> 3) >= (1u << 29) ||
        (tag & 7) == kEndGroup || (tag & 7) > kFixed32) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed protobuf tag at byte ", start - message.data()));
    }
    Field field;
    field.number = static_cast<int>(tag >> 3);
    field.wire_type = static_cast<int>(tag & 7);
    const bool ok = field.wire_type == kStartGroup
                        ? SkipGroup(field.number, &in)
                        : ReadValue(field.wire_type, &in, &field.payload);
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("protobuf field ", field.number, " is truncated"));
    }
    field.whole = absl::string_view(start, in.data() - start);
    if (field.wire_type != kLengthDelimited) field.number = 0;
    fields.push_back(field);
  }
  return fields;
}

int Count(const std::vector<Field>& fields,
          std::initializer_list<int> numbers) {
  return static_cast<int>(
      std::count_if(fields.begin(), fields.end(), [&](const Field& f) {
        return std::find(numbers.begin(), numbers.end(), f.number) !=
               numbers.end();
      }));
}

void AppendLengthDelimited(int number, absl::string_view payload,
                           std::string* out) {
  AppendVarint(static_cast<uint64_t>(number) << 3 | kLengthDelimited, out);
  AppendVarint(payload.size(), out);
  out->append(payload.data(), payload.size());
}

}  // namespace flyteoverride::encoding::wire
