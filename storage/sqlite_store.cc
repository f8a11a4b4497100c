#include "storage/sqlite_store.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace flyteoverride::storage {
namespace {

// Each entry moves the schema from version i to i+1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE executions (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL, project TEXT NOT NULL, domain TEXT NOT NULL, name TEXT NOT NULL,
  input_digest TEXT NOT NULL,
  maps BLOB NOT NULL,
  created_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL,
  UNIQUE (org, project, domain, name));
CREATE INDEX executions_by_expiry ON executions (expires_us);
CREATE TABLE nodes (
  execution_id INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  node_path TEXT NOT NULL,
  node BLOB NOT NULL,
  PRIMARY KEY (execution_id, node_path)) WITHOUT ROWID;
CREATE TABLE dynamic_parents (
  execution_id INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  parent_path TEXT NOT NULL,
  input_digest TEXT NOT NULL,
  PRIMARY KEY (execution_id, parent_path)) WITHOUT ROWID;
)sql",
    // ListExecutions: a scope's records, newest first, as a range.
    R"sql(
CREATE INDEX IF NOT EXISTS executions_by_scope
  ON executions (project, domain, org, created_us DESC, name);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) ==
              kSqliteSchemaVersion);

// Lock contention and I/O trouble are "try again"; the rest is a bug or a
// damaged database.
absl::Status Error(sqlite3* db, int code, absl::string_view what) {
  const std::string message =
      absl::StrCat("sqlite ", what, ": ", sqlite3_errmsg(db));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    code_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }

  absl::Status status() const {
    return code_ == SQLITE_OK ? absl::OkStatus() : Error(db_, code_, "prepare");
  }
  Statement& Bind(int index, absl::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindBlob(int index, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(),
                      static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& BindKey(const ExecutionKey& key) {
    return Bind(1, key.org)
        .Bind(2, key.project)
        .Bind(3, key.domain)
        .Bind(4, key.name);
  }
  // True with a row, false when done.
  absl::StatusOr<bool> Step() {
    const int code = sqlite3_step(stmt_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    return Error(db_, code, "step");
  }
  void Reset() { sqlite3_reset(stmt_); }
  std::string Text(int column) const {
    const auto* data = sqlite3_column_blob(stmt_, column);
    return std::string(static_cast<const char*>(data),
                       sqlite3_column_bytes(stmt_, column));
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int code_;
};

absl::Status Exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  const int code = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  sqlite3_free(message);
  return code == SQLITE_OK ? absl::OkStatus() : Error(db, code, sql);
}

// Rolls back unless committed, so an error anywhere leaves nothing written.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {
    // IMMEDIATE takes the write lock now: check-then-insert is atomic.
    status_ = Exec(db, "BEGIN IMMEDIATE");
  }
  ~Transaction() {
    if (status_.ok() && !done_) Exec(db_, "ROLLBACK").IgnoreError();
  }
  const absl::Status& status() const { return status_; }
  absl::Status Commit() {
    done_ = true;
    return Exec(db_, "COMMIT");
  }

 private:
  sqlite3* db_;
  absl::Status status_;
  bool done_ = false;
};

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

absl::StatusOr<int64_t> ExecutionId(sqlite3* db, const ExecutionKey& key) {
  Statement select(db,
                   "SELECT id FROM executions WHERE org = ?1 AND project = ?2 "
                   "AND domain = ?3 "
                   "AND name = ?4");
  if (!select.status().ok()) return select.status();
  auto row = select.BindKey(key).Step();
  if (!row.ok()) return row.status();
  if (!*row)
    return absl::NotFoundError(
        absl::StrCat("execution ", key.ToString(), " is not recorded"));
  return select.Int(0);
}

