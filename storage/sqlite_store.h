// The embedded default Store: one SQLite file in WAL mode, commits fsync'd,
// schema migrated forward at open.
#ifndef FLYTEOVERRIDE_STORAGE_SQLITE_STORE_H_
#define FLYTEOVERRIDE_STORAGE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/store.h"

struct sqlite3;

namespace flyteoverride::storage {

struct SqliteOptions {
  std::string path;
  // How long a writer waits for another process's lock before UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
};

// The newest schema this binary knows; a database at a higher version is
// refused rather than misread.
inline constexpr int kSqliteSchemaVersion = 2;

// Thread-safe: calls are serialized on one connection. Several processes may
// share the file; SQLite's locks order their writes.
class SqliteStore : public Store {
 public:
  // Opens (creating if needed) and migrates the database.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const SqliteOptions& options);
  ~SqliteStore() override;

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
  absl::Status Ping() override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  absl::Status Migrate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_SQLITE_STORE_H_
