// The PostgreSQL schema of PostgresStore and its forward-only migrations
// (docs/design.md section 6). Migrate runs in one transaction under an advisory lock,
// so replicas starting at once migrate one after the other, the second
// finding nothing to do. Invariants: schema_migrations holds one row per
// applied version; a database at a version above kSchemaVersion is refused,
// never touched.
//
// Thread-safe, and safe across processes sharing one database.
#ifndef FLYTEOVERRIDE_STORAGE_POSTGRES_SCHEMA_H_
#define FLYTEOVERRIDE_STORAGE_POSTGRES_SCHEMA_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace flyteoverride::storage::postgres {

// The newest schema this binary knows.
inline constexpr int kSchemaVersion = 2;

class Pool;

// Brings the database's schema to kSchemaVersion, waiting for another
// replica's migration as needed, within `call_timeout` or a minute,
// whichever is longer. FAILED_PRECONDITION when the database's schema is newer
// than this binary's; UNAVAILABLE when the database does not answer in time.
absl::Status Migrate(Pool& pool, absl::Duration call_timeout);

}  // namespace flyteoverride::storage::postgres

#endif  // FLYTEOVERRIDE_STORAGE_POSTGRES_SCHEMA_H_
