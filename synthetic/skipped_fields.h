// Where flyteidl v1 declares the fields the resolver's subset skips
// (docs/design.md appendix A): the generator writes them as unknown fields at these
// numbers, and the full-schema JSON printer declares them here, so both agree.
#ifndef FLYTEOVERRIDE_SYNTHETIC_SKIPPED_FIELDS_H_
#define FLYTEOVERRIDE_SYNTHETIC_SKIPPED_FIELDS_H_

#include "absl/strings/string_view.h"

namespace flyteoverride::synthetic {

struct SkippedField {
  absl::string_view message;  // the subset message flyteidl declares it on
  absl::string_view name;
  int number;
  absl::string_view type;  // a message of bench/flyteidl_extras.proto
  bool repeated;
};

inline constexpr SkippedField kConnections{
    "flyteidl.core.CompiledWorkflow", "connections", 2,
    "flyteoverride.synthetic.ConnectionSet", false};
inline constexpr SkippedField kWorkflowMetadata{
    "flyteidl.core.WorkflowTemplate", "metadata", 2,
    "flyteoverride.synthetic.WorkflowMetadata", false};
inline constexpr SkippedField kWorkflowInterface{
    "flyteidl.core.WorkflowTemplate", "interface", 3,
    "flyteoverride.synthetic.TypedInterface", false};
inline constexpr SkippedField kWorkflowOutputs{
    "flyteidl.core.WorkflowTemplate", "outputs", 5,
    "flyteoverride.synthetic.Binding", true};
inline constexpr SkippedField kNodeInputs{"flyteidl.core.Node", "inputs", 3,
                                          "flyteoverride.synthetic.Binding", true};
inline constexpr SkippedField kIfBlockCondition{
    "flyteidl.core.IfBlock", "condition", 1,
    "flyteoverride.synthetic.BooleanExpression", false};
inline constexpr SkippedField kTaskInterface{
    "flyteidl.core.TaskTemplate", "interface", 4,
    "flyteoverride.synthetic.TypedInterface", false};
inline constexpr SkippedField kTaskRuntime{
    "flyteidl.core.TaskMetadata", "runtime", 2,
    "flyteoverride.synthetic.RuntimeMetadata", false};

inline constexpr SkippedField kSkippedFields[] = {
    kConnections, kWorkflowMetadata, kWorkflowInterface, kWorkflowOutputs,
    kNodeInputs,  kIfBlockCondition, kTaskInterface,     kTaskRuntime,
};

}  // namespace flyteoverride::synthetic

#endif  // FLYTEOVERRIDE_SYNTHETIC_SKIPPED_FIELDS_H_
