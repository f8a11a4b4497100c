// Runs one call of either surface (gRPC or HTTP): admission, deadline,
// metrics and the per-call log line, around the service's own work. Exports
// the admission queue's length, read at each scrape.
#ifndef FLYTEOVERRIDE_SERVER_CALL_RUNNER_H_
#define FLYTEOVERRIDE_SERVER_CALL_RUNNER_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "flyteidl/core/identifier.pb.h"
#include "server/admission.h"
#include "server/answer.h"
#include "server/metrics.h"
#include "server/outcome_metrics.h"
#include "server/override_service.h"

namespace flyteoverride::server {

// Thread-safe.
class CallRunner {
 public:
  CallRunner(Registry* registry, Admission* admission,
             absl::Duration default_deadline);

  // `deadline` is the caller's (InfiniteFuture when it set none: then the
  // default applies). `body` gets the stats to fill and the deadline to honour.
  Outcome Run(absl::string_view rpc, absl::string_view execution,
              absl::Time deadline,
              absl::FunctionRef<Outcome(CallStats*, absl::Time)> body);

 private:
  Admission* const admission_;
  const absl::Duration default_deadline_;
  CounterFamily& calls_;
  HistogramFamily& latency_;
  HistogramFamily& cpu_;
  HistogramFamily& nodes_;
  HistogramFamily& hooks_;
  Gauge& in_flight_;
  CounterFamily& admission_rejections_;
  OutcomeMetrics outcomes_;
};

// "project/domain/name" as logs name an execution; "" without a name.
std::string ExecutionName(const flyteidl::core::WorkflowExecutionIdentifier& id);

// What a call's log and audit lines name: its execution; for a listing the
// scope, "project/domain/*"; nothing for an Inspect, which concerns none.
template <typename Request>
std::string CallSubject(const Request& request) {
  return ExecutionName(request.execution_id());
}
inline std::string CallSubject(const v1::InspectWorkflowRequest&) { return ""; }
std::string CallSubject(const v1::ListExecutionsRequest& request);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_CALL_RUNNER_H_
