// Applying one layer's source to an instance's LeafSet, field by field with
// presence (docs/design.md section 4's merge table).
#ifndef FLYTEOVERRIDE_RESOLVER_MERGE_H_
#define FLYTEOVERRIDE_RESOLVER_MERGE_H_

#include "flyteidl/core/tasks.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "resolver/leaf_set.h"

namespace flyteoverride::resolver {

// TASK: the registered template (container resources, image, env; metadata
// retries, interruptible, cache settings; custom config as task_config).
void ApplyTaskTemplate(const flyteidl::core::TaskTemplate& task,
                       const Origin& origin, LeafSet* leaves);

// COMPILED: the workflow's metadata_defaults.interruptible (when true), then
// the node's metadata and TaskNode.overrides, as propeller honours them.
void ApplyCompiledNode(const flyteidl::core::Node& node,
                       bool workflow_interruptible, const Origin& origin,
                       LeafSet* leaves);

// One override document: its `unset` first, then every field it sets.
// task_config is applied as a JSON Merge Patch (RFC 7396).
void ApplyOverrides(const flyteidl::core::TaskNodeOverrides& overrides,
                    const Origin& origin, LeafSet* leaves);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_MERGE_H_
