#include "storage/store_test_factories.h"

#include <atomic>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "storage/memory_store.h"
#include "storage/sqlite_store.h"

namespace flyteoverride::storage {

std::vector<StoreFactory> AllStoreFactories() {
  return {
      {"Memory",
       [] {
         return absl::StatusOr<std::unique_ptr<Store>>(MemoryStore::Create());
       }},
      {"Sqlite",
       []() -> absl::StatusOr<std::unique_ptr<Store>> {
         static std::atomic<int> counter{0};
         const char* dir = std::getenv("TEST_TMPDIR");
         auto store = SqliteStore::Open({absl::StrCat(
             dir ? dir : "/tmp", "/conformance-", counter++, ".db")});
         if (!store.ok()) return store.status();
         return std::unique_ptr<Store>(*std::move(store));
       }},
  };
}

}  // namespace flyteoverride::storage
