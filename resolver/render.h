// Turning a merged LeafSet back into protos: the effective configuration, the
// runtime overrides propeller applies, and provenance.
#ifndef FLYTEOVERRIDE_RESOLVER_RENDER_H_
#define FLYTEOVERRIDE_RESOLVER_RENDER_H_

#include "flyteidl/core/workflow.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/leaf_set.h"

namespace flyteoverride::resolver {

// Every live leaf, whichever layer set it. `leaves` must be sorted.
void RenderEffective(const LeafSet& leaves,
                     flyteidl::core::TaskNodeOverrides* out);

// The runtime part only (DECORATOR and above), to apply on top of what the
// closure fixes: live runtime leaves, plus `unset` paths (or nulls inside
// task_config) for base values a runtime layer removed. `leaves` must be
// sorted.
void RenderRuntimeOverrides(const LeafSet& leaves,
                            flyteidl::core::TaskNodeOverrides* out);

// One entry per leaf that was ever set, in leaf order.
void RenderProvenance(
    const LeafSet& leaves,
    google::protobuf::RepeatedPtrField<v1::ProvenanceEntry>* out);

// A leaf value as JSON, for provenance and messages.
void ValueToJson(const LeafValue& value, google::protobuf::Value* out);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_RENDER_H_
