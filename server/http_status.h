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

// {"code":3,"message":"...","status":"INVALID_ARGUMENT","violations":[...]}
std::string HttpErrorBody(const Outcome& outcome);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_HTTP_STATUS_H_
