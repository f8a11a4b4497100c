#include "encoding/json_message.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "encoding/json_value.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/json_util.h"

namespace flyteoverride::encoding {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::Value;

// Whether this file maps `field` itself: not floating point, bytes, or a
// well-known type beyond struct.proto's, whose JSON forms it leaves to
// protobuf.
bool FieldMappedHere(const FieldDescriptor& field) {
  if (field.is_map()) return FieldMappedHere(*field.message_type()->map_value());
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return false;
    case FieldDescriptor::CPPTYPE_STRING:
      return field.type() != FieldDescriptor::TYPE_BYTES;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return IsStructType(*field.message_type()) ||
             !absl::StartsWith(field.message_type()->full_name(),
                               "google.protobuf.");
    default:
      return true;
  }
}

bool MappedHere(const Descriptor& type) {
  for (int i = 0; i < type.field_count(); ++i)
    if (!FieldMappedHere(*type.field(i))) return false;
  return true;
}

absl::Status Bad(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

// A whole number in [min, max] from a JSON number or a string holding one.
absl::Status Integer(const Value& json, double min, double max,
                     absl::string_view path, int64_t* signed_out,
                     uint64_t* unsigned_out) {
  if (json.has_string_value()) {
    if (signed_out != nullptr && absl::SimpleAtoi(json.string_value(), signed_out) &&
        *signed_out >= min && *signed_out <= max) {
      return absl::OkStatus();
    }
    if (unsigned_out != nullptr &&
        absl::SimpleAtoi(json.string_value(), unsigned_out) &&
        *unsigned_out <= max) {
      return absl::OkStatus();
    }
  }
  double number;
  if (json.has_number_value()) {
    number = json.number_value();
  } else if (!json.has_string_value() ||
             !absl::SimpleAtod(json.string_value(), &number)) {
    return Bad(path, "expected an integer");
  }
  // `max` as a double rounds 2^63-1 up to 2^63, hence the strict bound.
  if (!std::isfinite(number) || number != std::floor(number) || number < min ||
      number > max || (max > 9e18 && number >= max)) {
    return Bad(path, "expected an integer in range");
  }
  if (signed_out != nullptr) *signed_out = static_cast<int64_t>(number);
  if (unsigned_out != nullptr) *unsigned_out = static_cast<uint64_t>(number);
  return absl::OkStatus();
}

class Reader {
 public:
  absl::Status Message(const Value& json, google::protobuf::Message* out,
                       const std::string& path) {
    const Descriptor& type = *out->GetDescriptor();
    if (IsStructType(type)) return StructType(json, out, path);
    if (!json.has_struct_value()) return Bad(path, "expected an object");
    if (!MappedHere(type)) return ByProtobuf(json, out, path);
    const Reflection& reflection = *out->GetReflection();
    for (const auto& [key, member] : json.struct_value().fields()) {
      const FieldDescriptor* field = FieldNamed(type, key);
      if (field == nullptr) continue;
      const std::string child = path.empty() ? key : absl::StrCat(path, ".", key);
      const bool null_is_value =
          field->message_type() != nullptr &&
          field->message_type()->full_name() == "google.protobuf.Value";
      if (member.has_null_value() && !null_is_value) continue;
      if (Set(field, reflection, *out)) {
        return Bad(child, field->real_containing_oneof() != nullptr
                              ? "a second member of one oneof"
                              : "the field is given twice");
      }
      absl::Status status;
      if (field->is_map()) {
        status = Map(member, field, out, child);
      } else if (field->is_repeated()) {
        status = List(member, field, out, child);
      } else {
        status = Single(member, field, out, child);
      }
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  // Whether `field` (or its oneof) already holds something from this object.
  static bool Set(const FieldDescriptor* field, const Reflection& reflection,
                  const google::protobuf::Message& message) {
    if (field->is_repeated()) return reflection.FieldSize(message, field) > 0;
    if (field->real_containing_oneof() != nullptr)
      return reflection.HasOneof(message, field->real_containing_oneof());
    return field->has_presence() && reflection.HasField(message, field);
  }

  static absl::Status StructType(const Value& json,
                                 google::protobuf::Message* out,
                                 const std::string& path) {
    const std::string& name = out->GetDescriptor()->full_name();
    if (name == "google.protobuf.Value") {
      out->CopyFrom(json);
    } else if (name == "google.protobuf.Struct" && json.has_struct_value()) {
      out->CopyFrom(json.struct_value());
    } else if (name == "google.protobuf.ListValue" && json.has_list_value()) {
      out->CopyFrom(json.list_value());
    } else {
      return Bad(path, absl::StrCat("expected JSON for ", name));
    }
    return absl::OkStatus();
  }

  static absl::Status ByProtobuf(const Value& json,
                                 google::protobuf::Message* out,
                                 const std::string& path) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    std::unique_ptr<google::protobuf::Message> part(out->New());
    const auto status = google::protobuf::util::JsonStringToMessage(
        DeterministicJson(json, false), part.get(), options);
    if (!status.ok()) return Bad(path, std::string(status.message()));
    out->MergeFrom(*part);
    return absl::OkStatus();
  }

  absl::Status Map(const Value& json, const FieldDescriptor* field,
                   google::protobuf::Message* out, const std::string& path) {
    if (!json.has_struct_value()) return Bad(path, "expected an object");
    const Reflection& reflection = *out->GetReflection();
    const FieldDescriptor* key_field = field->message_type()->map_key();
    const FieldDescriptor* value_field = field->message_type()->map_value();
    for (const auto& [key, member] : json.struct_value().fields()) {
      const std::string child = absl::StrCat(path, "[", key, "]");
      if (member.has_null_value()) return Bad(child, "a map value is null");
      google::protobuf::Message* entry = reflection.AddMessage(out, field);
      Value key_json;
      key_json.set_string_value(key);
      absl::Status status = Single(key_json, key_field, entry, child);
      if (status.ok()) status = Single(member, value_field, entry, child);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status List(const Value& json, const FieldDescriptor* field,
                    google::protobuf::Message* out, const std::string& path) {
    if (!json.has_list_value()) return Bad(path, "expected a list");
    const auto& items = json.list_value().values();
    for (int i = 0; i < items.size(); ++i) {
      const std::string child = absl::StrCat(path, "[", i, "]");
      if (items[i].has_null_value() &&
          (field->message_type() == nullptr ||
           field->message_type()->full_name() != "google.protobuf.Value")) {
        return Bad(child, "a list item is null");
      }
      absl::Status status = Scalar(items[i], field, out, child, true);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status Single(const Value& json, const FieldDescriptor* field,
                      google::protobuf::Message* out, const std::string& path) {
    return Scalar(json, field, out, path, false);
  }

  // One value of `field`: the field itself, or one more item of it.
  absl::Status Scalar(const Value& json, const FieldDescriptor* field,
                      google::protobuf::Message* out, const std::string& path,
                      bool add) {
    const Reflection& r = *out->GetReflection();
    int64_t s = 0;
    uint64_t u = 0;
    absl::Status status;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        status = Integer(json, std::numeric_limits<int32_t>::min(),
                         std::numeric_limits<int32_t>::max(), path, &s, nullptr);
        if (status.ok())
          add ? r.AddInt32(out, field, s) : r.SetInt32(out, field, s);
        return status;
      case FieldDescriptor::CPPTYPE_INT64:
        status = Integer(json, -9223372036854775808.0, 9223372036854775807.0,
                         path, &s, nullptr);
        if (status.ok())
          add ? r.AddInt64(out, field, s) : r.SetInt64(out, field, s);
        return status;
      case FieldDescriptor::CPPTYPE_UINT32:
        status = Integer(json, 0, std::numeric_limits<uint32_t>::max(), path,
                         nullptr, &u);
        if (status.ok())
          add ? r.AddUInt32(out, field, u) : r.SetUInt32(out, field, u);
        return status;
      case FieldDescriptor::CPPTYPE_UINT64:
        status = Integer(json, 0, 18446744073709551615.0, path, nullptr, &u);
        if (status.ok())
          add ? r.AddUInt64(out, field, u) : r.SetUInt64(out, field, u);
        return status;
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool b;
        if (json.has_bool_value()) {
          b = json.bool_value();
        } else if (!json.has_string_value() ||
                   !absl::SimpleAtob(json.string_value(), &b)) {
          return Bad(path, "expected true or false");
        }
        add ? r.AddBool(out, field, b) : r.SetBool(out, field, b);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_STRING:
        if (!json.has_string_value()) return Bad(path, "expected a string");
        add ? r.AddString(out, field, json.string_value())
            : r.SetString(out, field, json.string_value());
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (json.has_string_value()) {
          const EnumValueDescriptor* value =
              field->enum_type()->FindValueByName(json.string_value());
          // Unknown names are skipped, as unknown members are.
          if (value == nullptr) return absl::OkStatus();
          s = value->number();
        } else {
          status = Integer(json, std::numeric_limits<int32_t>::min(),
                           std::numeric_limits<int32_t>::max(), path, &s,
                           nullptr);
          if (!status.ok()) return status;
        }
        add ? r.AddEnumValue(out, field, s) : r.SetEnumValue(out, field, s);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Message(json,
                       add ? r.AddMessage(out, field)
                           : r.MutableMessage(out, field),
                       path);
      default:
        return Bad(path, "a field of a type this reader does not map");
    }
  }
};

// The JSON printer's value for one item of `field`.
Value ScalarJson(const Message& message, const FieldDescriptor* field,
                 int index) {
  const Reflection& r = *message.GetReflection();
  const bool item = index >= 0;
  Value out;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out.set_number_value(item ? r.GetRepeatedInt32(message, field, index)
                                : r.GetInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      out.set_number_value(item ? r.GetRepeatedUInt32(message, field, index)
                                : r.GetUInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      out.set_string_value(absl::StrCat(
          item ? r.GetRepeatedInt64(message, field, index)
               : r.GetInt64(message, field)));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      out.set_string_value(absl::StrCat(
          item ? r.GetRepeatedUInt64(message, field, index)
               : r.GetUInt64(message, field)));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out.set_bool_value(item ? r.GetRepeatedBool(message, field, index)
                              : r.GetBool(message, field));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      out.set_string_value(item ? r.GetRepeatedString(message, field, index)
                                : r.GetString(message, field));
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = item ? r.GetRepeatedEnumValue(message, field, index)
                              : r.GetEnumValue(message, field);
      const EnumValueDescriptor* value =
          field->enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        out.set_string_value(value->name());
      } else {
        out.set_number_value(number);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      out = MessageToJson(item ? r.GetRepeatedMessage(message, field, index)
                               : r.GetMessage(message, field));
      break;
    default:
      break;  // MappedHere keeps other types away
  }
  return out;
}

}  // namespace

bool IsStructType(const Descriptor& type) {
  return type.file()->name() == "google/protobuf/struct.proto";
}

const FieldDescriptor* FieldNamed(const Descriptor& type,
                                  const std::string& key) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (field->json_name() == key || field->name() == key) return field;
  }
  return nullptr;
}

absl::Status MessageFromJson(const Value& json, Message* out) {
  return Reader().Message(json, out, "");
}

Value MessageToJson(const Message& message) {
  const Descriptor& type = *message.GetDescriptor();
  const std::string& name = type.full_name();
  Value out;
  if (name == "google.protobuf.Value") {
    out.CopyFrom(message);
    return out;
  }
  if (name == "google.protobuf.Struct") {
    out.mutable_struct_value()->CopyFrom(message);
    return out;
  }
  if (name == "google.protobuf.ListValue") {
    out.mutable_list_value()->CopyFrom(message);
    return out;
  }
  if (!MappedHere(type)) {
    absl::StatusOr<Value> parsed = ParseJson(DeterministicJson(message, false));
    return parsed.ok() ? *std::move(parsed) : out;
  }
  auto& fields = *out.mutable_struct_value()->mutable_fields();
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> set;
  r.ListFields(message, &set);
  for (const FieldDescriptor* field : set) {
    Value& value = fields[field->json_name()];
    if (field->is_map()) {
      auto& entries = *value.mutable_struct_value()->mutable_fields();
      const FieldDescriptor* key = field->message_type()->map_key();
      const FieldDescriptor* val = field->message_type()->map_value();
      for (int i = 0; i < r.FieldSize(message, field); ++i) {
        const Message& entry = r.GetRepeatedMessage(message, field, i);
        Value key_json = ScalarJson(entry, key, -1);
        std::string key_text =
            key_json.has_string_value() ? key_json.string_value()
            : key_json.has_bool_value()
                ? (key_json.bool_value() ? "true" : "false")
                : absl::StrCat(static_cast<int64_t>(key_json.number_value()));
        entries[key_text] = ScalarJson(entry, val, -1);
      }
    } else if (field->is_repeated()) {
      auto* list = value.mutable_list_value();
      for (int i = 0; i < r.FieldSize(message, field); ++i)
        *list->add_values() = ScalarJson(message, field, i);
    } else {
      value = ScalarJson(message, field, -1);
    }
  }
  return out;
}

}  // namespace flyteoverride::encoding
