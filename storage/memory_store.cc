#include "storage/memory_store.h"

#include "absl/strings/str_cat.h"

namespace flyteoverride::storage {

absl::StatusOr<PutOutcome> MemoryStore::PutIfAbsent(
    const ExecutionRecord& record) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = entries_.try_emplace(KeyOf(record.key));
  if (!inserted) return PutOutcome{false, it->second.header.input_digest};
  it->second.header = {record.input_digest, record.maps, record.created,
                       record.expires};
  for (const v1::StoredNode& node : record.nodes) {
    it->second.nodes.emplace(node.node().node_path(), node);
  }
  return PutOutcome{true, record.input_digest};
}

absl::StatusOr<RecordHeader> MemoryStore::GetHeader(const ExecutionKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(KeyOf(key));
  if (it == entries_.end()) {
    return absl::NotFoundError(
        absl::StrCat("execution ", key.ToString(), " is not recorded"));
  }
  return it->second.header;
}

absl::StatusOr<std::vector<v1::StoredNode>> MemoryStore::GetNodes(
    const ExecutionKey& key, absl::string_view node_path) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(KeyOf(key));
  if (it == entries_.end()) {
    return absl::NotFoundError(
        absl::StrCat("execution ", key.ToString(), " is not recorded"));
  }
  std::vector<v1::StoredNode> nodes;
  if (node_path.empty()) {
    for (const auto& [path, node] : it->second.nodes) nodes.push_back(node);
    return nodes;
  }
  auto node = it->second.nodes.find(std::string(node_path));
  if (node == it->second.nodes.end()) {
    return absl::NotFoundError(absl::StrCat("execution ", key.ToString(),
                                            " has no node ", node_path,
                                            " covered by a hook"));
  }
  nodes.push_back(node->second);
  return nodes;
}

absl::StatusOr<PutOutcome> MemoryStore::PutDynamic(
    const ExecutionKey& key, const std::string& parent_path,
    const std::string& input_digest, const std::vector<v1::StoredNode>& nodes) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(KeyOf(key));
  if (it == entries_.end()) {
    return absl::NotFoundError(
        absl::StrCat("execution ", key.ToString(), " is not recorded"));
  }
  auto [digest, inserted] =
      it->second.dynamic_digests.try_emplace(parent_path, input_digest);
  if (!inserted) return PutOutcome{false, digest->second};
  for (const v1::StoredNode& node : nodes) {
    it->second.nodes.emplace(node.node().node_path(), node);
  }
  return PutOutcome{true, input_digest};
}

absl::StatusOr<int> MemoryStore::PurgeExpired(absl::Time now, int max_records) {
  absl::MutexLock lock(&mu_);
  int purged = 0;
  for (auto it = entries_.begin();
       it != entries_.end() && purged < max_records;) {
    if (it->second.header.expires <= now) {
      it = entries_.erase(it);
      ++purged;
    } else {
      ++it;
    }
  }
  return purged;
}

}  // namespace flyteoverride::storage
