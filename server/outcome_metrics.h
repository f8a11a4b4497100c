// What refused and answered calls say, counted for operators: violations by
// reason, and the operator policy's outcomes by rule and action. Counted at
// the edge, from answers the service already built; the core counts nothing.
#ifndef FLYTEOVERRIDE_SERVER_OUTCOME_METRICS_H_
#define FLYTEOVERRIDE_SERVER_OUTCOME_METRICS_H_

#include "absl/types/span.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "server/answer.h"
#include "server/metrics.h"

namespace flyteoverride::server {

// Thread-safe.
class OutcomeMetrics {
 public:
  explicit OutcomeMetrics(Registry* registry);

  // Counts a call's violations by reason, and the policy's findings among
  // them (rejected) and among the warnings (clamped): the refusal's own, or
  // `answered_warnings` when the call was answered.
  void Count(const Outcome& outcome,
             absl::Span<const v1::Violation> answered_warnings);

 private:
  void CountPolicy(const v1::Violation& violation, absl::string_view action);

  CounterFamily& violations_;
  CounterFamily& policy_outcomes_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_OUTCOME_METRICS_H_
