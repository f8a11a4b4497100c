// A bounded pool of PostgreSQL connections and the way every PostgresStore
// call uses it (Run): borrow a connection, run, give it back, and try again
// when the server refused for contention or a reused connection turned out
// dead.
//
// Thread-safe. Invariants: at most `size` connections are open or lent out
// at once; a connection is opened only when a call needs one and no idle one
// is left (so the pool reopens by itself after the database comes back); a
// connection goes back to the idle list only when it is healthy and outside
// any transaction, and is closed otherwise.
#ifndef FLYTEOVERRIDE_STORAGE_POSTGRES_POOL_H_
#define FLYTEOVERRIDE_STORAGE_POSTGRES_POOL_H_

#include <postgresql/libpq-fe.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/postgres_connection.h"

namespace flyteoverride::storage::postgres {

// At most `size` connections to `dsn`, opened when first needed, each
// statement on them bounded by `statement_timeout`. Thread-safe.
class Pool {
 public:
  Pool(std::string dsn, int size, absl::Duration statement_timeout);
  ~Pool();

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  struct Lease {
    PGconn* conn;
    bool reused;  // it served an earlier call
  };

  // A connection for one call: an idle one, or a new one when a slot is
  // free. UNAVAILABLE when neither comes by `deadline`. Every lease is given
  // back with Release.
  absl::StatusOr<Lease> Acquire(absl::Time deadline);

  // Returns a lease's slot; keeps the connection only when it is healthy,
  // not `broken` and outside any transaction.
  void Release(PGconn* conn, bool broken);

  // Closes the idle connections: after one broke, the rest likely did too.
  void DropIdle();

 private:
  const std::string dsn_;
  const absl::Duration statement_timeout_;
  const int size_;
  absl::Mutex mu_;
  std::vector<PGconn*> idle_ ABSL_GUARDED_BY(mu_);
  int free_ ABSL_GUARDED_BY(mu_);  // slots not lent out, open or not
};

// Runs `body` on a pooled connection, in a transaction when asked, within
// `timeout`; errors name the call `what`. Tries again (three tries at most)
// when the server refused for contention, or when a reused connection turned
// out dead before anything could have committed. Thread-safe.
absl::Status Run(Pool& pool, absl::Duration timeout, absl::string_view what,
                 bool transaction,
                 const std::function<absl::Status(Session&)>& body);

}  // namespace flyteoverride::storage::postgres

#endif  // FLYTEOVERRIDE_STORAGE_POSTGRES_POOL_H_
