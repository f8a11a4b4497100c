// Runs one call of either surface (gRPC or HTTP): admission, deadline,
// metrics and the per-call log line, around the service's own work.
#ifndef FLYTEOVERRIDE_SERVER_CALL_RUNNER_H_
#define FLYTEOVERRIDE_SERVER_CALL_RUNNER_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/admission.h"
#include "server/metrics.h"
#include "server/override_service.h"

namespace flyteoverride::server {

// Thread-safe.
class CallRunner {
 public:
  CallRunner(Registry* registry, Admission* admission,
             absl::Duration default_deadline);

  // `deadline` is the caller's (InfiniteFuture when it set none: then the
  // default applies). `body` gets the stats to fill and the deadline to honour.
  absl::Status Run(
      absl::string_view rpc, absl::string_view execution, absl::Time deadline,
      absl::FunctionRef<absl::Status(CallStats*, absl::Time)> body);

 private:
  Admission* const admission_;
  const absl::Duration default_deadline_;
  CounterFamily& calls_;
  HistogramFamily& latency_;
  HistogramFamily& nodes_;
  HistogramFamily& hooks_;
  Gauge& in_flight_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_CALL_RUNNER_H_
