// Reading overridectl's inputs: closures (flyteidl JSON or binary protobuf)
// and override maps (JSON or YAML, keyed by hook name).
#ifndef FLYTEOVERRIDE_TOOLS_INPUTS_H_
#define FLYTEOVERRIDE_TOOLS_INPUTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::tools {

absl::StatusOr<std::string> ReadFile(const std::string& path);

// A closure as flytectl prints it (proto3 JSON, camelCase; fields the subset
// leaves out are ignored) or as binary protobuf bytes (anything not JSON).
absl::StatusOr<flyteidl::core::CompiledWorkflowClosure> ParseClosure(
    absl::string_view bytes);

// An override map read from a user's file, with a violation per member that
// TaskNodeOverrides does not know (strict: never silently dropped).
struct ParsedOverrideMap {
  v1::OverrideMap map;
  std::vector<v1::Violation> unknown_fields;
};

// An override map `{hook: TaskNodeOverrides}`. `yaml` selects YAML (a superset
// of JSON) over JSON. `field` names the map in violations
// ("execution_overrides"), `layer` is the layer it feeds. Text that is not a
// JSON object, or a value of the wrong type, is an INVALID_ARGUMENT status.
absl::StatusOr<ParsedOverrideMap> ParseOverrideMap(absl::string_view text,
                                                   bool yaml,
                                                   absl::string_view field,
                                                   v1::Layer layer);

// YAML to JSON text. Plain scalars become JSON strings (the protobuf JSON
// parser reads numbers and booleans from strings), except inside free-form
// JSON (task_config, pod_spec), where they are typed as YAML 1.2 core types.
absl::StatusOr<std::string> YamlToJson(absl::string_view yaml);

}  // namespace flyteoverride::tools

#endif  // FLYTEOVERRIDE_TOOLS_INPUTS_H_
