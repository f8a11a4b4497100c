// The stores the conformance suite runs against, each opened fresh.
#ifndef FLYTEOVERRIDE_STORAGE_STORE_TEST_FACTORIES_H_
#define FLYTEOVERRIDE_STORAGE_STORE_TEST_FACTORIES_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/store.h"

namespace flyteoverride::storage {

struct StoreFactory {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<Store>>()> open;
};

// Memory, SQLite (a new file under $TEST_TMPDIR each time) and PostgreSQL (a
// new database each time) when FO_POSTGRES_DSN names a server. Without one,
// PostgreSQL is left out locally, but where it is required (see
// PostgresRequired) its entry fails every test that opens it.
std::vector<StoreFactory> AllStoreFactories();

// True when PostgreSQL tests must run, never skip: FO_REQUIRE_POSTGRES=1 (set
// by scripts/test.sh) or CI=true.
bool PostgresRequired();

// The DSN of a new, empty database on the server FO_POSTGRES_DSN names (a
// key=value connection string). FAILED_PRECONDITION when it is unset.
absl::StatusOr<std::string> FreshPostgresDatabase();

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_STORE_TEST_FACTORIES_H_
