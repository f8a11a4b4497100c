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

// Memory and SQLite (a new file under $TEST_TMPDIR each time).
std::vector<StoreFactory> AllStoreFactories();

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_STORE_TEST_FACTORIES_H_
