// Reading overridectl's inputs: closures (flyteidl JSON or binary protobuf)
// and override maps (JSON or YAML, keyed by hook name).
#ifndef FLYTEOVERRIDE_TOOLS_INPUTS_H_
#define FLYTEOVERRIDE_TOOLS_INPUTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::tools {

absl::StatusOr<std::string> ReadFile(const std::string& path);

// A closure as flytectl prints it (proto3 JSON, camelCase; fields the subset
// leaves out are ignored) or as binary protobuf bytes (anything not JSON).
absl::StatusOr<flyteidl::core::CompiledWorkflowClosure> ParseClosure(absl::string_view bytes);

// An override map `{hook: TaskNodeOverrides}`, parsed strictly: an unknown
// field is an error. `yaml` selects YAML (a superset of JSON) over JSON.
absl::StatusOr<v1::OverrideMap> ParseOverrideMap(absl::string_view text, bool yaml);

// YAML to JSON text. Plain scalars become JSON strings (the protobuf JSON
// parser reads numbers and booleans from strings), except inside free-form
// JSON (task_config, pod_spec), where they are typed as YAML 1.2 core types.
absl::StatusOr<std::string> YamlToJson(absl::string_view yaml);

}  // namespace flyteoverride::tools

#endif  // FLYTEOVERRIDE_TOOLS_INPUTS_H_
