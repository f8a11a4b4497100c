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

// Whether `bytes` are JSON (an object or a list) rather than protobuf.
bool LooksLikeJson(absl::string_view bytes);

// The closure's own text: binary bytes as they are; JSON unwrapped when it
// is an admin Workflow as `flytectl get workflow -o json` prints it
// (encoding::ClosureOf), so that a rewritten closure is laid back over it.
absl::StatusOr<std::string> ClosureText(absl::string_view bytes);

// A closure as flytectl prints it (proto3 JSON, camelCase; fields the subset
// leaves out are ignored; bare, or inside an admin Workflow) or as binary
// protobuf bytes (anything not JSON).
absl::StatusOr<flyteidl::core::CompiledWorkflowClosure> ParseClosure(
    absl::string_view bytes);

// An override map read from a user's file, with every problem it has.
struct ParsedOverrideMap {
  v1::OverrideMap map;
  // Each problem names the hook and the layer, and its description starts
  // with "FILE:LINE: " when a file was named: unknown members (never
  // silently dropped), keys given twice, values of the wrong type or form,
  // names an enum lacks. Sorted by field.
  std::vector<v1::Violation> problems;
  // False when a problem keeps the map from being read (a wrong type, an
  // enum value); `map` is then empty. Unknown and repeated members do not.
  bool readable = true;
};

// An override map `{hook: TaskNodeOverrides}`. `yaml` selects YAML (a superset
// of JSON) over JSON. `field` names the map in violations
// ("execution_overrides"), `layer` is the layer it feeds, `file` the file it
// came from, for the lines in problems. Text that does not parse, or is not
// an object, is an INVALID_ARGUMENT status.
absl::StatusOr<ParsedOverrideMap> ParseOverrideMap(absl::string_view text,
                                                   bool yaml,
                                                   absl::string_view field,
                                                   v1::Layer layer,
                                                   absl::string_view file = "");

// YAML to JSON text. Plain scalars become JSON strings (the protobuf JSON
// parser reads numbers and booleans from strings), except inside free-form
// JSON (task_config, pod_spec), where they are typed as YAML 1.2 core types.
absl::StatusOr<std::string> YamlToJson(absl::string_view yaml);

}  // namespace flyteoverride::tools

#endif  // FLYTEOVERRIDE_TOOLS_INPUTS_H_
