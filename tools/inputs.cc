#include "tools/inputs.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "encoding/json_format.h"
#include "encoding/strict_json.h"
#include "resolver/violations.h"

namespace flyteoverride::tools {
namespace {

using google::protobuf::util::JsonParseOptions;

bool LooksLikeJson(absl::string_view bytes) {
  absl::string_view text = absl::StripLeadingAsciiWhitespace(bytes);
  return !text.empty() && text.front() == '{';
}

std::string TypedScalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!")
    return encoding::JsonQuoted(text);  // quoted: always a string
  if (text == "true" || text == "false") return text;
  if (text == "null" || text == "~" || text.empty()) return "null";
  double number;
  if (absl::SimpleAtod(text, &number) &&
      text.find_first_of("xXnN") == std::string::npos) {
    return text;
  }
  return encoding::JsonQuoted(text);
}

bool IsFreeForm(absl::string_view key) {
  return key == "task_config" || key == "taskConfig" || key == "pod_spec" ||
         key == "podSpec";
}

void Emit(const YAML::Node& node, bool typed, std::string* out) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      *out += "{";
      bool first = true;
      for (const auto& entry : node) {
        if (!first) *out += ",";
        first = false;
        const std::string key = entry.first.Scalar();
        *out += encoding::JsonQuoted(key) + ":";
        Emit(entry.second, typed || IsFreeForm(key), out);
      }
      *out += "}";
      return;
    }
    case YAML::NodeType::Sequence: {
      *out += "[";
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) *out += ",";
        Emit(node[i], typed, out);
      }
      *out += "]";
      return;
    }
    case YAML::NodeType::Scalar:
      *out += typed ? TypedScalar(node)
                    : (node.Scalar() == "~" || node.Scalar() == "null"
                           ? "null"
                           : encoding::JsonQuoted(node.Scalar()));
      return;
    default:
      *out += "null";
  }
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::StatusOr<flyteidl::core::CompiledWorkflowClosure> ParseClosure(
    absl::string_view bytes) {
  flyteidl::core::CompiledWorkflowClosure closure;
  if (LooksLikeJson(bytes)) {
    JsonParseOptions options;
    options.ignore_unknown_fields = true;
    auto status = google::protobuf::util::JsonStringToMessage(
        std::string(bytes), &closure, options);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("closure JSON: ", status.ToString()));
    }
  } else if (!closure.ParseFromArray(bytes.data(),
                                     static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        "closure: neither JSON nor a valid protobuf message");
  }
  return closure;
}

absl::StatusOr<ParsedOverrideMap> ParseOverrideMap(absl::string_view text,
                                                   bool yaml,
                                                   absl::string_view field,
                                                   v1::Layer layer) {
  std::string json(text);
  if (yaml) {
    auto converted = YamlToJson(text);
    if (!converted.ok()) return converted.status();
    json = *std::move(converted);
  }
  google::protobuf::Value document;
  auto status = google::protobuf::util::JsonStringToMessage(json, &document);
  if (!status.ok() || !document.has_struct_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "override map: not a JSON object keyed by hook name",
        status.ok() ? "" : absl::StrCat(" (", status.ToString(), ")")));
  }
  ParsedOverrideMap parsed;
  for (const auto& [hook, overrides] : document.struct_value().fields()) {
    for (const std::string& path : encoding::UnknownJsonFields(
             overrides, *flyteidl::core::TaskNodeOverrides::descriptor(), "")) {
      parsed.unknown_fields.push_back(
          resolver::UnknownOverrideField(field, hook, path, layer));
    }
  }
  std::sort(parsed.unknown_fields.begin(), parsed.unknown_fields.end(),
            [](const v1::Violation& a, const v1::Violation& b) {
              return a.field() < b.field();
            });
  JsonParseOptions options;
  options.ignore_unknown_fields = true;  // each one is reported above
  status = google::protobuf::util::JsonStringToMessage(
      absl::StrCat("{\"hooks\":", json, "}"), &parsed.map, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("override map: ", status.ToString()));
  }
  return parsed;
}

absl::StatusOr<std::string> YamlToJson(absl::string_view yaml) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return std::string("{}");
    std::string out;
    Emit(root, false, &out);
    return out;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  }
}

}  // namespace flyteoverride::tools
