#include "server/recorded_answers.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
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
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& fresh,
    const std::vector<std::string>& uncovered) {
  auto recorded = store.GetNodes(key, "");
  if (!recorded.ok()) return recorded.status();
  // The closure's task nodes, covered now or not: whatever the record holds
  // at these paths is this closure's, whichever hooks covered it then.
  absl::flat_hash_set<absl::string_view> task_nodes(uncovered.begin(),
                                                    uncovered.end());
  for (const v1::ResolvedNode& node : fresh) task_nodes.insert(node.node_path());
  std::vector<v1::ResolvedNode> own;
  for (v1::StoredNode& node : *recorded) {
    if (task_nodes.contains(node.node().node_path()))
      own.push_back(std::move(*node.mutable_node()));
  }
  // Both lists are sorted by path.
  bool same = own.size() == static_cast<size_t>(fresh.size());
  for (size_t i = 0; same && i < own.size(); ++i) {
    const v1::ResolvedNode& now = fresh[static_cast<int>(i)];
    same = own[i].node_path() == now.node_path() &&
           encoding::DeterministicBytes(own[i].overrides()) ==
               encoding::DeterministicBytes(now.overrides());
  }
  if (same) return std::nullopt;
  return own;
}

std::optional<v1::Violation> RecordedPathTaken(
    storage::Store& store, const storage::ExecutionKey& key,
    const std::string& parent_path, const std::vector<v1::StoredNode>& fresh) {
  auto recorded = store.GetNodes(key, "");
  if (!recorded.ok()) return std::nullopt;
  absl::flat_hash_set<absl::string_view> paths;
  for (const v1::StoredNode& node : *recorded)
    paths.insert(node.node().node_path());
  for (const v1::StoredNode& node : fresh) {
    const std::string& path = node.node().node_path();
    if (!paths.contains(path)) continue;
    return resolver::MakeViolation(
        "parent_node_path",
        absl::StrCat(
            "node ", path, " of execution ", key.ToString(),
            " is recorded already, from another closure: ", parent_path,
            " lies inside the nodes an earlier dynamic task produced, "
            "not at a dynamic task"),
        "NODE_PATH_RECORDED", v1::Violation::INVALID_VALUE, path);
  }
  return std::nullopt;
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