absl::Status InsertNodes(sqlite3* db, int64_t execution,
                         const std::vector<v1::StoredNode>& nodes) {
  Statement insert(
      db,
      "INSERT INTO nodes (execution_id, node_path, node) VALUES (?1, ?2, ?3)");
  if (!insert.status().ok()) return insert.status();
  for (const v1::StoredNode& node : nodes) {
    auto done = insert.Bind(1, execution)
                    .Bind(2, node.node().node_path())
                    .BindBlob(3, node.SerializeAsString())
                    .Step();
    if (!done.ok()) return done.status();
    insert.Reset();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const SqliteOptions& options) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(
      options.path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
      nullptr);
  if (code != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat("cannot open sqlite database ", options.path, ": ",
                     sqlite3_errstr(code)));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  sqlite3_busy_timeout(
      db, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  absl::MutexLock lock(&store->mu_);
  // WAL: readers never block the writer. synchronous=FULL: every commit is
  // fsync'd, so an acknowledged record survives a crash or power loss.
  for (const char* pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON"}) {
    if (absl::Status status = Exec(db, pragma); !status.ok()) return status;
  }
  if (absl::Status status = store->Migrate(); !status.ok()) return status;
  return store;
}

SqliteStore::~SqliteStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status SqliteStore::Migrate() {
  // The write lock makes two processes opening one new file migrate once.
  Transaction transaction(db_);
  if (!transaction.status().ok()) return transaction.status();
  Statement version(db_, "PRAGMA user_version");
  auto row = version.Step();
  if (!row.ok()) return row.status();
  const int64_t current = version.Int(0);
  if (current > kSqliteSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("the sqlite database is at schema version ", current,
                     ", newer than this binary's ", kSqliteSchemaVersion,
                     "; run a newer override-resolver"));
  }
  for (int64_t v = current; v < kSqliteSchemaVersion; ++v) {
    if (absl::Status status = Exec(db_, kMigrations[v]); !status.ok())
      return status;
  }
  if (current < kSqliteSchemaVersion) {
    const std::string set =
        absl::StrCat("PRAGMA user_version = ", kSqliteSchemaVersion);
    if (absl::Status status = Exec(db_, set.c_str()); !status.ok())
      return status;
  }
  return transaction.Commit();
}

absl::StatusOr<PutOutcome> SqliteStore::PutIfAbsent(
    const ExecutionRecord& record) {
  absl::MutexLock lock(&mu_);
  Transaction transaction(db_);
  if (!transaction.status().ok()) return transaction.status();
  Statement insert(
      db_,
      "INSERT INTO executions (org, project, domain, name, input_digest, maps, "
      "created_us, expires_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT DO NOTHING");
  if (!insert.status().ok()) return insert.status();
  auto done = insert.BindKey(record.key)
                  .Bind(5, record.input_digest)
                  .BindBlob(6, record.maps.SerializeAsString())
                  .Bind(7, Micros(record.created))
                  .Bind(8, Micros(record.expires))
                  .Step();
  if (!done.ok()) return done.status();
  if (sqlite3_changes(db_) == 0) {
    Statement select(db_,
                     "SELECT input_digest FROM executions WHERE org = ?1 AND "
                     "project = ?2 AND "
                     "domain = ?3 AND name = ?4");
    auto row = select.BindKey(record.key).Step();
    if (!row.ok()) return row.status();
    return PutOutcome{false, select.Text(0)};
  }
  if (absl::Status status =
          InsertNodes(db_, sqlite3_last_insert_rowid(db_), record.nodes);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = transaction.Commit(); !status.ok()) return status;
  return PutOutcome{true, record.input_digest};
}

absl::StatusOr<RecordHeader> SqliteStore::GetHeader(const ExecutionKey& key) {
  absl::MutexLock lock(&mu_);
  Statement select(
      db_,
      "SELECT input_digest, maps, created_us, expires_us FROM executions WHERE "
      "org = ?1 AND project = ?2 AND domain = ?3 AND name = ?4");
  if (!select.status().ok()) return select.status();
  auto row = select.BindKey(key).Step();
  if (!row.ok()) return row.status();
  if (!*row)
    return absl::NotFoundError(
        absl::StrCat("execution ", key.ToString(), " is not recorded"));
  RecordHeader header;
  header.input_digest = select.Text(0);
  if (!header.maps.ParseFromString(select.Text(1))) {
    return absl::DataLossError(
        absl::StrCat("the record of ", key.ToString(), " is damaged"));
  }
  header.created = absl::FromUnixMicros(select.Int(2));
  header.expires = absl::FromUnixMicros(select.Int(3));
  return header;
}

absl::StatusOr<std::vector<v1::StoredNode>> SqliteStore::GetNodes(
    const ExecutionKey& key, absl::string_view node_path) {
  absl::MutexLock lock(&mu_);
  auto execution = ExecutionId(db_, key);
  if (!execution.ok()) return execution.status();
  Statement select(
      db_,
      node_path.empty()
          ? "SELECT node FROM nodes WHERE execution_id = ?1 ORDER BY node_path"
          : "SELECT node FROM nodes WHERE execution_id = ?1 AND node_path = "
            "?2");
  if (!select.status().ok()) return select.status();
  select.Bind(1, *execution);
  if (!node_path.empty()) select.Bind(2, node_path);
  std::vector<v1::StoredNode> nodes;
  for (;;) {
    auto row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (!nodes.emplace_back().ParseFromString(select.Text(0))) {
      return absl::DataLossError(
          absl::StrCat("a node record of ", key.ToString(), " is damaged"));
    }
  }
  if (!node_path.empty() && nodes.empty()) {
    return absl::NotFoundError(absl::StrCat("execution ", key.ToString(),
                                            " has no node ", node_path,
                                            " covered by a hook"));
  }
  return nodes;
}

