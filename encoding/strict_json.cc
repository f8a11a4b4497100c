#include "encoding/strict_json.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace flyteoverride::encoding {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Value;

bool IsFreeForm(const Descriptor& type) {
  return type.file()->name() == "google/protobuf/struct.proto";
}

// The JSON parser accepts a field's camelCase JSON name and its proto name.
const FieldDescriptor* FindField(const Descriptor& type,
                                 const std::string& key) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (field->json_name() == key || field->name() == key) return field;
  }
  return nullptr;
}

void Walk(const Value& json, const Descriptor& type, const std::string& path,
          std::vector<std::string>* out) {
  // Type mismatches are the JSON parser's to report.
  if (IsFreeForm(type) || !json.has_struct_value()) return;
  for (const auto& [key, child] : json.struct_value().fields()) {
    const FieldDescriptor* field = FindField(type, key);
    // Known fields by their proto name, as violations name them elsewhere.
    const std::string& name = field == nullptr ? key : field->name();
    const std::string child_path =
        path.empty() ? name : absl::StrCat(path, ".", name);
    if (field == nullptr) {
      out->push_back(child_path);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (field->is_map()) {
      const FieldDescriptor* value = field->message_type()->map_value();
      if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          !child.has_struct_value()) {
        continue;
      }
      for (const auto& [map_key, entry] : child.struct_value().fields()) {
        Walk(entry, *value->message_type(),
             absl::StrCat(child_path, "[", map_key, "]"), out);
      }
    } else if (field->is_repeated()) {
      for (int i = 0; i < child.list_value().values_size(); ++i) {
        Walk(child.list_value().values(i), *field->message_type(),
             absl::StrCat(child_path, "[", i, "]"), out);
      }
    } else {
      Walk(child, *field->message_type(), child_path, out);
    }
  }
}

}  // namespace

std::vector<std::string> UnknownJsonFields(const Value& json,
                                           const Descriptor& type,
                                           const std::string& prefix) {
  std::vector<std::string> out;
  Walk(json, type, prefix, &out);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace flyteoverride::encoding
