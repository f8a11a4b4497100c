#include "server/status.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "resolver/json_format.h"

namespace flyteoverride::server {
namespace {

constexpr char kDetailsUrl[] =
    "type.googleapis.com/flyteoverride.v1.ErrorDetails";
// gRPC metadata must stay well under the peer's header limit (8 KiB by
// default).
constexpr size_t kMaxMessage = 1024;
constexpr size_t kMaxDetailsBytes = 6 * 1024;

v1::ErrorDetails DetailsOf(const absl::Status& status) {
  v1::ErrorDetails details;
  if (auto payload = status.GetPayload(kDetailsUrl)) {
    details.ParseFromString(std::string(*payload));
  }
  return details;
}

}  // namespace

absl::Status ViolationStatus(absl::StatusCode code, std::string message,
                             const std::vector<v1::Violation>& violations) {
  absl::Status status(code, message);
  v1::ErrorDetails details;
  for (const v1::Violation& violation : violations)
    *details.add_violations() = violation;
  status.SetPayload(kDetailsUrl, absl::Cord(details.SerializeAsString()));
  return status;
}

std::vector<v1::Violation> ViolationsOf(const absl::Status& status) {
  const v1::ErrorDetails details = DetailsOf(status);
  return {details.violations().begin(), details.violations().end()};
}

absl::StatusCode CodeForViolations(
    const std::vector<v1::Violation>& violations) {
  bool bad_closure = false;
  for (const v1::Violation& violation : violations) {
    if (violation.category() == v1::Violation::LIMIT_EXCEEDED) {
      return absl::StatusCode::kResourceExhausted;
    }
    bad_closure |= violation.category() == v1::Violation::BAD_CLOSURE;
  }
  return bad_closure ? absl::StatusCode::kFailedPrecondition
                     : absl::StatusCode::kInvalidArgument;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (message.size() > kMaxMessage)
    message = absl::StrCat(message.substr(0, kMaxMessage), "...");
  const auto code = static_cast<grpc::StatusCode>(status.code());
  v1::ErrorDetails details = DetailsOf(status);
  if (details.violations().empty()) return grpc::Status(code, message);

  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  rich.set_message(message);
  rich.add_details()->PackFrom(details);
  if (rich.ByteSizeLong() > kMaxDetailsBytes) rich.clear_details();
  // BadRequest, which generic clients show, goes first; as many violations
  // as fit, then a count of the rest.
  google::rpc::BadRequest bad_request;
  size_t budget =
      kMaxDetailsBytes - std::min(kMaxDetailsBytes, rich.ByteSizeLong()) - 64;
  for (int i = 0; i < details.violations_size(); ++i) {
    const v1::Violation& violation = details.violations(i);
    const size_t cost =
        violation.field().size() + violation.description().size() + 8;
    if (cost > budget) {
      auto* more = bad_request.add_field_violations();
      more->set_description(absl::StrCat(details.violations_size() - i,
                                         " more violations not shown"));
      break;
    }
    budget -= cost;
    auto* field = bad_request.add_field_violations();
    field->set_field(violation.field());
    field->set_description(violation.description());
  }
  google::rpc::Status with_bad_request;
  with_bad_request.set_code(rich.code());
  with_bad_request.set_message(message);
  with_bad_request.add_details()->PackFrom(bad_request);
  for (const auto& any : rich.details()) *with_bad_request.add_details() = any;
  const std::string bytes = with_bad_request.SerializeAsString();
  return grpc::Status(code, message, bytes);
}

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

std::string HttpErrorBody(const absl::Status& status) {
  google::protobuf::Struct body;
  auto& fields = *body.mutable_fields();
  fields["code"].set_number_value(static_cast<int>(status.code()));
  fields["status"].set_string_value(absl::StatusCodeToString(status.code()));
  fields["message"].set_string_value(std::string(status.message()));
  std::string json = resolver::DeterministicJson(body, false);
  const v1::ErrorDetails details = DetailsOf(status);
  if (details.violations().empty()) return json;
  // Splice the violations in their proto3 JSON form.
  const std::string violations = resolver::DeterministicJson(details, false);
  json.pop_back();  // "}"
  return absl::StrCat(json, ",", violations.substr(1));
}

}  // namespace flyteoverride::server
