// ListExecutions' page tokens: an opaque cursor naming the last record a
// page returned (its creation microsecond and name), so that the next page
// resumes after it however many records were added since.
#ifndef FLYTEOVERRIDE_SERVER_PAGE_TOKEN_H_
#define FLYTEOVERRIDE_SERVER_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/store.h"

namespace flyteoverride::server {

// base64url (unpadded) of "1:CREATED_US:NAME"; the leading version lets a
// later format refuse tokens of this one cleanly.
std::string EncodePageToken(const storage::ListPosition& position);

// INVALID_ARGUMENT for anything EncodePageToken did not make.
absl::StatusOr<storage::ListPosition> DecodePageToken(absl::string_view token);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_PAGE_TOKEN_H_
