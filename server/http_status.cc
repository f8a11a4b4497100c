#include "server/http_status.h"

#include "encoding/json_format.h"

namespace flyteoverride::server {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kCancelled:
      return 499;
    default:
      return 500;
  }
}

int HttpStatusFor(const Outcome& outcome) {
  if (outcome.status.code() == absl::StatusCode::kResourceExhausted &&
      !outcome.violations.empty()) {
    return 413;
  }
  return HttpStatusFor(outcome.status.code());
}

int RetryAfterSeconds(const Outcome& outcome) {
  const int status = HttpStatusFor(outcome);
  return status == 429 || status == 503 ? 1 : 0;
}

std::string HttpErrorBody(const Outcome& outcome) {
  v1::HttpError body;
  body.set_code(static_cast<int>(outcome.status.code()));
  body.set_message(std::string(outcome.status.message()));
  body.set_status(absl::StatusCodeToString(outcome.status.code()));
  for (const v1::Violation& violation : outcome.violations)
    *body.add_violations() = violation;
  for (const v1::Violation& warning : outcome.warnings)
    *body.add_warnings() = warning;
  return encoding::DeterministicJson(body, false);
}

}  // namespace flyteoverride::server
