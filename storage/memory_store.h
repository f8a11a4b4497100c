// An in-memory Store: for tests, and for a single replica that may lose its
// records on restart.
#ifndef FLYTEOVERRIDE_STORAGE_MEMORY_STORE_H_
#define FLYTEOVERRIDE_STORAGE_MEMORY_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace flyteoverride::storage {

// Thread-safe: one mutex guards everything.
class MemoryStore : public Store {
 public:
  static std::unique_ptr<MemoryStore> Create() {
    return std::make_unique<MemoryStore>();
  }

  absl::StatusOr<PutOutcome> PutIfAbsent(
      const ExecutionRecord& record) override;
  absl::StatusOr<RecordHeader> GetHeader(const ExecutionKey& key) override;
  absl::StatusOr<std::vector<v1::StoredNode>> GetNodes(
      const ExecutionKey& key, absl::string_view node_path) override;
  absl::StatusOr<PutOutcome> PutDynamic(
      const ExecutionKey& key, const std::string& parent_path,
      const std::string& input_digest,
      const std::vector<v1::StoredNode>& nodes) override;
  absl::StatusOr<std::vector<ListedRecord>> ListRecords(
      const ListQuery& query) override;
  absl::StatusOr<int> PurgeExpired(absl::Time now, int max_records) override;
  absl::Status Ping() override { return absl::OkStatus(); }

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  struct Entry {
    RecordHeader header;
    std::map<std::string, v1::StoredNode> nodes;         // by node path
    std::map<std::string, std::string> dynamic_digests;  // by parent path
  };
  static Key KeyOf(const ExecutionKey& key) {
    return {key.org, key.project, key.domain, key.name};
  }
  // The listing order within a scope: (project, domain, org, -created
  // micros, name), so that a scope's records, newest first, are a range.
  using ListKey =
      std::tuple<std::string, std::string, std::string, int64_t, std::string>;
  static ListKey ListKeyOf(const ExecutionKey& key, absl::Time created) {
    return {key.project, key.domain, key.org, -absl::ToUnixMicros(created),
            key.name};
  }

  absl::Mutex mu_;
  std::map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::set<ListKey> listing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_MEMORY_STORE_H_
