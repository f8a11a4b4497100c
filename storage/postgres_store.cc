#include "storage/postgres_store.h"

#include <poll.h>
#include <postgresql/libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace flyteoverride::storage {
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
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) ==
              kPostgresSchemaVersion);

// The advisory lock that lets one replica at a time migrate ("FlyteOvr").
constexpr int64_t kMigrationLock = 0x466c7974654f7672;
// A migration may wait for another replica's and rewrite tables.
constexpr absl::Duration kMigrationTimeout = absl::Minutes(1);
// Tries of one call when the server refuses for contention or a pooled
// connection turns out dead.
constexpr int kAttempts = 3;

constexpr Oid kByteaOid = 17, kInt8Oid = 20, kTextOid = 25;

constexpr char kKeyMatches[] =
    "org = $1 AND project = $2 AND domain = $3 AND name = $4";
constexpr char kExecutionMatches[] =
    "e.org = $1 AND e.project = $2 AND e.domain = $3 AND e.name = $4";
constexpr char kCopyNodes[] =
    "COPY nodes (execution_id, node_path, node) FROM STDIN (FORMAT binary)";

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

// libpq's messages span lines; statuses read better on one.
std::string OneLine(const char* message) {
  std::string out;
  for (const char* c = message; c != nullptr && *c != '\0'; ++c) {
    const bool space = absl::ascii_isspace(static_cast<unsigned char>(*c));
    if (!space) {
      out.push_back(*c);
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void AppendBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

// Query parameters, all in binary: text and bytea as their bytes, bigint in
// network order. Views point into the caller's strings, which must outlive
// the query.
class Params {
 public:
  Params& Text(absl::string_view text) { return Add(text, kTextOid); }
  Params& Bytes(absl::string_view bytes) { return Add(bytes, kByteaOid); }
  Params& Int(int64_t value) {
    std::string& bytes = owned_.emplace_back();
    AppendBigEndian(bytes, static_cast<uint64_t>(value), 8);
    return Add(bytes, kInt8Oid);
  }
  Params& Key(const ExecutionKey& key) {
    return Text(key.org).Text(key.project).Text(key.domain).Text(key.name);
  }

  int size() const { return static_cast<int>(values_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& Add(absl::string_view bytes, Oid type) {
    types_.push_back(type);
    values_.push_back(bytes.data() != nullptr ? bytes.data() : "");  // NULL
    lengths_.push_back(static_cast<int>(bytes.size()));  // would be SQL NULL
    formats_.push_back(1);
    return *this;
  }

  std::deque<std::string> owned_;  // a deque: elements never move
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string Bytes(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     PQgetlength(result, row, column));
}

// A binary integer or boolean column.
int64_t Integer(const PGresult* result, int row, int column) {
  const auto* bytes =
      reinterpret_cast<const unsigned char*>(PQgetvalue(result, row, column));
  const int length = PQgetlength(result, row, column);
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | bytes[i];
  if (length > 0 && length < 8 && (bytes[0] & 0x80)) {
    value |= ~uint64_t{0} << (8 * length);  // sign-extend
  }
  return static_cast<int64_t>(value);
}

// Nodes in COPY's binary format: a header, one tuple per node, a trailer.
std::string CopyRows(int64_t execution,
                     const std::vector<v1::StoredNode>& nodes) {
  std::string out("PGCOPY\n\377\r\n\0", 11);
  AppendBigEndian(out, 0, 4);  // flags
  AppendBigEndian(out, 0, 4);  // header extension length
  for (const v1::StoredNode& node : nodes) {
    const std::string& path = node.node().node_path();
    const std::string bytes = node.SerializeAsString();
    AppendBigEndian(out, 3, 2);
    AppendBigEndian(out, 8, 4);
    AppendBigEndian(out, static_cast<uint64_t>(execution), 8);
    AppendBigEndian(out, path.size(), 4);
    out += path;
    AppendBigEndian(out, bytes.size(), 4);
    out += bytes;
  }
  AppendBigEndian(out, 0xffff, 2);  // -1: no more tuples
  return out;
}

// False when `deadline` passed or the socket failed before it was ready.
bool WaitForSocket(int socket, short events, absl::Time deadline) {
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || socket < 0) return false;
    pollfd fd{socket, events, 0};
    const int millis = static_cast<int>(std::min<int64_t>(
        absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))),
        1 << 30));
    const int ready = poll(&fd, 1, millis);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

// Why a call failed, for deciding whether to try again.
enum class Failure {
  kNone,
  kContention,  // the server refused this try (serialization, deadlock)
  kLost,        // the connection broke
  kOther,
};

// One call's use of a pooled connection, in non-blocking mode so that every
// wait ends by the call's deadline. Not thread-safe; one thread at a time.
class Session {
 public:
  Session(PGconn* conn, absl::string_view what, absl::Time deadline)
      : conn_(conn), what_(what), deadline_(deadline) {}

  // One statement; rows come back in binary.
  absl::StatusOr<Result> Exec(const char* sql, const Params& params = {}) {
    if (!PQsendQueryParams(conn_, sql, params.size(), params.types(),
                           params.values(), params.lengths(), params.formats(),
                           /*resultFormat=*/1)) {
      return Lost();
    }
    return Finish();
  }

  // Statements separated by semicolons, without parameters.
  absl::Status Script(const char* sql) {
    if (!PQsendQuery(conn_, sql)) return Lost();
    return Finish().status();
  }

  // Streams `rows`, COPY's binary format, into `copy` (a COPY ... FROM STDIN).
  absl::Status Copy(const char* copy, const std::string& rows) {
    auto started = Exec(copy);
    if (!started.ok()) return started.status();
    if (PQresultStatus(started->get()) != PGRES_COPY_IN) {
      broken_ = true;
      return Fail(absl::InternalError, "COPY did not start");
    }
    constexpr size_t kChunk = 1 << 20;
    for (size_t at = 0; at < rows.size();) {
      const size_t n = std::min(kChunk, rows.size() - at);
      const int queued =
          PQputCopyData(conn_, rows.data() + at, static_cast<int>(n));
      if (queued < 0) return Lost();
      if (queued == 1) at += n;
      if (absl::Status flushed = Flush(); !flushed.ok()) return flushed;
    }
    for (;;) {
      const int ended = PQputCopyEnd(conn_, nullptr);
      if (ended < 0) return Lost();
      if (ended == 1) break;
      if (absl::Status flushed = Flush(); !flushed.ok()) return flushed;
    }
    return Finish().status();
  }

  // `body` in a transaction, committed when it returns OK and rolled back
  // otherwise.
  absl::Status Transact(const std::function<absl::Status(Session&)>& body) {
    if (auto begun = Exec("BEGIN"); !begun.ok()) return begun.status();
    const absl::Status status = body(*this);
    if (status.ok()) {
      commit_sent_ = true;
      return Exec("COMMIT").status();
    }
    if (!broken_) {
      const Failure failure = failure_;
      Exec("ROLLBACK").status().IgnoreError();  // a failure marks it broken
      failure_ = failure;
    }
    return status;
  }

  // For a body that saw a concurrent change it cannot work around.
  absl::Status Contended(absl::string_view why) {
    failure_ = Failure::kContention;
    return absl::UnavailableError(absl::StrCat("postgres ", what_, ": ", why));
  }

  Failure failure() const { return failure_; }
  // The connection's state is unknown: it must not serve another call.
  bool broken() const { return broken_; }
  // COMMIT went out; if the connection broke, it may have taken effect.
  bool commit_sent() const { return commit_sent_; }

 private:
  // Sends what libpq has queued, reading meanwhile so the server never
  // blocks on us.
  absl::Status Flush() {
    for (;;) {
      const int left = PQflush(conn_);
      if (left == 0) return absl::OkStatus();
      if (left < 0) return Lost();
      if (!WaitForSocket(PQsocket(conn_), POLLIN | POLLOUT, deadline_)) {
        return TimedOut();
      }
      if (!PQconsumeInput(conn_)) return Lost();
    }
  }

  // The last result of what was sent; the first error if any.
  absl::StatusOr<Result> Finish() {
    if (absl::Status flushed = Flush(); !flushed.ok()) return flushed;
    Result last;
    absl::Status error;
    for (;;) {
      while (PQisBusy(conn_)) {
        if (!WaitForSocket(PQsocket(conn_), POLLIN, deadline_)) {
          return TimedOut();
        }
        if (!PQconsumeInput(conn_)) return Lost();
      }
      Result result(PQgetResult(conn_));
      if (result == nullptr) break;
      switch (PQresultStatus(result.get())) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
        case PGRES_EMPTY_QUERY:
          last = std::move(result);
          break;
        case PGRES_COPY_IN:
          return result;  // the caller streams the rows
        default:
          if (error.ok()) error = Failed(result.get());
      }
    }
    if (!error.ok()) return error;
    if (last == nullptr) return Lost();
    return last;
  }

  // Maps a server error: contention, an unreachable or failing-over server
  // and exhausted resources are "try again" (UNAVAILABLE); the rest is a bug
  // or a damaged database (INTERNAL, with the SQLSTATE).
  absl::Status Failed(const PGresult* result) {
    const char* field = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const std::string state = field != nullptr ? field : "";
    const std::string message = OneLine(PQresultErrorMessage(result));
    if (PQstatus(conn_) == CONNECTION_BAD) return Lost(message);
    if (state == "40001" || state == "40P01") {
      failure_ = Failure::kContention;
      return absl::UnavailableError(
          absl::StrCat("postgres ", what_, ": ", message));
    }
    failure_ = Failure::kOther;
    const bool unreachable =
        state.rfind("08", 0) == 0 || state.rfind("53", 0) == 0 ||
        state == "57P01" || state == "57P02" || state == "57P03" ||
        state == "25006";  // read-only: a standby after failover
    if (unreachable) {
      broken_ = true;  // reconnect, perhaps to the new primary
      return absl::UnavailableError(
          absl::StrCat("postgres ", what_, ": ", message));
    }
    if (state == "57014" || state == "55P03") {  // statement or lock timeout
      return absl::UnavailableError(absl::StrCat(
          "postgres ", what_, ": no answer in time (", message, ")"));
    }
    if (state.empty()) broken_ = true;  // libpq's own complaint
    return absl::InternalError(absl::StrCat("postgres ", what_, ": SQLSTATE ",
                                            state.empty() ? "none" : state,
                                            ": ", message));
  }

  absl::Status Lost(const std::string& message = "") {
    broken_ = true;
    const std::string why =
        message.empty() ? OneLine(PQerrorMessage(conn_)) : message;
    if (PQstatus(conn_) == CONNECTION_BAD) {
      failure_ = Failure::kLost;
      return absl::UnavailableError(
          absl::StrCat("postgres ", what_, ": connection lost: ", why));
    }
    return Fail(absl::InternalError, why);
  }

  absl::Status TimedOut() {
    broken_ = true;
    failure_ = Failure::kOther;
    return absl::UnavailableError(
        absl::StrCat("postgres ", what_, ": no answer in time"));
  }

  absl::Status Fail(absl::Status (*make)(absl::string_view),
                    absl::string_view why) {
    failure_ = Failure::kOther;
    return make(absl::StrCat("postgres ", what_, ": ", why));
  }

  PGconn* const conn_;
  const std::string what_;
  const absl::Time deadline_;
  Failure failure_ = Failure::kNone;
  bool broken_ = false;
  bool commit_sent_ = false;
};

}  // namespace

