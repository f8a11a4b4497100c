#include "tools/inputs.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "encoding/closure_json.h"
#include "encoding/json_format.h"
#include "encoding/json_message.h"
#include "encoding/json_shape.h"
#include "encoding/json_value.h"
#include "encoding/strict_json.h"
#include "resolver/violations.h"

namespace flyteoverride::tools {
namespace {



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

// YAML (or JSON, which YAML reads too) as JSON text, with where each value
// stood and which keys were given twice.
struct Reading {
  std::string json;
  // Line (1-based) by LinePath of the value's path from the document root.
  absl::flat_hash_map<std::string, int> lines;
  struct Duplicate {
    std::string path;  // as written, "train.retries"
    int first_line;
    int line;
  };
  std::vector<Duplicate> duplicates;
  // YAML aliases repeat a node where they stand, and may even stand inside
  // it: values are counted and nesting is bounded, so a few bytes cannot
  // expand without end ("billion laughs") or recurse forever.
  size_t values = 0;
  size_t max_values = 0;
  bool too_large = false;
};

// Nesting beyond what any override document needs (and JSON allows here).
constexpr int kMaxYamlDepth = encoding::kMaxJsonDepth;

// A path folded so that the strict reader's form ("resources.requests[0]",
// proto names) and the document's ("resources.requests.0", JSON names) meet.
std::string LinePath(absl::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '_') continue;
    out += (c == '.' || c == '[' || c == ']') ? '/' : absl::ascii_tolower(c);
  }
  std::string folded;  // "a//b" from "a[0].b" -> "a/b"
  for (char c : out) {
    if (c == '/' && !folded.empty() && folded.back() == '/') continue;
    folded += c;
  }
  if (!folded.empty() && folded.back() == '/') folded.pop_back();
  return folded;
}

void Emit(const YAML::Node& node, bool typed, const std::string& path,
          int depth, Reading* reading) {
  if (reading->too_large || depth > kMaxYamlDepth ||
      ++reading->values > reading->max_values ||
      reading->json.size() > reading->max_values * 16) {
    reading->too_large = true;
    return;
  }
  std::string* out = &reading->json;
  reading->lines.try_emplace(LinePath(path), node.Mark().line + 1);
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      *out += "{";
      bool first = true;
      absl::flat_hash_map<std::string, int> keys;  // key -> line
      for (const auto& entry : node) {
        const std::string key = entry.first.Scalar();
        const std::string child =
            path.empty() ? key : absl::StrCat(path, ".", key);
        const int line = entry.first.Mark().line + 1;
        if (auto [it, fresh] = keys.try_emplace(key, line); !fresh) {
          reading->duplicates.push_back({child, it->second, line});
          continue;  // the first stands, and the user is told
        }
        if (!first) *out += ",";
        first = false;
        *out += encoding::JsonQuoted(key) + ":";
        Emit(entry.second, typed || IsFreeForm(key), child, depth + 1,
             reading);
      }
      *out += "}";
      return;
    }
    case YAML::NodeType::Sequence: {
      *out += "[";
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) *out += ",";
        Emit(node[i], typed, absl::StrCat(path, ".", i), depth + 1, reading);
      }
      *out += "]";
      return;
    }
    case YAML::NodeType::Scalar:
      // A quoted scalar (tag "!") is a string even when it reads "null": an
      // environment value may be the text null (the console quotes it so).
      *out += typed ? TypedScalar(node)
                    : (node.Tag() != "!" &&
                               (node.Scalar() == "~" || node.Scalar() == "null")
                           ? "null"
                           : encoding::JsonQuoted(node.Scalar()));
      return;
    default:
      *out += "null";
  }
}

absl::StatusOr<Reading> ReadYaml(absl::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    Reading reading;
    // Room for aliases that repeat a few defaults, not for an explosion.
    reading.max_values = 16 * text.size() + 1024;
    if (root.IsNull()) {
      reading.json = "{}";
    } else {
      Emit(root, false, "", 0, &reading);
    }
    if (reading.too_large) {
      return absl::InvalidArgumentError(absl::StrCat(
          "YAML: the document expands to more than ", reading.max_values,
          " values (or 16 times as many bytes) or nests deeper than ",
          kMaxYamlDepth,
          " levels (aliases that repeat, or stand inside, their own node)"));
    }
    return reading;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  }
}

// "FILE:LINE: " for a problem at `path` below the document root, as far as
// the reading knows; "FILE: " or "" otherwise.
std::string Where(absl::string_view file, const Reading& reading,
                  absl::string_view path) {
  if (file.empty()) return "";
  auto it = reading.lines.find(LinePath(path));
  if (it == reading.lines.end()) return absl::StrCat(file, ": ");
  return absl::StrCat(file, ":", it->second, ": ");
}

