// What a record keeps of an answer, and how a repeated call is answered from
// it: the record wins over a fresh resolution (FlyteAdmin or propeller may
// have acted on it already), with a RECORDED_ANSWER warning when the two
// differ (docs/design.md section 5).
#ifndef FLYTEOVERRIDE_SERVER_RECORDED_ANSWERS_H_
#define FLYTEOVERRIDE_SERVER_RECORDED_ANSWERS_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "storage/store.h"

namespace flyteoverride::server {

// A resolved node as recorded, with the hooks that applied. Records keep the
// explanation (effective values and provenance), so that "why did this task
// get that?" can be answered later without the inputs.
v1::StoredNode ToStored(const v1::ResolvedNode& node,
                        std::vector<v1::AppliedHook> hooks);

// The explanation goes back only to callers that asked for it.
template <typename Response>
void DropExplanation(Response* response) {
  for (v1::ResolvedNode& node : *response->mutable_nodes()) {
    node.clear_effective();
    node.clear_provenance();
  }
}

// For a repeated call of execution `key`: when the record holds other
// overrides at `fresh`'s node paths than `fresh` has (the operator policy
// changed since), the recorded nodes at those paths. Nothing when the record
// agrees. `fresh` is sorted by node path, as answers are.
absl::StatusOr<std::optional<std::vector<v1::ResolvedNode>>> RecordedInstead(
    storage::Store& store, const storage::ExecutionKey& key,
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& fresh);

// The warning an answer taken from the record carries.
v1::Violation RecordedAnswer(const storage::ExecutionKey& key);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_RECORDED_ANSWERS_H_