// At most `pool_size` connections, opened when first needed. Thread-safe.
class PostgresPool {
 public:
  explicit PostgresPool(const PostgresOptions& options)
      : dsn_(options.dsn),
        session_options_(absl::StrCat(
            "-c statement_timeout=",
            std::max<int64_t>(1, absl::ToInt64Milliseconds(options.timeout)))),
        size_(options.pool_size),
        free_(options.pool_size) {}

  ~PostgresPool() { DropIdle(); }

  struct Lease {
    PGconn* conn;
    bool reused;  // it served an earlier call
  };

  // A connection for one call: an idle one, or a new one when a slot is
  // free. UNAVAILABLE when neither comes by `deadline`.
  absl::StatusOr<Lease> Acquire(absl::Time deadline) {
    PGconn* conn = nullptr;
    if (!mu_.LockWhenWithDeadline(
            absl::Condition(
                +[](int* free) { return *free > 0; }, &free_),
            deadline)) {
      mu_.Unlock();
      return absl::UnavailableError(
          absl::StrCat("postgres: all ", size_,
                       " connections stayed busy; raise "
                       "storage.postgres_pool_size or storage.timeout"));
    }
    --free_;
    if (!idle_.empty()) {
      conn = idle_.back();
      idle_.pop_back();
    }
    mu_.Unlock();
    // A server that went away has usually closed the socket by now.
    if (conn != nullptr &&
        (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)) {
      PQfinish(conn);
      conn = nullptr;
    }
    if (conn != nullptr) return Lease{conn, true};
    auto opened = Connect(deadline);
    if (!opened.ok()) {
      Release(nullptr, true);
      return opened.status();
    }
    return Lease{*opened, false};
  }

