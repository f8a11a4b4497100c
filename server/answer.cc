#include "server/answer.h"

#include "absl/strings/str_cat.h"

namespace flyteoverride::server {
namespace {

absl::StatusCode CodeFor(const std::vector<v1::Violation>& violations) {
  bool bad_closure = false;
  for (const v1::Violation& violation : violations) {
    if (violation.category() == v1::Violation::LIMIT_EXCEEDED)
      return absl::StatusCode::kResourceExhausted;
    bad_closure |= violation.category() == v1::Violation::BAD_CLOSURE;
  }
  return bad_closure ? absl::StatusCode::kFailedPrecondition
                     : absl::StatusCode::kInvalidArgument;
}

}  // namespace

Outcome Outcome::Refused(std::vector<v1::Violation> violations,
                         std::vector<v1::Violation> warnings) {
  const absl::StatusCode code = CodeFor(violations);
  std::string message = absl::StrCat(
      violations.size(),
      violations.size() == 1 ? " violation: " : " violations; first: ",
      violations.front().description());
  Outcome outcome(absl::Status(code, message), std::move(violations));
  outcome.warnings = std::move(warnings);
  return outcome;
}

}  // namespace flyteoverride::server
