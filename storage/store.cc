#include "storage/store.h"

#include "absl/strings/str_cat.h"

namespace flyteoverride::storage {

std::string ExecutionKey::ToString() const {
  return org.empty() ? absl::StrCat(project, "/", domain, "/", name)
                     : absl::StrCat(org, "/", project, "/", domain, "/", name);
}

}  // namespace flyteoverride::storage
