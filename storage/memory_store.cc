#include "storage/memory_store.h"

#include <cstdint>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace flyteoverride::storage {
namespace {

// The databases' primary key on (execution, node path), kept here too: the
// service never writes one path twice, so a write that would is a bug, and
// none of it is kept.
absl::Status CheckNewPaths(const std::map<std::string, v1::StoredNode>& recorded,
                           const std::vector<v1::StoredNode>& nodes) {
  absl::flat_hash_set<absl::string_view> seen;
  for (const v1::StoredNode& node : nodes) {
    const std::string& path = node.node().node_path();
    if (recorded.count(path) > 0 || !seen.insert(path).second) {
      return absl::InternalError(
          absl::StrCat("node path ", path, " would be recorded twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PutOutcome> MemoryStore::PutIfAbsent(
    const ExecutionRecord& record) {
  absl::MutexLock lock(&mu_);
  if (auto it = entries_.find(KeyOf(record.key)); it != entries_.end())
    return PutOutcome{false, it->second.header.input_digest};
  if (absl::Status paths = CheckNewPaths({}, record.nodes); !paths.ok())
    return paths;
  auto it = entries_.try_emplace(KeyOf(record.key)).first;
  it->second.header = {record.input_digest, record.maps, record.created,
                       record.expires};
  listing_.insert(ListKeyOf(record.key, record.created));
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
  if (auto digest = it->second.dynamic_digests.find(parent_path);
      digest != it->second.dynamic_digests.end()) {
    return PutOutcome{false, digest->second};
  }
  if (absl::Status paths = CheckNewPaths(it->second.nodes, nodes); !paths.ok())
    return paths;
  it->second.dynamic_digests.emplace(parent_path, input_digest);
  for (const v1::StoredNode& node : nodes) {
    it->second.nodes.emplace(node.node().node_path(), node);
  }
  return PutOutcome{true, input_digest};
}

absl::StatusOr<std::vector<ListedRecord>> MemoryStore::ListRecords(
    const ListQuery& query) {
  absl::MutexLock lock(&mu_);
  const ListKey first{query.project, query.domain, query.org, INT64_MIN, ""};
  auto it = query.after.has_value()
                ? listing_.upper_bound({query.project, query.domain, query.org,
                                        -query.after->created_us,
                                        query.after->name})
                : listing_.lower_bound(first);
  std::vector<ListedRecord> listed;
  for (; it != listing_.end() && listed.size() < static_cast<size_t>(query.limit);
       ++it) {
    const auto& [project, domain, org, created, name] = *it;
    if (project != query.project || domain != query.domain ||
        org != query.org) {
      break;
    }
    ExecutionKey key{project, domain, name, org};
    const RecordHeader& header = entries_.at(KeyOf(key)).header;
    if (header.expires <= query.now) continue;
    listed.push_back({std::move(key), header});
  }
  return listed;
}

absl::StatusOr<int> MemoryStore::PurgeExpired(absl::Time now, int max_records) {
  absl::MutexLock lock(&mu_);
  int purged = 0;
  for (auto it = entries_.begin();
       it != entries_.end() && purged < max_records;) {
    if (it->second.header.expires <= now) {
      const auto& [org, project, domain, name] = it->first;
      listing_.erase(ListKeyOf({project, domain, name, org},
                               it->second.header.created));
      it = entries_.erase(it);
      ++purged;
    } else {
      ++it;
    }
  }
  return purged;
}

}  // namespace flyteoverride::storage