// The closure in a JSON document (see encoding::ClosureOf), read once.
absl::StatusOr<google::protobuf::Value> ClosureTree(absl::string_view bytes) {
  if (absl::Status shape = encoding::CheckJsonShape(bytes); !shape.ok())
    return absl::InvalidArgumentError(absl::StrCat("closure: ", shape.message()));
  absl::StatusOr<google::protobuf::Value> document = encoding::ParseJson(bytes);
  if (!document.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("closure JSON: ", document.status().message()));
  }
  return encoding::ClosureOf(*std::move(document));
}

}  // namespace

bool LooksLikeJson(absl::string_view bytes) {
  absl::string_view text = absl::StripLeadingAsciiWhitespace(bytes);
  return !text.empty() && (text.front() == '{' || text.front() == '[');
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::StatusOr<std::string> ClosureText(absl::string_view bytes) {
  if (!LooksLikeJson(bytes)) return std::string(bytes);
  absl::StatusOr<google::protobuf::Value> closure = ClosureTree(bytes);
  if (!closure.ok()) return closure.status();
  return encoding::DeterministicJson(*closure, true);
}

absl::StatusOr<flyteidl::core::CompiledWorkflowClosure> ParseClosure(
    absl::string_view bytes) {
  flyteidl::core::CompiledWorkflowClosure closure;
  if (LooksLikeJson(bytes)) {
    // Taken from the tree, not from its text printed and parsed again.
    absl::StatusOr<google::protobuf::Value> tree = ClosureTree(bytes);
    if (!tree.ok()) return tree.status();
    if (absl::Status status = encoding::MessageFromJson(*tree, &closure);
        !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("closure JSON: ", status.message()));
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
                                                   v1::Layer layer,
                                                   absl::string_view file) {
  // Flow-style nesting is judged before any parser recurses into it.
  if (absl::Status shape = encoding::CheckJsonShape(text); !shape.ok())
    return absl::InvalidArgumentError(absl::StrCat("override map: ", shape.message()));
  // JSON is read as YAML too, for the lines of its problems and the keys it
  // repeats; JSON that YAML refuses (tabs before a key) is read as JSON.
  absl::StatusOr<Reading> reading = ReadYaml(text);
  if (!reading.ok()) {
    if (yaml) return reading.status();
    reading = Reading{std::string(text)};
  }
  absl::StatusOr<google::protobuf::Value> read = encoding::ParseJson(reading->json);
  if (!read.ok() || !read->has_struct_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "override map: not a JSON object keyed by hook name",
        read.ok() ? "" : absl::StrCat(" (", read.status().message(), ")")));
  }
  google::protobuf::Value document = *std::move(read);
  ParsedOverrideMap parsed;
  for (const Reading::Duplicate& twice : reading->duplicates) {
    const size_t dot = twice.path.find('.');
    v1::Violation violation = resolver::OverrideDocumentProblem(
        field, twice.path.substr(0, dot),
        dot == std::string::npos ? "" : twice.path.substr(dot + 1), layer,
        "DUPLICATE_FIELD",
        absl::StrCat("given twice (lines ", twice.first_line, " and ",
                     twice.line, "); the first is read: give it once"));
    if (!file.empty()) {
      violation.set_description(
          absl::StrCat(file, ":", twice.line, ": ", violation.description()));
    }
    parsed.problems.push_back(std::move(violation));
  }
  for (const auto& [hook, overrides] : document.struct_value().fields()) {
    for (const encoding::JsonProblem& problem : encoding::CheckJson(
             overrides, *flyteidl::core::TaskNodeOverrides::descriptor(), "")) {
      v1::Violation violation = resolver::OverrideDocumentProblem(
          field, hook, problem.path, layer, problem.reason(), problem.detail);
      const std::string path =
          problem.path.empty() ? hook : absl::StrCat(hook, ".", problem.path);
      violation.set_description(
          absl::StrCat(Where(file, *reading, path), violation.description()));
      parsed.problems.push_back(std::move(violation));
      parsed.readable &=
          problem.kind == encoding::JsonProblem::Kind::kUnknownField ||
          problem.kind == encoding::JsonProblem::Kind::kDuplicateField;
    }
  }
  std::stable_sort(parsed.problems.begin(), parsed.problems.end(),
            [](const v1::Violation& a, const v1::Violation& b) {
              return a.field() < b.field();
            });
  if (!parsed.readable) return parsed;
  // Unknown members are skipped here: each one is reported above.
  google::protobuf::Value map;
  (*map.mutable_struct_value()->mutable_fields())["hooks"] = std::move(document);
  if (absl::Status status = encoding::MessageFromJson(map, &parsed.map);
      !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("override map: ", status.message()));
  }
  return parsed;
}

absl::StatusOr<std::string> YamlToJson(absl::string_view yaml) {
  absl::StatusOr<Reading> reading = ReadYaml(yaml);
  if (!reading.ok()) return reading.status();
  return std::move(reading->json);
}

}  // namespace flyteoverride::tools
