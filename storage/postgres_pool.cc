#include "storage/postgres_pool.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace flyteoverride::storage::postgres {
namespace {

// Tries of one call when the server refuses for contention or a pooled
// connection turns out dead.
constexpr int kAttempts = 3;

}  // namespace

Pool::Pool(std::string dsn, int size, absl::Duration statement_timeout)
    : dsn_(std::move(dsn)),
      statement_timeout_(statement_timeout),
      size_(size),
      free_(size) {}

Pool::~Pool() { DropIdle(); }

absl::StatusOr<Pool::Lease> Pool::Acquire(absl::Time deadline) {
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
  auto opened = Connect(dsn_, statement_timeout_, deadline);
  if (!opened.ok()) {
    Release(nullptr, true);
    return opened.status();
  }
  return Lease{*opened, false};
}

void Pool::Release(PGconn* conn, bool broken) {
  if (conn != nullptr && (broken || PQstatus(conn) != CONNECTION_OK ||
                          PQtransactionStatus(conn) != PQTRANS_IDLE)) {
    PQfinish(conn);
    conn = nullptr;
  }
  absl::MutexLock lock(&mu_);
  if (conn != nullptr) idle_.push_back(conn);
  ++free_;
}

void Pool::DropIdle() {
  std::vector<PGconn*> idle;
  {
    absl::MutexLock lock(&mu_);
    idle.swap(idle_);
  }
  for (PGconn* conn : idle) PQfinish(conn);
}

absl::Status Run(Pool& pool, absl::Duration timeout, absl::string_view what,
                 bool transaction,
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

}  // namespace flyteoverride::storage::postgres