absl::StatusOr<PutOutcome> SqliteStore::PutDynamic(
    const ExecutionKey& key, const std::string& parent_path,
    const std::string& input_digest, const std::vector<v1::StoredNode>& nodes) {
  absl::MutexLock lock(&mu_);
  Transaction transaction(db_);
  if (!transaction.status().ok()) return transaction.status();
  auto execution = ExecutionId(db_, key);
  if (!execution.ok()) return execution.status();
  Statement insert(
      db_,
      "INSERT INTO dynamic_parents (execution_id, parent_path, input_digest) "
      "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  auto done = insert.Bind(1, *execution)
                  .Bind(2, parent_path)
                  .Bind(3, input_digest)
                  .Step();
  if (!done.ok()) return done.status();
  if (sqlite3_changes(db_) == 0) {
    Statement select(
        db_,
        "SELECT input_digest FROM dynamic_parents WHERE execution_id = ?1 AND "
        "parent_path = ?2");
    auto row = select.Bind(1, *execution).Bind(2, parent_path).Step();
    if (!row.ok()) return row.status();
    return PutOutcome{false, select.Text(0)};
  }
  if (absl::Status status = InsertNodes(db_, *execution, nodes); !status.ok())
    return status;
  if (absl::Status status = transaction.Commit(); !status.ok()) return status;
  return PutOutcome{true, input_digest};
}

absl::StatusOr<std::vector<ListedRecord>> SqliteStore::ListRecords(
    const ListQuery& query) {
  absl::MutexLock lock(&mu_);
  // INDEXED BY: the listing must never fall back to the expiry index or a
  // scan. The cursor's first half bounds the range; the second only skips
  // the records created in the cursor's own microsecond.
  Statement select(
      db_, query.after.has_value()
               ? "SELECT org, project, domain, name, input_digest, maps, "
                 "created_us, expires_us FROM executions INDEXED BY "
                 "executions_by_scope WHERE project = ?1 AND domain = ?2 AND "
                 "org = ?3 AND expires_us > ?4 AND created_us <= ?6 AND "
                 "(created_us < ?6 OR name > ?7) ORDER BY created_us DESC, "
                 "name LIMIT ?5"
               : "SELECT org, project, domain, name, input_digest, maps, "
                 "created_us, expires_us FROM executions INDEXED BY "
                 "executions_by_scope WHERE project = ?1 AND domain = ?2 AND "
                 "org = ?3 AND expires_us > ?4 ORDER BY created_us DESC, "
                 "name LIMIT ?5");
  if (!select.status().ok()) return select.status();
  select.Bind(1, query.project)
      .Bind(2, query.domain)
      .Bind(3, query.org)
      .Bind(4, Micros(query.now))
      .Bind(5, static_cast<int64_t>(query.limit));
  if (query.after.has_value())
    select.Bind(6, query.after->created_us).Bind(7, query.after->name);
  std::vector<ListedRecord> listed;
  for (;;) {
    auto row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ListedRecord& record = listed.emplace_back();
    record.key = {select.Text(1), select.Text(2), select.Text(3),
                  select.Text(0)};
    record.header.input_digest = select.Text(4);
    if (!record.header.maps.ParseFromString(select.Text(5))) {
      return absl::DataLossError(absl::StrCat("the record of ",
                                              record.key.ToString(),
                                              " is damaged"));
    }
    record.header.created = absl::FromUnixMicros(select.Int(6));
    record.header.expires = absl::FromUnixMicros(select.Int(7));
  }
  return listed;
}

absl::StatusOr<int> SqliteStore::PurgeExpired(absl::Time now, int max_records) {
  absl::MutexLock lock(&mu_);
  Statement purge(
      db_,
      "DELETE FROM executions WHERE id IN (SELECT id FROM executions WHERE "
      "expires_us <= ?1 ORDER BY expires_us LIMIT ?2)");
  if (!purge.status().ok()) return purge.status();
  auto done = purge.Bind(1, Micros(now))
                  .Bind(2, static_cast<int64_t>(max_records))
                  .Step();
  if (!done.ok()) return done.status();
  return sqlite3_changes(db_);
}

absl::Status SqliteStore::Ping() {
  absl::MutexLock lock(&mu_);
  Statement ping(db_, "SELECT 1 FROM executions LIMIT 1");
  if (!ping.status().ok()) return ping.status();
  return ping.Step().status();
}

}  // namespace flyteoverride::storage