  // Returns a lease's slot; keeps the connection only when it is healthy,
  // not `broken` and outside any transaction.
  void Release(PGconn* conn, bool broken) {
    if (conn != nullptr && (broken || PQstatus(conn) != CONNECTION_OK ||
                            PQtransactionStatus(conn) != PQTRANS_IDLE)) {
      PQfinish(conn);
      conn = nullptr;
    }
    absl::MutexLock lock(&mu_);
    if (conn != nullptr) idle_.push_back(conn);
    ++free_;
  }

  // Closes the idle connections: after one broke, the rest likely did too.
  void DropIdle() {
    std::vector<PGconn*> idle;
    {
      absl::MutexLock lock(&mu_);
      idle.swap(idle_);
    }
    for (PGconn* conn : idle) PQfinish(conn);
  }

 private:
  absl::StatusOr<PGconn*> Connect(absl::Time deadline) const {
    // Later keys win: the DSN may override the defaults before it.
    const char* keys[] = {"fallback_application_name", "options", "dbname",
                          nullptr};
    const char* values[] = {"override-resolver", session_options_.c_str(),
                            dsn_.c_str(), nullptr};
    PGconn* conn = PQconnectStartParams(keys, values, /*expand_dbname=*/1);
    if (conn == nullptr) {
      return absl::UnavailableError("postgres: cannot allocate a connection");
    }
    auto fail = [conn](absl::string_view why) {
      PQfinish(conn);
      return absl::UnavailableError(
          absl::StrCat("postgres: cannot connect: ", why));
    };
    if (PQstatus(conn) == CONNECTION_BAD) {
      return fail(OneLine(PQerrorMessage(conn)));
    }
    // connect_timeout does not apply here; the deadline bounds every step.
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (state != PGRES_POLLING_OK) {
      if (state == PGRES_POLLING_FAILED) {
        return fail(OneLine(PQerrorMessage(conn)));
      }
      const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
      if (!WaitForSocket(PQsocket(conn), events, deadline)) {
        return fail("no answer in time");
      }
      state = PQconnectPoll(conn);
    }
    // Notices (and warnings) stay in the server's log, not on our stderr.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    if (PQsetnonblocking(conn, 1) != 0) {
      return fail(OneLine(PQerrorMessage(conn)));
    }
    return conn;
  }

  const std::string dsn_;
  const std::string session_options_;
  const int size_;
  absl::Mutex mu_;
  std::vector<PGconn*> idle_ ABSL_GUARDED_BY(mu_);
  int free_ ABSL_GUARDED_BY(mu_);  // slots not lent out, open or not
};

