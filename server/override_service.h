// The service's logic, shared by the gRPC and HTTP/JSON surfaces: each call
// is answered by the pure pipeline (pipeline/resolve_execution.h) and
// recorded in storage. Knows nothing of gRPC or HTTP: answers are values
// (answer.h) that each surface writes in its own wire form.
#ifndef FLYTEOVERRIDE_SERVER_OVERRIDE_SERVICE_H_
#define FLYTEOVERRIDE_SERVER_OVERRIDE_SERVICE_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "pipeline/resolve_execution.h"
#include "server/answer.h"
#include "server/policy_holder.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace flyteoverride::server {

// `limits` bound every call; `rewrite.forbid_task_copies` is the
// operator's switch for rewrite_closure (docs/flyte-v1.md).
struct ServiceOptions : pipeline::PipelineOptions {
  absl::Duration retention = absl::Hours(24 * 30);
  // The operator policy in force, read once per call; null: no policy. Must
  // outlive the service.
  const PolicyHolder* policy = nullptr;
  // Set once the shutdown grace has passed: every call still working stops
  // within a bounded amount of work. Null: never. Must outlive the service.
  const std::atomic<bool>* stop_all = nullptr;
};

// What a call reports for metrics and logs, whatever its outcome.
struct CallStats {
  int nodes = 0;
  int hooks = 0;
  std::string execution;  // "project/domain/name", once the request is read
  // The warnings (policy clamps) of a resolve that was not refused; a
  // refusal's are in its Outcome.
  std::vector<v1::Violation> warnings;
};

// Thread-safe: holds no mutable state of its own.
class OverrideService {
 public:
  OverrideService(ServiceOptions options, storage::Store* store,
                  const storage::Clock& clock = storage::Clock::Real())
      : options_(std::move(options)), store_(store), clock_(clock) {}

  Answer<v1::InspectWorkflowResponse> InspectWorkflow(
      const v1::InspectWorkflowRequest& request, CallStats* stats) const;
  // `deadline` bounds the call: past it, nothing more is started.
  // `read_violations` are problems found while reading the request (unknown
  // JSON members), reported together with the resolve's own.
  Answer<v1::ResolveResponse> Resolve(
      const v1::ResolveRequest& request, absl::Time deadline, CallStats* stats,
      std::vector<v1::Violation> read_violations = {}) const;
  Answer<v1::GetResolvedResponse> GetResolved(
      const v1::GetResolvedRequest& request, CallStats* stats) const;
  Answer<v1::ResolveDynamicResponse> ResolveDynamic(
      const v1::ResolveDynamicRequest& request, absl::Time deadline,
      CallStats* stats) const;

  // The recorded executions of a project and domain, newest first, a page
  // at a time, from the records' headers alone (docs/design.md section 5).
  Answer<v1::ListExecutionsResponse> ListExecutions(
      const v1::ListExecutionsRequest& request, CallStats* stats) const;

  // OK when storage answers.
  absl::Status Ready() const { return store_->Ping(); }

 private:
  // The response for a repeated Resolve of a recorded execution, whose
  // closure's task nodes no hook covers now are `uncovered`; `stats` count
  // what is answered.
  Answer<v1::ResolveResponse> ReplayRecorded(
      const storage::ExecutionKey& key, bool explain, v1::ResolveResponse fresh,
      const std::vector<std::string>& uncovered, CallStats* stats) const;
  // Whether `path` is a task node of the recorded execution `key`, or lies
  // beneath one (a node a dynamic task produced).
  absl::StatusOr<bool> IsTaskNodeOrBeneath(const storage::ExecutionKey& key,
                                           const v1::StoredMaps& maps,
                                           absl::string_view path) const;
  const ServiceOptions options_;
  storage::Store* const store_;
  const storage::Clock& clock_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_OVERRIDE_SERVICE_H_
