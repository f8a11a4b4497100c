// A Store that measures another: latency and errors per operation, exported
// on /metrics.
#ifndef FLYTEOVERRIDE_SERVER_INSTRUMENTED_STORE_H_
#define FLYTEOVERRIDE_SERVER_INSTRUMENTED_STORE_H_

#include <memory>

#include "server/metrics.h"
#include "storage/store.h"

namespace flyteoverride::server {

// Thread-safe when the wrapped store is.
class InstrumentedStore : public storage::Store {
 public:
  InstrumentedStore(std::unique_ptr<storage::Store> store, Registry* registry);

  absl::StatusOr<storage::PutOutcome> PutIfAbsent(
      const storage::ExecutionRecord& record) override;
  absl::StatusOr<storage::RecordHeader> GetHeader(
      const storage::ExecutionKey& key) override;
  absl::StatusOr<std::vector<v1::StoredNode>> GetNodes(
      const storage::ExecutionKey& key, absl::string_view node_path) override;
  absl::StatusOr<storage::PutOutcome> PutDynamic(
      const storage::ExecutionKey& key, const std::string& parent_path,
      const std::string& input_digest,
      const std::vector<v1::StoredNode>& nodes) override;
  absl::StatusOr<std::vector<storage::ListedRecord>> ListRecords(
      const storage::ListQuery& query) override;
  absl::StatusOr<int> PurgeExpired(absl::Time now, int max_records) override;
  absl::Status Ping() override;

 private:
  template <typename F>
  auto Measure(absl::string_view operation, F&& call) -> decltype(call());

  std::unique_ptr<storage::Store> store_;
  HistogramFamily& latency_;
  CounterFamily& errors_;
  CounterFamily& purged_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_INSTRUMENTED_STORE_H_
