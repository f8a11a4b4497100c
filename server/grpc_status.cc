#include "server/grpc_status.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace flyteoverride::server {
namespace {

// gRPC metadata must stay well under the peer's header limit (8 KiB by
// default).
constexpr size_t kMaxMessage = 1024;
constexpr size_t kMaxDetailsBytes = 6 * 1024;

// As many violations as fit in `budget` bytes, then a count of the rest.
google::rpc::BadRequest BadRequestOf(const v1::ErrorDetails& details,
                                     size_t budget) {
  google::rpc::BadRequest bad_request;
  for (int i = 0; i < details.violations_size(); ++i) {
    const v1::Violation& violation = details.violations(i);
    const size_t cost =
        violation.field().size() + violation.description().size() + 8;
    if (cost > budget) {
      bad_request.add_field_violations()->set_description(absl::StrCat(
          details.violations_size() - i, " more violations not shown"));
      break;
    }
    budget -= cost;
    auto* field = bad_request.add_field_violations();
    field->set_field(violation.field());
    field->set_description(violation.description());
  }
  return bad_request;
}

}  // namespace

grpc::Status ToGrpcStatus(const Outcome& outcome) {
  if (outcome.ok()) return grpc::Status::OK;
  std::string message(outcome.status.message());
  if (message.size() > kMaxMessage)
    message = absl::StrCat(message.substr(0, kMaxMessage), "...");
  const auto code = static_cast<grpc::StatusCode>(outcome.status.code());
  if (outcome.violations.empty() && outcome.warnings.empty())
    return grpc::Status(code, message);

  v1::ErrorDetails details;
  for (const v1::Violation& violation : outcome.violations)
    *details.add_violations() = violation;
  for (const v1::Violation& warning : outcome.warnings)
    *details.add_warnings() = warning;
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  rich.set_message(message);
  rich.add_details()->PackFrom(details);
  if (rich.ByteSizeLong() > kMaxDetailsBytes) rich.clear_details();
  const size_t budget =
      kMaxDetailsBytes - std::min(kMaxDetailsBytes, rich.ByteSizeLong() + 64);
  google::rpc::Status with_bad_request;
  with_bad_request.set_code(rich.code());
  with_bad_request.set_message(message);
  with_bad_request.add_details()->PackFrom(BadRequestOf(details, budget));
  for (const auto& any : rich.details()) *with_bad_request.add_details() = any;
  return grpc::Status(code, message, with_bad_request.SerializeAsString());
}

}  // namespace flyteoverride::server
