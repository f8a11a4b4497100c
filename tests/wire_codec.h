// A hand-written protobuf wire-format encoder and decoder, independent of the
// generated serializers it is used to check. Encoding: each function returns
// one encoded field (tag, then payload); a message is its fields
// concatenated, so Msg(number, fields...) nests a message built from
// `fields`. Decoding: Split() one message level into its fields, or
// ReadWithSchema() as a reader that knows only some field numbers would.
// Test-only; pure functions, thread-safe.
#ifndef FLYTEOVERRIDE_TESTS_WIRE_CODEC_H_
#define FLYTEOVERRIDE_TESTS_WIRE_CODEC_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::tests {

// A base-128 varint, without a tag.
std::string Raw(uint64_t v);
// A field's key: (field << 3) | wire_type, as a varint.
std::string Tag(int field, int wire_type);
// Wire type 0.
std::string Varint(int field, uint64_t value);
// Wire type 1, the IEEE 754 bits little-endian.
std::string Double(int field, double value);
// Wire type 2: a string, bytes or an already encoded message.
std::string Str(int field, absl::string_view value);
// Wire type 2: a message made of `fields`, each already encoded.
template <typename... Fields>
std::string Msg(int field, const Fields&... fields) {
  return Str(field, absl::StrCat(fields...));
}

// One field of one message level, as a hand-written decoder sees it.
struct WireField {
  int number = 0;
  int wire_type = 0;
  uint64_t varint = 0;
  std::string bytes;  // length-delimited payload, or the fixed32/64 bytes
};

// Splits one message level into its fields, in wire order. Malformed bytes
// fail the current test and return the fields read before them.
std::vector<WireField> Split(absl::string_view in);

// A hand-written reader's knowledge of one message: the fields it knows, by
// number; `message` is the nested schema of a message field.
struct Schema {
  struct Field {
    const char* name;
    const Schema* message = nullptr;
  };
  std::map<int, Field> fields;
};

// Reads `bytes` knowing only `schema`: "path=value" per leaf in wire order
// (varints as numbers), and the paths of the fields it had to skip.
void ReadWithSchema(absl::string_view bytes, const Schema& schema,
                    const std::string& prefix, std::vector<std::string>* values,
                    std::vector<std::string>* skipped);

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_WIRE_CODEC_H_
