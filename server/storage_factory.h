// Opens the store a config names.
#ifndef FLYTEOVERRIDE_SERVER_STORAGE_FACTORY_H_
#define FLYTEOVERRIDE_SERVER_STORAGE_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "storage/store.h"

namespace flyteoverride::server {

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(
    const config::StorageConfig& config);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_STORAGE_FACTORY_H_
