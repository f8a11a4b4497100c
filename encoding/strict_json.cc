#include "encoding/strict_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "encoding/json_message.h"

namespace flyteoverride::encoding {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Value;

std::string KindOf(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return absl::StrCat("the number ", value.number_value());
    case Value::kStringValue: {
      // A value is quoted for the reader, not echoed whole.
      absl::string_view text = value.string_value();
      if (text.size() <= 64) return absl::StrCat("\"", text, "\"");
      return absl::StrCat("\"", text.substr(0, 64), "...\" (", text.size(),
                          " bytes)");
    }
    case Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "a list";
    default:
      return "nothing";
  }
}

std::string FieldNames(const Descriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.field_count(); ++i)
    names.push_back(type.field(i)->json_name());
  return absl::StrCat(type.name(), " has ", absl::StrJoin(names, ", "));
}

// A whole number in [min, max], as a JSON number or a string of one.
bool IsInteger(const Value& value, int64_t min, int64_t max) {
  double number;
  if (value.has_number_value()) {
    number = value.number_value();
  } else if (!value.has_string_value() ||
             !absl::SimpleAtod(value.string_value(), &number)) {
    return false;
  }
  return std::isfinite(number) && number == std::floor(number) &&
         number >= static_cast<double>(min) &&
         number <= static_cast<double>(max);
}

class Checker {
 public:
  explicit Checker(std::vector<JsonProblem>* out) : out_(out) {}

  void Message(const Value& json, const Descriptor& type,
               const std::string& path) {
    if (IsStructType(type)) return;
    if (!json.has_struct_value()) {
      if (!json.has_null_value())
        Add(JsonProblem::Kind::kWrongType, path,
            absl::StrCat("expected an object (", type.name(), "), got ",
                         KindOf(json)));
      return;
    }
    std::vector<const FieldDescriptor*> seen;
    for (const auto& [key, child] : json.struct_value().fields()) {
      const FieldDescriptor* field = FieldNamed(type, key);
      // Known fields by their proto name, as violations name them elsewhere.
      const std::string& name = field == nullptr ? key : field->name();
      const std::string child_path =
          path.empty() ? name : absl::StrCat(path, ".", name);
      if (field == nullptr) {
        Add(JsonProblem::Kind::kUnknownField, child_path, FieldNames(type));
        continue;
      }
      if (std::find(seen.begin(), seen.end(), field) != seen.end()) {
        Add(JsonProblem::Kind::kDuplicateField, child_path,
            absl::StrCat("\"", field->json_name(), "\" and \"", field->name(),
                         "\" name the same field; give it once"));
        continue;
      }
      seen.push_back(field);
      Field(child, *field, child_path);
    }
  }

 private:
  // Past a few thousand problems the rest are not worth their memory.
  void Add(JsonProblem::Kind kind, std::string path, std::string detail) {
    if (out_->size() < kMaxProblems)
      out_->push_back({kind, std::move(path), std::move(detail)});
  }
  static constexpr size_t kMaxProblems = 10'000;

  void Field(const Value& json, const FieldDescriptor& field,
             const std::string& path) {
    if (json.has_null_value()) return;  // the parser reads null as "not set"
    if (field.is_map()) {
      if (!json.has_struct_value()) {
        Add(JsonProblem::Kind::kWrongType, path,
            absl::StrCat("expected an object of key: value, got ",
                         KindOf(json)));
        return;
      }
      const FieldDescriptor& value = *field.message_type()->map_value();
      for (const auto& [key, entry] : json.struct_value().fields())
        Single(entry, value, absl::StrCat(path, "[", key, "]"));
    } else if (field.is_repeated()) {
      if (!json.has_list_value()) {
        Add(JsonProblem::Kind::kWrongType, path,
            absl::StrCat("expected a list", Of(field), ", got ", KindOf(json)));
        return;
      }
      for (int i = 0; i < json.list_value().values_size(); ++i)
        Single(json.list_value().values(i), field,
               absl::StrCat(path, "[", i, "]"));
    } else {
      Single(json, field, path);
    }
  }

  static std::string Of(const FieldDescriptor& field) {
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
      return absl::StrCat(" of ", field.message_type()->name());
    return "";
  }

