// Edits one compiled workflow at the wire level: a few nodes get new
// metadata, a new task node or a new sub-workflow reference, every hook
// declaration goes, and every other byte — bindings, interfaces,
// connections, fields the subset does not know — is copied as it was.
#ifndef FLYTEOVERRIDE_FLYTE_V1_WORKFLOW_EDIT_H_
#define FLYTEOVERRIDE_FLYTE_V1_WORKFLOW_EDIT_H_

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"

namespace flyteoverride::flyte_v1 {

// What changes in one node. Serialized messages replace the node's field as
// a whole; the node's other fields keep their bytes.
struct NodeChange {
  std::optional<std::string> metadata;   // a NodeMetadata, field 2
  std::optional<std::string> task_node;  // a TaskNode, field 6
  // Replaces WorkflowNode.sub_workflow_ref; not owned.
  const flyteidl::core::Identifier* sub_workflow_ref = nullptr;
};

// Keyed by nodes of the workflow being edited (pointers into its parsed
// message, not copies).
using NodeChanges =
    absl::flat_hash_map<const flyteidl::core::Node*, NodeChange>;

// `bytes` is a serialized CompiledWorkflow and `workflow` those bytes parsed
// into the subset. Applies `changes`, drops every hook declaration
// (Node.runtime_override 100, TaskNode.runtime_override_name 3,
// WorkflowTemplate.runtime_override_defaults 100) and, when `new_id` is given,
// replaces the template's id. Returns `bytes` unchanged when there is nothing
// to do. Where a message repeats a singular field (parsers merge such
// occurrences), that one message is re-serialized from the subset, unknown
// fields included. An error means `bytes` and `workflow` disagree.
absl::StatusOr<std::string> EditWorkflow(
    absl::string_view bytes, const flyteidl::core::CompiledWorkflow& workflow,
    const NodeChanges& changes, const flyteidl::core::Identifier* new_id);

// Whether the workflow declares any hook (so EditWorkflow changes it even
// without changes of its own).
bool DeclaresHooks(const flyteidl::core::WorkflowTemplate& workflow);

}  // namespace flyteoverride::flyte_v1

#endif  // FLYTEOVERRIDE_FLYTE_V1_WORKFLOW_EDIT_H_
