// The service's logic, shared by the gRPC and HTTP/JSON surfaces: each call
// validated, resolved by the pure core, recorded in storage. Knows nothing
// of gRPC or HTTP; errors are absl::Status values carrying violations.
#ifndef FLYTEOVERRIDE_SERVER_OVERRIDE_SERVICE_H_
#define FLYTEOVERRIDE_SERVER_OVERRIDE_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/resolve.h"
#include "resolver/rewrite.h"
#include "server/policy_holder.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace flyteoverride::server {

struct ServiceOptions {
  resolver::ResolveLimits limits;
  absl::Duration retention = absl::Hours(24 * 30);
  // The operator policy in force, read once per call; null: no policy. Must
  // outlive the service.
  const PolicyHolder* policy = nullptr;
  // For ResolveOptions.rewrite_closure (docs/flyte-v1.md):
  // rewrite.forbid_task_copies is the operator's switch; the walk limits
  // are `limits.walk`.
  resolver::RewriteOptions rewrite;
};

// What a call reports for metrics and logs, whatever its outcome.
struct CallStats {
  int nodes = 0;
  int hooks = 0;
  std::string execution;  // "project/domain/name", once the request is read
};

// Thread-safe: holds no mutable state of its own.
class OverrideService {
 public:
  OverrideService(ServiceOptions options, storage::Store* store,
                  const storage::Clock& clock = storage::Clock::Real())
      : options_(std::move(options)), store_(store), clock_(clock) {}

  absl::StatusOr<v1::InspectWorkflowResponse> InspectWorkflow(
      const v1::InspectWorkflowRequest& request, CallStats* stats) const;
  // `deadline` bounds the call: past it, nothing more is started.
  // `read_violations` are problems found while reading the request (unknown
  // JSON members), reported together with the resolve's own.
  absl::StatusOr<v1::ResolveResponse> Resolve(
      const v1::ResolveRequest& request, absl::Time deadline, CallStats* stats,
      std::vector<v1::Violation> read_violations = {}) const;
  absl::StatusOr<v1::GetResolvedResponse> GetResolved(
      const v1::GetResolvedRequest& request, CallStats* stats) const;
  absl::StatusOr<v1::ResolveDynamicResponse> ResolveDynamic(
      const v1::ResolveDynamicRequest& request, absl::Time deadline,
      CallStats* stats) const;

  // OK when storage answers.
  absl::Status Ready() const { return store_->Ping(); }

 private:
  // The response for a repeated Resolve of a recorded execution.
  absl::StatusOr<v1::ResolveResponse> ReplayRecorded(
      const storage::ExecutionKey& key, v1::ResolveResponse fresh) const;
  const ServiceOptions options_;
  storage::Store* const store_;
  const storage::Clock& clock_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_OVERRIDE_SERVICE_H_
