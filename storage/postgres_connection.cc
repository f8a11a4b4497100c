#include "storage/postgres_connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace flyteoverride::storage::postgres {
namespace {

constexpr Oid kByteaOid = 17, kInt8Oid = 20, kTextOid = 25;

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

}  // namespace

absl::Status ValidateDsn(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &error);
  if (parsed == nullptr) {
    const std::string why = error != nullptr ? OneLine(error) : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("postgres connection string: ", why));
  }
  PQconninfoFree(parsed);
  return absl::OkStatus();
}

absl::StatusOr<PGconn*> Connect(const std::string& dsn,
                                absl::Duration statement_timeout,
                                absl::Time deadline) {
  const std::string session_options = absl::StrCat(
      "-c statement_timeout=",
      std::max<int64_t>(1, absl::ToInt64Milliseconds(statement_timeout)));
  // Later keys win: the DSN may override the defaults before it.
  const char* keys[] = {"fallback_application_name", "options", "dbname",
                        nullptr};
  const char* values[] = {"override-resolver", session_options.c_str(),
                          dsn.c_str(), nullptr};
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

Params& Params::Text(absl::string_view text) { return Add(text, kTextOid); }

Params& Params::Bytes(absl::string_view bytes) { return Add(bytes, kByteaOid); }

Params& Params::Int(int64_t value) {
  std::string& bytes = owned_.emplace_back();
  AppendBigEndian(bytes, static_cast<uint64_t>(value), 8);
  return Add(bytes, kInt8Oid);
}

Params& Params::Add(absl::string_view bytes, Oid type) {
  types_.push_back(type);
  values_.push_back(bytes.data() != nullptr ? bytes.data() : "");  // NULL
  lengths_.push_back(static_cast<int>(bytes.size()));  // would be SQL NULL
  formats_.push_back(1);
  return *this;
}

CopyRows::CopyRows() : out_("PGCOPY\n\377\r\n\0", 11) {
  AppendBigEndian(out_, 0, 4);  // flags
  AppendBigEndian(out_, 0, 4);  // header extension length
}

CopyRows& CopyRows::StartRow(int fields) {
  AppendBigEndian(out_, static_cast<uint64_t>(fields), 2);
  return *this;
}

CopyRows& CopyRows::Int(int64_t value) {
  AppendBigEndian(out_, 8, 4);
  AppendBigEndian(out_, static_cast<uint64_t>(value), 8);
  return *this;
}

CopyRows& CopyRows::Bytes(absl::string_view bytes) {
  AppendBigEndian(out_, bytes.size(), 4);
  out_.append(bytes.data(), bytes.size());
  return *this;
}

std::string CopyRows::Finish() && {
  AppendBigEndian(out_, 0xffff, 2);  // -1: no more tuples
  return std::move(out_);
}

std::string Bytes(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     PQgetlength(result, row, column));
}

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

absl::StatusOr<Result> Session::Exec(const char* sql, const Params& params) {
  if (!PQsendQueryParams(conn_, sql, params.size(), params.types(),
                         params.values(), params.lengths(), params.formats(),
                         /*resultFormat=*/1)) {
    return Lost();
  }
  return Finish();
}

absl::Status Session::Script(const char* sql) {
  if (!PQsendQuery(conn_, sql)) return Lost();
  return Finish().status();
}

absl::Status Session::Copy(const char* copy, const std::string& rows) {
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

absl::Status Session::Transact(
    const std::function<absl::Status(Session&)>& body) {
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

absl::Status Session::Contended(absl::string_view why) {
  failure_ = Failure::kContention;
  return absl::UnavailableError(absl::StrCat("postgres ", what_, ": ", why));
}

// Sends what libpq has queued, reading meanwhile so the server never blocks
// on us.
absl::Status Session::Flush() {
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
absl::StatusOr<Result> Session::Finish() {
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

// Maps a server error: contention, an unreachable or failing-over server and
// exhausted resources are "try again" (UNAVAILABLE); the rest is a bug or a
// damaged database (INTERNAL, with the SQLSTATE).
absl::Status Session::Failed(const PGresult* result) {
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
                                          state.empty() ? "none" : state, ": ",
                                          message));
}

absl::Status Session::Lost(const std::string& message) {
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

absl::Status Session::TimedOut() {
  broken_ = true;
  failure_ = Failure::kOther;
  return absl::UnavailableError(
      absl::StrCat("postgres ", what_, ": no answer in time"));
}

absl::Status Session::Fail(absl::Status (*make)(absl::string_view),
                           absl::string_view why) {
  failure_ = Failure::kOther;
  return make(absl::StrCat("postgres ", what_, ": ", why));
}

}  // namespace flyteoverride::storage::postgres
