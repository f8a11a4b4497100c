#include "server/storage_factory.h"

#include "storage/memory_store.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"

namespace flyteoverride::server {

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(
    const config::StorageConfig& config) {
  switch (config.driver) {
    case config::StorageConfig::Driver::kMemory:
      return std::unique_ptr<storage::Store>(storage::MemoryStore::Create());
    case config::StorageConfig::Driver::kSqlite: {
      auto store =
          storage::SqliteStore::Open({config.sqlite_path, config.timeout});
      if (!store.ok()) return store.status();
      return std::unique_ptr<storage::Store>(*std::move(store));
    }
    case config::StorageConfig::Driver::kPostgres: {
      auto store = storage::PostgresStore::Open(
          {config.postgres_dsn, config.postgres_pool_size, config.timeout});
      if (!store.ok()) return store.status();
      return std::unique_ptr<storage::Store>(*std::move(store));
    }
  }
  return absl::InvalidArgumentError("unknown storage driver");
}

}  // namespace flyteoverride::server
