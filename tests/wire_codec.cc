#include "tests/wire_codec.h"

#include <cstring>
#include <utility>

#include "encoding/wire.h"
#include "gtest/gtest.h"

namespace flyteoverride::tests {

std::string Raw(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}

std::string Tag(int field, int wire_type) {
  return Raw(static_cast<uint64_t>(field) << 3 | wire_type);
}

std::string Varint(int field, uint64_t value) {
  return Tag(field, 0) + Raw(value);
}

std::string Double(int field, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  std::string out = Tag(field, 1);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
  return out;
}

std::string Str(int field, absl::string_view value) {
  return absl::StrCat(Tag(field, 2), Raw(value.size()), value);
}

std::vector<WireField> Split(absl::string_view in) {
  std::vector<WireField> fields;
  while (!in.empty()) {
    WireField f;
    uint64_t tag = 0;
    uint64_t size = 0;
    bool ok = encoding::wire::ReadVarint(&in, &tag);
    f.number = static_cast<int>(tag >> 3);
    f.wire_type = static_cast<int>(tag & 7);
    if (ok && f.wire_type == 0) {
      ok = encoding::wire::ReadVarint(&in, &f.varint);
    } else if (ok &&
               (f.wire_type == 1 || f.wire_type == 2 || f.wire_type == 5)) {
      size = f.wire_type == 1 ? 8 : 4;
      if (f.wire_type == 2) ok = encoding::wire::ReadVarint(&in, &size);
      ok = ok && size <= in.size();
      if (ok) f.bytes = std::string(in.substr(0, size));
      if (ok) in.remove_prefix(size);
    } else {
      ok = false;
    }
    if (!ok) {
      ADD_FAILURE() << "malformed protobuf bytes";
      return fields;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

void ReadWithSchema(absl::string_view bytes, const Schema& schema,
                    const std::string& prefix, std::vector<std::string>* values,
                    std::vector<std::string>* skipped) {
  for (const WireField& f : Split(bytes)) {
    const auto it = schema.fields.find(f.number);
    if (it == schema.fields.end()) {
      skipped->push_back(absl::StrCat(prefix, f.number));
      continue;
    }
    const std::string path = absl::StrCat(prefix, it->second.name);
    if (it->second.message != nullptr) {
      ReadWithSchema(f.bytes, *it->second.message, path + ".", values, skipped);
    } else {
      values->push_back(absl::StrCat(
          path, "=", f.wire_type == 0 ? absl::StrCat(f.varint) : f.bytes));
    }
  }
}

}  // namespace flyteoverride::tests
