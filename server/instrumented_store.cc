#include "server/instrumented_store.h"

#include "absl/time/clock.h"

namespace flyteoverride::server {
namespace {

absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// A missing record is an answer, not a storage error.
bool IsError(const absl::Status& status) {
  return !status.ok() && status.code() != absl::StatusCode::kNotFound;
}

}  // namespace

InstrumentedStore::InstrumentedStore(std::unique_ptr<storage::Store> store,
                                     Registry* registry)
    : store_(std::move(store)),
      latency_(registry->AddHistogram(
          "override_resolver_storage_operation_duration_seconds",
          "Storage operation latency, by operation.", {"operation"},
          LatencyBuckets())),
      errors_(registry->AddCounter(
          "override_resolver_storage_errors_total",
          "Storage operations that failed, by operation and code.",
          {"operation", "code"})),
      purged_(registry->AddCounter("override_resolver_records_purged_total",
                                   "Expired execution records deleted.", {})) {}

template <typename F>
auto InstrumentedStore::Measure(absl::string_view operation, F&& call)
    -> decltype(call()) {
  const absl::Time start = absl::Now();
  auto result = call();
  latency_.WithLabels({operation})
      .Observe(absl::ToDoubleSeconds(absl::Now() - start));
  const absl::Status status = StatusOf(result);
  if (IsError(status)) {
    errors_.WithLabels({operation, absl::StatusCodeToString(status.code())})
        .Increment();
  }
  return result;
}

absl::StatusOr<storage::PutOutcome> InstrumentedStore::PutIfAbsent(
    const storage::ExecutionRecord& record) {
  return Measure("put", [&] { return store_->PutIfAbsent(record); });
}

absl::StatusOr<storage::RecordHeader> InstrumentedStore::GetHeader(
    const storage::ExecutionKey& key) {
  return Measure("get_header", [&] { return store_->GetHeader(key); });
}

absl::StatusOr<std::vector<v1::StoredNode>> InstrumentedStore::GetNodes(
    const storage::ExecutionKey& key, absl::string_view node_path) {
  return Measure("get_nodes", [&] { return store_->GetNodes(key, node_path); });
}

absl::StatusOr<storage::PutOutcome> InstrumentedStore::PutDynamic(
    const storage::ExecutionKey& key, const std::string& parent_path,
    const std::string& input_digest, const std::vector<v1::StoredNode>& nodes) {
  return Measure("put_dynamic", [&] {
    return store_->PutDynamic(key, parent_path, input_digest, nodes);
  });
}

absl::StatusOr<std::vector<storage::ListedRecord>>
InstrumentedStore::ListRecords(const storage::ListQuery& query) {
  return Measure("list", [&] { return store_->ListRecords(query); });
}

absl::StatusOr<int> InstrumentedStore::PurgeExpired(absl::Time now,
                                                    int max_records) {
  auto purged =
      Measure("purge", [&] { return store_->PurgeExpired(now, max_records); });
  if (purged.ok()) purged_.WithLabels({}).Increment(*purged);
  return purged;
}

absl::Status InstrumentedStore::Ping() {
  return Measure("ping", [&] { return store_->Ping(); });
}

}  // namespace flyteoverride::server
