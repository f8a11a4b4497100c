#include "storage/postgres_schema.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "storage/postgres_connection.h"
#include "storage/postgres_pool.h"

namespace flyteoverride::storage::postgres {
namespace {

// Each entry moves the schema from version i to i+1. Node paths sort by their
// bytes ("C"), as in the other stores.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE executions (
  id BIGSERIAL PRIMARY KEY,
  org TEXT NOT NULL, project TEXT NOT NULL, domain TEXT NOT NULL, name TEXT NOT NULL,
  input_digest TEXT NOT NULL,
  maps BYTEA NOT NULL,
  created_us BIGINT NOT NULL,
  expires_us BIGINT NOT NULL,
  UNIQUE (org, project, domain, name));
CREATE INDEX executions_by_expiry ON executions (expires_us);
CREATE TABLE nodes (
  execution_id BIGINT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  node_path TEXT COLLATE "C" NOT NULL,
  node BYTEA NOT NULL,
  PRIMARY KEY (execution_id, node_path));
CREATE TABLE dynamic_parents (
  execution_id BIGINT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  parent_path TEXT COLLATE "C" NOT NULL,
  input_digest TEXT NOT NULL,
  PRIMARY KEY (execution_id, parent_path));
)sql",
    // ListExecutions: a scope's records, newest first, as a range. Names
    // sort by their bytes, as in the other stores.
    R"sql(
CREATE INDEX IF NOT EXISTS executions_by_scope
  ON executions (project, domain, org, created_us DESC, name COLLATE "C");
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);

// The advisory lock that lets one replica at a time migrate ("FlyteOvr").
constexpr int64_t kMigrationLock = 0x466c7974654f7672;
// A migration may wait for another replica's and rewrite tables.
constexpr absl::Duration kMigrationTimeout = absl::Minutes(1);

}  // namespace

absl::Status Migrate(Pool& pool, absl::Duration call_timeout) {
  const absl::Duration timeout = std::max(call_timeout, kMigrationTimeout);
  return Run(pool, timeout, "migration", true, [&](Session& s) {
    // The lock is released with the transaction: two replicas starting at
    // once migrate one after the other, the second finding nothing to do.
    const std::string limit = absl::StrCat("SET LOCAL statement_timeout = ",
                                           absl::ToInt64Milliseconds(timeout));
    if (absl::Status set = s.Script(limit.c_str()); !set.ok()) return set;
    auto locked = s.Exec("SELECT pg_advisory_xact_lock($1)",
                         Params().Int(kMigrationLock));
    if (!locked.ok()) return locked.status();
    // Read before creating anything, so that a role without CREATE can run
    // against a database an owner has migrated.
    auto exists = s.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists.ok()) return exists.status();
    int64_t current = 0;
    if (Integer(exists->get(), 0, 0) != 0) {
      auto version = s.Exec(
          "SELECT COALESCE(max(version), 0)::bigint FROM schema_migrations");
      if (!version.ok()) return version.status();
      current = Integer(version->get(), 0, 0);
    } else if (absl::Status created = s.Script(
                   "CREATE TABLE schema_migrations (version BIGINT PRIMARY "
                   "KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
               !created.ok()) {
      return created;
    }
    if (current > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("the postgres database is at schema version ", current,
                       ", newer than this binary's ", kSchemaVersion,
                       "; run a newer override-resolver"));
    }
    for (int64_t v = current; v < kSchemaVersion; ++v) {
      if (absl::Status step = s.Script(kMigrations[v]); !step.ok()) {
        return step;
      }
      auto noted = s.Exec("INSERT INTO schema_migrations (version) VALUES ($1)",
                          Params().Int(v + 1));
      if (!noted.ok()) return noted.status();
    }
    return absl::OkStatus();
  });
}

}  // namespace flyteoverride::storage::postgres