namespace {

// Runs `body` on a pooled connection, in a transaction when asked, within
// `timeout`. Tries again when the server refused for contention, or when a
// reused connection turned out dead before anything could have committed.
absl::Status Run(PostgresPool& pool, absl::Duration timeout,
                 absl::string_view what, bool transaction,
                 const std::function<absl::Status(Session&)>& body) {
  const absl::Time deadline = absl::Now() + timeout;
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.Acquire(deadline);
    if (!lease.ok()) return lease.status();
    Session session(lease->conn, what, deadline);
    const absl::Status status =
        transaction ? session.Transact(body) : body(session);
    pool.Release(lease->conn, session.broken());
    if (status.ok()) return status;
    bool again = session.failure() == Failure::kContention;
    if (session.failure() == Failure::kLost) {
      pool.DropIdle();
      again = lease->reused && !session.commit_sent();
    }
    if (!again || attempt == kAttempts || absl::Now() >= deadline) {
      return status;
    }
  }
}

absl::Status NotRecorded(const ExecutionKey& key) {
  return absl::NotFoundError(
      absl::StrCat("execution ", key.ToString(), " is not recorded"));
}

}  // namespace

PostgresStore::PostgresStore(std::unique_ptr<PostgresPool> pool,
                             absl::Duration timeout)
    : pool_(std::move(pool)), timeout_(timeout) {}

