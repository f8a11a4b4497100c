// What a record keeps of an answer, and how a repeated call is answered from
// it: the record wins over a fresh resolution (FlyteAdmin or propeller may
// have acted on it already), with a RECORDED_ANSWER warning when the two
// differ (docs/design.md section 5).
#ifndef FLYTEOVERRIDE_SERVER_RECORDED_ANSWERS_H_
#define FLYTEOVERRIDE_SERVER_RECORDED_ANSWERS_H_

#include <optional>
#include <string>
#include <utility>
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

// For a repeated call of execution `key` that resolved `fresh` (sorted by
// node path, as answers are) from a closure whose task nodes no hook covers
// are `uncovered`: the nodes the record holds for that closure's task nodes,
// when they are not `fresh` (other nodes, or other overrides: the operator
// policy changed since). Nothing when the record agrees. Recorded nodes of
// other closures (dynamic tasks beneath these nodes, or around them) are
// not this call's and are left out.
absl::StatusOr<std::optional<std::vector<v1::ResolvedNode>>> RecordedInstead(
    storage::Store& store, const storage::ExecutionKey& key,
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& fresh,
    const std::vector<std::string>& uncovered);

// When the nodes a dynamic task at `parent_path` produced could not be
// recorded (the stores' INTERNAL, a key recorded twice): the first of `fresh`
// whose path the record of `key` holds already, as the violation to answer
// with. Another closure recorded that path: the parent lies inside the nodes an
// earlier dynamic task produced rather than at a dynamic task. Nothing when no
// path is taken, or the record cannot be read (the write's own failure stands
// then).
std::optional<v1::Violation> RecordedPathTaken(
    storage::Store& store, const storage::ExecutionKey& key,
    const std::string& parent_path, const std::vector<v1::StoredNode>& fresh);

// The warning an answer taken from the record carries.
v1::Violation RecordedAnswer(const storage::ExecutionKey& key);

// Makes `response` the recorded answer of execution `key`: the `recorded`
// nodes (their explanation only when asked for) and the one warning that
// says where they came from.
template <typename Response>
void AnswerFromRecord(const storage::ExecutionKey& key,
                      std::vector<v1::ResolvedNode> recorded, bool explain,
                      Response* response) {
  response->clear_nodes();
  for (v1::ResolvedNode& node : recorded)
    *response->add_nodes() = std::move(node);
  if (!explain) DropExplanation(response);
  response->clear_warnings();
  *response->add_warnings() = RecordedAnswer(key);
}

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_RECORDED_ANSWERS_H_
