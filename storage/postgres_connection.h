// One libpq connection as PostgresStore uses it: opened with a deadline and a
// per-session statement_timeout, then driven in non-blocking mode by a
// Session, which runs statements with binary parameters and results and maps
// every failure to an absl::Status (UNAVAILABLE for "try again": contention,
// an unreachable, failing-over or exhausted server, no answer in time;
// INTERNAL with the SQLSTATE for the rest).
//
// Nothing here is thread-safe: a connection, and the Session driving it, serve
// one thread at a time. The pool (postgres_pool.h) hands them out.
#ifndef FLYTEOVERRIDE_STORAGE_POSTGRES_CONNECTION_H_
#define FLYTEOVERRIDE_STORAGE_POSTGRES_CONNECTION_H_

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace flyteoverride::storage::postgres {

// INVALID_ARGUMENT, saying why, when libpq cannot parse `dsn` (a connection
// string or postgresql:// URI). Opens nothing.
absl::Status ValidateDsn(const std::string& dsn);

// A new connection to `dsn`, in non-blocking mode, with server notices
// silenced and each statement bounded by `statement_timeout` (the DSN may
// override it). UNAVAILABLE when it is not up by `deadline`. The caller owns
// the connection and closes it with PQfinish.
absl::StatusOr<PGconn*> Connect(const std::string& dsn,
                                absl::Duration statement_timeout,
                                absl::Time deadline);

// Query parameters, all in binary: text and bytea as their bytes, bigint in
// network order. Views point into the caller's strings, which must outlive
// the query. Move-only: integers point into bytes owned here, which a move
// keeps in place and a copy would not.
class Params {
 public:
  Params() = default;
  Params(Params&&) = default;
  Params& operator=(Params&&) = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& Text(absl::string_view text);
  Params& Bytes(absl::string_view bytes);
  Params& Int(int64_t value);

  int size() const { return static_cast<int>(values_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& Add(absl::string_view bytes, Oid type);

  std::deque<std::string> owned_;  // a deque: elements never move
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// Rows in COPY's binary format, for Session::Copy: a header, the tuples, a
// trailer. Each tuple is StartRow(n) followed by exactly n fields.
class CopyRows {
 public:
  CopyRows();

  CopyRows& StartRow(int fields);
  CopyRows& Int(int64_t value);              // a bigint field
  CopyRows& Bytes(absl::string_view bytes);  // a text or bytea field

  // The rows, trailer included; the builder is spent.
  std::string Finish() &&;

 private:
  std::string out_;
};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// A binary column's bytes.
std::string Bytes(const PGresult* result, int row, int column);
// A binary integer or boolean column.
int64_t Integer(const PGresult* result, int row, int column);

// Why a call failed, for deciding whether to try again.
enum class Failure {
  kNone,
  kContention,  // the server refused this try (serialization, deadlock)
  kLost,        // the connection broke
  kOther,
};

// One call's use of a connection, in non-blocking mode so that every wait
// ends by the call's deadline. Errors read "postgres <what>: ...". Not
// thread-safe; one thread at a time. Does not own the connection.
class Session {
 public:
  Session(PGconn* conn, absl::string_view what, absl::Time deadline)
      : conn_(conn), what_(what), deadline_(deadline) {}

  // One statement; rows come back in binary.
  absl::StatusOr<Result> Exec(const char* sql, const Params& params = {});

  // Statements separated by semicolons, without parameters.
  absl::Status Script(const char* sql);

  // Streams `rows`, COPY's binary format, into `copy` (a COPY ... FROM STDIN).
  absl::Status Copy(const char* copy, const std::string& rows);

  // `body` in a transaction, committed when it returns OK and rolled back
  // otherwise.
  absl::Status Transact(const std::function<absl::Status(Session&)>& body);

  // For a body that saw a concurrent change it cannot work around.
  absl::Status Contended(absl::string_view why);

  Failure failure() const { return failure_; }
  // The connection's state is unknown: it must not serve another call.
  bool broken() const { return broken_; }
  // COMMIT went out; if the connection broke, it may have taken effect.
  bool commit_sent() const { return commit_sent_; }

 private:
  absl::Status Flush();
  absl::StatusOr<Result> Finish();
  absl::Status Failed(const PGresult* result);
  absl::Status Lost(const std::string& message = "");
  absl::Status TimedOut();
  absl::Status Fail(absl::Status (*make)(absl::string_view),
                    absl::string_view why);

  PGconn* const conn_;
  const std::string what_;
  const absl::Time deadline_;
  Failure failure_ = Failure::kNone;
  bool broken_ = false;
  bool commit_sent_ = false;
};

}  // namespace flyteoverride::storage::postgres

#endif  // FLYTEOVERRIDE_STORAGE_POSTGRES_CONNECTION_H_