  // One value of `field` (an item, for a list; the value, for a map entry).
  void Single(const Value& json, const FieldDescriptor& field,
              const std::string& path) {
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Message(json, *field.message_type(), path);
        return;
      case FieldDescriptor::CPPTYPE_ENUM:
        Enum(json, *field.enum_type(), path);
        return;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (!json.has_bool_value() &&
            !(json.has_string_value() && (json.string_value() == "true" ||
                                          json.string_value() == "false"))) {
          Add(JsonProblem::Kind::kWrongType, path,
              absl::StrCat("expected true or false, got ", KindOf(json)));
        }
        return;
      case FieldDescriptor::CPPTYPE_STRING:
        if (!json.has_string_value())
          Add(JsonProblem::Kind::kWrongType, path,
              absl::StrCat("expected a string, got ", KindOf(json)));
        return;
      case FieldDescriptor::CPPTYPE_INT32:
        Integer(json, std::numeric_limits<int32_t>::min(),
                std::numeric_limits<int32_t>::max(), path);
        return;
      case FieldDescriptor::CPPTYPE_UINT32:
        Integer(json, 0, std::numeric_limits<uint32_t>::max(), path);
        return;
      default:  // 64-bit integers and floats: none in user documents
        return;
    }
  }

  void Integer(const Value& json, int64_t min, int64_t max,
               const std::string& path) {
    if (IsInteger(json, min, max)) return;
    Add(JsonProblem::Kind::kWrongType, path,
        absl::StrCat("expected a whole number from ", min, " to ", max,
                     ", got ", KindOf(json)));
  }

  void Enum(const Value& json, const EnumDescriptor& type,
            const std::string& path) {
    if (json.has_number_value() &&
        IsInteger(json, std::numeric_limits<int32_t>::min(),
                  std::numeric_limits<int32_t>::max()) &&
        type.FindValueByNumber(static_cast<int>(json.number_value())) !=
            nullptr) {
      return;
    }
    if (json.has_string_value() &&
        type.FindValueByName(json.string_value()) != nullptr) {
      return;
    }
    std::vector<std::string> names;
    std::string suggestion;
    const std::string wanted =
        json.has_string_value() ? absl::AsciiStrToUpper(json.string_value())
                                : "";
    for (int i = 0; i < type.value_count(); ++i) {
      const std::string& name = type.value(i)->name();
      names.push_back(name);
      // "memory" for MEMORY, "WARN" for UNKNOWN_HOOKS_WARN.
      if (!wanted.empty() && suggestion.empty() &&
          (name == wanted || absl::EndsWith(name, absl::StrCat("_", wanted))))
        suggestion = name;
    }
    Add(JsonProblem::Kind::kBadEnumValue, path,
        absl::StrCat(KindOf(json), " is not a ", type.name(),
                     suggestion.empty()
                         ? ""
                         : absl::StrCat("; did you mean ", suggestion, "?"),
                     " (one of ", absl::StrJoin(names, ", "), ")"));
  }

  std::vector<JsonProblem>* const out_;
};

}  // namespace

const char* JsonProblem::reason() const {
  switch (kind) {
    case Kind::kUnknownField:
      return "UNKNOWN_FIELD";
    case Kind::kDuplicateField:
      return "DUPLICATE_FIELD";
    case Kind::kWrongType:
      return "WRONG_TYPE";
    case Kind::kBadEnumValue:
      return "BAD_ENUM_VALUE";
  }
  return "";
}

std::vector<JsonProblem> CheckJson(const Value& json, const Descriptor& type,
                                   const std::string& prefix) {
  std::vector<JsonProblem> out;
  Checker(&out).Message(json, type, prefix);
  std::sort(out.begin(), out.end(),
            [](const JsonProblem& a, const JsonProblem& b) {
              return std::tie(a.path, a.kind) < std::tie(b.path, b.kind);
            });
  return out;
}

std::vector<std::string> UnknownJsonFields(const Value& json,
                                           const Descriptor& type,
                                           const std::string& prefix) {
  std::vector<std::string> out;
  for (const JsonProblem& problem : CheckJson(json, type, prefix)) {
    if (problem.kind == JsonProblem::Kind::kUnknownField)
      out.push_back(problem.path);
  }
  return out;
}

}  // namespace flyteoverride::encoding
