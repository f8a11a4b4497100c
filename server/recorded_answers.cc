#include "server/recorded_answers.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "resolver/violations.h"

namespace flyteoverride::server {

v1::StoredNode ToStored(const v1::ResolvedNode& node,
                        std::vector<v1::AppliedHook> hooks) {
  v1::StoredNode stored;
  *stored.mutable_node() = node;
  for (auto& hook : hooks) *stored.add_hooks() = std::move(hook);
  return stored;
}

absl::StatusOr<std::optional<std::vector<v1::ResolvedNode>>> RecordedInstead(
    storage::Store& store, const storage::ExecutionKey& key,
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& fresh) {
  auto recorded = store.GetNodes(key, "");
  if (!recorded.ok()) return recorded.status();
  // The record holds every node of the execution, dynamic ones included;
  // the ones at `fresh`'s paths are picked (both lists are sorted by path).
  std::vector<v1::ResolvedNode> own;
  size_t r = 0;
  for (const v1::ResolvedNode& now : fresh) {
    while (r < recorded->size() &&
           (*recorded)[r].node().node_path() < now.node_path()) {
      ++r;
    }
    if (r == recorded->size()) break;
    if ((*recorded)[r].node().node_path() == now.node_path())
      own.push_back(std::move(*(*recorded)[r].mutable_node()));
  }
  bool same = own.size() == static_cast<size_t>(fresh.size());
  for (size_t i = 0; same && i < own.size(); ++i) {
    same = encoding::DeterministicBytes(own[i].overrides()) ==
           encoding::DeterministicBytes(fresh[static_cast<int>(i)].overrides());
  }
  if (same) return std::nullopt;
  return own;
}

v1::Violation RecordedAnswer(const storage::ExecutionKey& key) {
  return resolver::MakeViolation(
      "",
      absl::StrCat("execution ", key.ToString(),
                   " was recorded under an earlier operator policy; the "
                   "recorded overrides are returned"),
      "RECORDED_ANSWER", v1::Violation::INVALID_VALUE);
}

}  // namespace flyteoverride::server
