#include "server/storage_factory.h"

#include "storage/memory_store.h"

namespace flyteoverride::server {

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(
    const StorageConfig& config) {
  switch (config.driver) {
    case StorageConfig::Driver::kMemory:
      return std::unique_ptr<storage::Store>(storage::MemoryStore::Create());
    default:
      return absl::UnimplementedError("storage driver not built yet");
  }
}

}  // namespace flyteoverride::server
