// The Store for several replicas: PostgreSQL through libpq, with a bounded
// pool of connections, the schema migrated forward at open under an advisory
// lock (docs/design.md section 6).
#ifndef FLYTEOVERRIDE_STORAGE_POSTGRES_STORE_H_
#define FLYTEOVERRIDE_STORAGE_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "storage/postgres_schema.h"
#include "storage/store.h"

namespace flyteoverride::storage {

struct PostgresOptions {
  // A libpq connection string or postgresql:// URI. TLS to the database is
  // asked for here: sslmode=verify-full sslrootcert=...
  std::string dsn;
  // Connections open at most; a call waits for a free one.
  int pool_size = 8;
  // Bound on one call, the wait for a connection and reconnecting included.
  // Also each session's statement_timeout.
  absl::Duration timeout = absl::Seconds(5);
};

// The newest schema this binary knows; a database at a higher version is
// refused rather than misread.
inline constexpr int kPostgresSchemaVersion = postgres::kSchemaVersion;

namespace postgres {
class Pool;
}  // namespace postgres

// Thread-safe: each call borrows a pooled connection for its duration. Several
// replicas may share one database; its transactions order their writes.
// Every call ends within `timeout` (UNAVAILABLE when the database does not
// answer); a broken connection is dropped and a new one opened on a later
// call, so service resumes by itself when the database is back.
class PostgresStore : public Store {
 public:
  // Connects and migrates the schema forward. UNAVAILABLE when the database
  // cannot be reached within `timeout`; FAILED_PRECONDITION when its schema
  // is newer than this binary's.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(
      const PostgresOptions& options);
  ~PostgresStore() override;

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
  PostgresStore(std::unique_ptr<postgres::Pool> pool, absl::Duration timeout);

  const std::unique_ptr<postgres::Pool> pool_;
  const absl::Duration timeout_;
};

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_POSTGRES_STORE_H_
