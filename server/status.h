// Errors at the edge: the service's absl::Status, carrying the violations of
// a failed call, turned into a gRPC status with details or an HTTP/JSON error.
// The one place that maps codes.
#ifndef FLYTEOVERRIDE_SERVER_STATUS_H_
#define FLYTEOVERRIDE_SERVER_STATUS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "grpcpp/support/status.h"

namespace flyteoverride::server {

// A status of `code` whose payload holds every violation.
absl::Status ViolationStatus(absl::StatusCode code, std::string message,
                             const std::vector<v1::Violation>& violations);

// The violations a status carries; empty when none.
std::vector<v1::Violation> ViolationsOf(const absl::Status& status);

// The code for a failed resolve: RESOURCE_EXHAUSTED when a limit was passed,
// FAILED_PRECONDITION when the closure is unusable, else INVALID_ARGUMENT.
absl::StatusCode CodeForViolations(
    const std::vector<v1::Violation>& violations);

// With google.rpc.Status details (BadRequest and ErrorDetails) in the
// grpc-status-details-bin trailer; long messages are truncated.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The HTTP status for a code (400, 404, 409, 412, 429, 503, 504, ...).
int HttpStatusFor(absl::StatusCode code);

// {"code": 3, "status": "INVALID_ARGUMENT", "message": "...", "violations":
// [...]}
std::string HttpErrorBody(const absl::Status& status);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_STATUS_H_
