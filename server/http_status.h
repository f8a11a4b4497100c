// An outcome as HTTP/JSON sends it: the HTTP status for its code, and a
// flyteoverride.v1.HttpError body in the proto3 JSON mapping.
#ifndef FLYTEOVERRIDE_SERVER_HTTP_STATUS_H_
#define FLYTEOVERRIDE_SERVER_HTTP_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "server/answer.h"

namespace flyteoverride::server {

// The HTTP status for a code (400, 404, 409, 412, 429, 503, 504, ...).
int HttpStatusFor(absl::StatusCode code);

// The HTTP status for an outcome. RESOURCE_EXHAUSTED splits in two, so that
// a client retrying on 429 never loops on a request that cannot succeed:
// with violations (a size or work limit; the same request always fails) it
// is 413; without (the server is at capacity) it is 429.
int HttpStatusFor(const Outcome& outcome);

// Seconds for a Retry-After header: 1 for an outcome worth retrying as it
// is (429 at capacity, 503 unavailable), else 0 (none).
int RetryAfterSeconds(const Outcome& outcome);

// {"code":3,"message":"...","status":"INVALID_ARGUMENT","violations":[...]}
std::string HttpErrorBody(const Outcome& outcome);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_HTTP_STATUS_H_