PostgresStore::~PostgresStore() = default;

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const PostgresOptions& options) {
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("postgres pool size must be at least 1");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("postgres timeout must be positive");
  }
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.dsn.c_str(), &error);
  if (parsed == nullptr) {
    const std::string why = error != nullptr ? OneLine(error) : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("postgres connection string: ", why));
  }
  PQconninfoFree(parsed);
  std::unique_ptr<PostgresStore> store(new PostgresStore(
      std::make_unique<PostgresPool>(options), options.timeout));
  // Reachability first, within the call timeout; then the slower migration.
  if (absl::Status status = store->Ping(); !status.ok()) return status;
  if (absl::Status status = store->Migrate(); !status.ok()) return status;
  return store;
}

absl::Status PostgresStore::Migrate() {
  const absl::Duration timeout = std::max(timeout_, kMigrationTimeout);
  return Run(*pool_, timeout, "migration", true, [&](Session& s) {
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
    if (current > kPostgresSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("the postgres database is at schema version ", current,
                       ", newer than this binary's ", kPostgresSchemaVersion,
                       "; run a newer override-resolver"));
    }
    for (int64_t v = current; v < kPostgresSchemaVersion; ++v) {
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

absl::StatusOr<PutOutcome> PostgresStore::PutIfAbsent(
    const ExecutionRecord& record) {
  const std::string maps = record.maps.SerializeAsString();
  PutOutcome outcome;
  absl::Status status =
      Run(*pool_, timeout_, "PutIfAbsent", true, [&](Session& s) {
        // ON CONFLICT waits for a concurrent inserter of the key: when it
        // commits, no row comes back and the SELECT below sees its record.
        auto inserted = s.Exec(
            "INSERT INTO executions (org, project, domain, name, input_digest, "
            "maps, created_us, expires_us) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (org, project, domain, name) DO NOTHING RETURNING id",
            Params()
                .Key(record.key)
                .Text(record.input_digest)
                .Bytes(maps)
                .Int(Micros(record.created))
                .Int(Micros(record.expires)));
        if (!inserted.ok()) return inserted.status();
        if (PQntuples(inserted->get()) == 0) {
          auto existing =
              s.Exec(absl::StrCat("SELECT input_digest FROM executions WHERE ",
                                  kKeyMatches)
                         .c_str(),
                     Params().Key(record.key));
          if (!existing.ok()) return existing.status();
          if (PQntuples(existing->get()) == 0) {
            return s.Contended("the record was purged while it was being read");
          }
          outcome = {false, Bytes(existing->get(), 0, 0)};
          return absl::OkStatus();
        }
        if (!record.nodes.empty()) {
          const int64_t id = Integer(inserted->get(), 0, 0);
          if (absl::Status copied =
                  s.Copy(kCopyNodes, CopyRows(id, record.nodes));
              !copied.ok()) {
            return copied;
          }
        }
        outcome = {true, record.input_digest};
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return outcome;
}

absl::StatusOr<RecordHeader> PostgresStore::GetHeader(const ExecutionKey& key) {
  RecordHeader header;
  absl::Status status =
      Run(*pool_, timeout_, "GetHeader", false, [&](Session& s) {
        auto row = s.Exec(absl::StrCat("SELECT input_digest, maps, created_us, "
                                       "expires_us FROM executions WHERE ",
                                       kKeyMatches)
                              .c_str(),
                          Params().Key(key));
        if (!row.ok()) return row.status();
        const PGresult* r = row->get();
        if (PQntuples(r) == 0) return NotRecorded(key);
        header.input_digest = Bytes(r, 0, 0);
        if (!header.maps.ParseFromString(Bytes(r, 0, 1))) {
          return absl::DataLossError(
              absl::StrCat("the record of ", key.ToString(), " is damaged"));
        }
        header.created = absl::FromUnixMicros(Integer(r, 0, 2));
        header.expires = absl::FromUnixMicros(Integer(r, 0, 3));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return header;
}

absl::StatusOr<std::vector<v1::StoredNode>> PostgresStore::GetNodes(
    const ExecutionKey& key, absl::string_view node_path) {
  std::vector<v1::StoredNode> nodes;
  absl::Status status =
      Run(*pool_, timeout_, "GetNodes", false, [&](Session& s) {
        // One statement: no row when the execution is missing, a NULL node when
        // it has none (at that path). A path reads one row by primary key.
        Params params;
        params.Key(key);
        std::string sql = absl::StrCat(
            "SELECT n.node FROM executions e LEFT JOIN nodes n ON "
            "n.execution_id "
            "= e.id",
            node_path.empty() ? "" : " AND n.node_path = $5", " WHERE ",
            kExecutionMatches,
            node_path.empty() ? " ORDER BY n.node_path" : "");
        if (!node_path.empty()) params.Text(node_path);
        auto rows = s.Exec(sql.c_str(), params);
        if (!rows.ok()) return rows.status();
        const PGresult* r = rows->get();
        if (PQntuples(r) == 0) return NotRecorded(key);
        for (int i = 0; i < PQntuples(r); ++i) {
          if (PQgetisnull(r, i, 0)) continue;
          if (!nodes.emplace_back().ParseFromString(Bytes(r, i, 0))) {
            return absl::DataLossError(absl::StrCat(
                "a node record of ", key.ToString(), " is damaged"));
          }
        }
        if (!node_path.empty() && nodes.empty()) {
          return absl::NotFoundError(absl::StrCat("execution ", key.ToString(),
                                                  " has no node ", node_path,
                                                  " covered by a hook"));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return nodes;
}

absl::StatusOr<PutOutcome> PostgresStore::PutDynamic(
    const ExecutionKey& key, const std::string& parent_path,
    const std::string& input_digest, const std::vector<v1::StoredNode>& nodes) {
  PutOutcome outcome;
  absl::Status status =
      Run(*pool_, timeout_, "PutDynamic", true, [&](Session& s) {
        auto inserted = s.Exec(
            absl::StrCat(
                "INSERT INTO dynamic_parents (execution_id, parent_path, "
                "input_digest) SELECT id, $5, $6 FROM executions WHERE ",
                kKeyMatches,
                " ON CONFLICT (execution_id, parent_path) DO NOTHING "
                "RETURNING execution_id")
                .c_str(),
            Params().Key(key).Text(parent_path).Text(input_digest));
        if (!inserted.ok()) return inserted.status();
        if (PQntuples(inserted->get()) == 0) {
          // Either the execution is missing or the parent is recorded already.
          auto existing = s.Exec(
              "SELECT d.input_digest FROM executions e LEFT JOIN "
              "dynamic_parents d "
              "ON d.execution_id = e.id AND d.parent_path = $5 WHERE "
              "e.org = $1 AND e.project = $2 AND e.domain = $3 AND e.name = $4",
              Params().Key(key).Text(parent_path));
          if (!existing.ok()) return existing.status();
          const PGresult* r = existing->get();
          if (PQntuples(r) == 0) return NotRecorded(key);
          if (PQgetisnull(r, 0, 0)) {
            return s.Contended("the record changed while it was being written");
          }
          outcome = {false, Bytes(r, 0, 0)};
          return absl::OkStatus();
        }
        if (!nodes.empty()) {
          const int64_t id = Integer(inserted->get(), 0, 0);
          if (absl::Status copied = s.Copy(kCopyNodes, CopyRows(id, nodes));
              !copied.ok()) {
            return copied;
          }
        }
        outcome = {true, input_digest};
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return outcome;
}

absl::StatusOr<int> PostgresStore::PurgeExpired(absl::Time now,
                                                int max_records) {
  if (max_records <= 0) return 0;
  int purged = 0;
  absl::Status status =
      Run(*pool_, timeout_, "PurgeExpired", false, [&](Session& s) {
        // SKIP LOCKED: replicas purging at once take different records.
        auto done = s.Exec(
            "DELETE FROM executions WHERE id IN (SELECT id FROM executions "
            "WHERE expires_us <= $1 ORDER BY expires_us LIMIT $2 "
            "FOR UPDATE SKIP LOCKED)",
            Params().Int(Micros(now)).Int(max_records));
        if (!done.ok()) return done.status();
        purged = std::atoi(PQcmdTuples(done->get()));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::Status PostgresStore::Ping() {
  return Run(*pool_, timeout_, "Ping", false,
             [](Session& s) { return s.Exec("SELECT 1").status(); });
}

}  // namespace flyteoverride::storage
