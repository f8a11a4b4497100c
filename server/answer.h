// What a call of the service answers, the same on every surface: a
// response, or a status saying why not together with the violations that
// explain a refusal of the inputs (none when the call itself failed:
// storage down, a deadline). Violations stay values up to the surface,
// where one converter per wire form writes them (grpc_status.h,
// http_status.h).
#ifndef FLYTEOVERRIDE_SERVER_ANSWER_H_
#define FLYTEOVERRIDE_SERVER_ANSWER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::server {

// A call's outcome without its response: what metrics, logs and the error
// converters read.
struct Outcome {
  absl::Status status;  // OK when answered
  std::vector<v1::Violation> violations;
  // A refusal's warnings (clamps, unknown hooks under WARN): what the
  // response would have carried, so a refused call loses none of them.
  std::vector<v1::Violation> warnings;

  Outcome() = default;
  // A failure of the call itself, or a refusal that needs no violations.
  Outcome(absl::Status status) : status(std::move(status)) {}  // NOLINT
  Outcome(absl::Status status, std::vector<v1::Violation> violations)
      : status(std::move(status)), violations(std::move(violations)) {}

  // A refusal of the inputs: RESOURCE_EXHAUSTED when a limit was passed,
  // FAILED_PRECONDITION when the closure is unusable, else
  // INVALID_ARGUMENT; the message counts the violations and quotes the
  // first. `violations` must not be empty.
  static Outcome Refused(std::vector<v1::Violation> violations,
                         std::vector<v1::Violation> warnings = {});

  bool ok() const { return status.ok(); }
};

// An Outcome with its response; read like absl::StatusOr.
template <typename Response>
class Answer {
 public:
  Answer(Response response) : response_(std::move(response)) {}  // NOLINT
  Answer(Outcome outcome) : outcome_(std::move(outcome)) {}      // NOLINT
  Answer(absl::Status status) : outcome_(std::move(status)) {}   // NOLINT

  bool ok() const { return outcome_.ok(); }
  const absl::Status& status() const { return outcome_.status; }
  const std::vector<v1::Violation>& violations() const {
    return outcome_.violations;
  }
  // Moves the response to `out` when answered; returns the outcome.
  Outcome Deliver(Response* out) && {
    if (ok()) *out = std::move(response_);
    return std::move(outcome_);
  }

  // The response; meaningful only when ok().
  const Response& operator*() const& { return response_; }
  Response&& operator*() && { return std::move(response_); }
  const Response* operator->() const { return &response_; }
  Response* operator->() { return &response_; }

 private:
  Outcome outcome_;
  Response response_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_ANSWER_H_
