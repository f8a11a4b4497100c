// A Store that fails on cue around a real one, for the faults a real
// database will not show when a test wants them (leveldb's fault injection).
#ifndef FLYTEOVERRIDE_STORAGE_FAULTY_STORE_H_
#define FLYTEOVERRIDE_STORAGE_FAULTY_STORE_H_

#include <atomic>
#include <memory>

#include "storage/store.h"

namespace flyteoverride::storage {

// Thread-safe when the wrapped store is.
class FaultyStore : public Store {
 public:
  explicit FaultyStore(Store* store) : store_(store) {}

  // While down, every call fails with UNAVAILABLE and touches nothing.
  void set_down(bool down) { down_ = down; }
  // While set, a dynamic task's nodes are written and then the call fails
  // with UNAVAILABLE: the connection lost after the commit went through.
  void set_dynamic_answer_lost(bool lost) { dynamic_answer_lost_ = lost; }

  absl::StatusOr<PutOutcome> PutIfAbsent(
      const ExecutionRecord& record) override {
    if (down_) return Down();
    return store_->PutIfAbsent(record);
  }
  absl::StatusOr<RecordHeader> GetHeader(const ExecutionKey& key) override {
    if (down_) return Down();
    return store_->GetHeader(key);
  }
  absl::StatusOr<std::vector<v1::StoredNode>> GetNodes(
      const ExecutionKey& key, absl::string_view node_path) override {
    if (down_) return Down();
    return store_->GetNodes(key, node_path);
  }
  absl::StatusOr<PutOutcome> PutDynamic(
      const ExecutionKey& key, const std::string& parent_path,
      const std::string& input_digest,
      const std::vector<v1::StoredNode>& nodes) override {
    if (down_) return Down();
    auto outcome = store_->PutDynamic(key, parent_path, input_digest, nodes);
    if (dynamic_answer_lost_ && outcome.ok())
      return absl::UnavailableError("injected fault: the answer was lost");
    return outcome;
  }
  absl::StatusOr<std::vector<ListedRecord>> ListRecords(
      const ListQuery& query) override {
    if (down_) return Down();
    return store_->ListRecords(query);
  }
  absl::StatusOr<int> PurgeExpired(absl::Time now, int max_records) override {
    if (down_) return Down();
    return store_->PurgeExpired(now, max_records);
  }
  absl::Status Ping() override { return down_ ? Down() : store_->Ping(); }

 private:
  static absl::Status Down() {
    return absl::UnavailableError("injected fault: storage down");
  }

  Store* const store_;
  std::atomic<bool> down_{false};
  std::atomic<bool> dynamic_answer_lost_{false};
};

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_FAULTY_STORE_H_
