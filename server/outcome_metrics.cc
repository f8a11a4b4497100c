#include "server/outcome_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "policy/policy_check.h"

namespace flyteoverride::server {
namespace {

// Reasons are the service's own constants (UNKNOWN_HOOK, POLICY_IMAGE, ...),
// never request data; anything else would be a bug, and is counted as
// OTHER so that it cannot grow the label set.
absl::string_view ReasonLabel(const std::string& reason) {
  if (reason.empty() || reason.size() > 64) return "OTHER";
  for (char c : reason) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c) && c != '_')
      return "OTHER";
  }
  return reason;
}

}  // namespace

OutcomeMetrics::OutcomeMetrics(Registry* registry)
    : violations_(registry->AddCounter(
          "override_resolver_violations_total",
          "Violations in refused calls, by reason.", {"reason"})),
      policy_outcomes_(registry->AddCounter(
          "override_resolver_policy_outcomes_total",
          "Runtime values the operator policy rejected or clamped, by rule "
          "and action.",
          {"rule", "action"})) {}

void OutcomeMetrics::Count(const Outcome& outcome,
                           absl::Span<const v1::Violation> answered_warnings) {
  for (const v1::Violation& violation : outcome.violations) {
    violations_.WithLabels({ReasonLabel(violation.reason())}).Increment();
    CountPolicy(violation, "rejected");
  }
  // A refusal keeps its clamps as warnings; an answer carries them.
  const absl::Span<const v1::Violation> warnings =
      outcome.ok() ? answered_warnings
                   : absl::Span<const v1::Violation>(outcome.warnings);
  for (const v1::Violation& warning : warnings) CountPolicy(warning, "clamped");
}

void OutcomeMetrics::CountPolicy(const v1::Violation& violation,
                                 absl::string_view action) {
  const std::string rule = policy::PolicyRuleName(violation);
  if (!rule.empty()) policy_outcomes_.WithLabels({rule, action}).Increment();
}

}  // namespace flyteoverride::server
