// Where one task node instance's resolved configuration goes so that an
// unmodified Flyte v1 runs it (docs/design.md section 5, rewrite_closure): the
// node's TaskNode.overrides (resources, extended_resources, container_image,
// pod_template) and NodeMetadata (retries, interruptible, cacheable,
// cache_version, cache_serializable), and, for what v1 cannot carry per
// node, a copy of the task template. See docs/flyte-v1.md for the rules.
#ifndef FLYTEOVERRIDE_FLYTE_V1_PLACEMENT_H_
#define FLYTEOVERRIDE_FLYTE_V1_PLACEMENT_H_

#include <optional>
#include <string>
#include <vector>

#include "flyteidl/core/tasks.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "flyte_v1/fields.h"

namespace flyteoverride::flyte_v1 {

// Why a task template had to be copied, for one field.
struct CopyReason {
  std::string field;  // "environment", "resources.limits.cpu", ...
  std::string why;
};

struct Placement {
  // The node's new NodeMetadata and TaskNode; nullopt when they stay as they
  // were. The TaskNode's overrides hold flyteidl v1's fields 1-4 only, and
  // its draft hook name is gone.
  std::optional<flyteidl::core::NodeMetadata> metadata;
  std::optional<flyteidl::core::TaskNode> task_node;
  // What a copy of the task template must change, when v1 cannot carry
  // some value per node; `reasons` say which.
  std::optional<TaskChanges> task_changes;
  std::vector<CopyReason> reasons;
  // Values flyteidl v1 cannot hold for this node at all (field and
  // description; NOT_EXPRESSIBLE_IN_V1).
  std::vector<CopyReason> inexpressible;
};

// `runtime` is the instance's resolved overrides (ResolvedNode.overrides:
// what the runtime layers set, and `unset` for what they removed). Only the
// fields the runtime touched, or that the node's own overrides set outside
// flyteidl v1's fields 1-4, are placed; the rest stays as the closure had it.
// A removed cache, cache_serializable or retries is placed as false or 0 and
// a removed cache_version as "", what those fields mean in v1 when absent.
Placement PlaceInstance(const flyteidl::core::Node& node,
                        const flyteidl::core::TaskTemplate& task,
                        bool workflow_interruptible,
                        const flyteidl::core::TaskNodeOverrides& runtime);

}  // namespace flyteoverride::flyte_v1

#endif  // FLYTEOVERRIDE_FLYTE_V1_PLACEMENT_H_
