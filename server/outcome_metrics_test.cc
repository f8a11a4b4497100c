#include "server/outcome_metrics.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

v1::Violation Violation(const std::string& reason, const std::string& field) {
  v1::Violation violation;
  violation.set_reason(reason);
  violation.set_field(field);
  return violation;
}

bool Has(const std::string& text, const std::string& line) {
  return absl::StrContains(text, line + "\n");
}

TEST(OutcomeMetricsTest, RefusalCountsViolationsRejectionsAndItsClamps) {
  Registry registry;
  OutcomeMetrics metrics(&registry);
  Outcome refused = Outcome::Refused(
      {Violation("POLICY_IMAGE", "execution_overrides[h].container_image"),
       Violation("UNKNOWN_HOOK", "execution_overrides[x]"),
       Violation("UNKNOWN_HOOK", "execution_overrides[y]")},
      {Violation("POLICY_MAX_LIMIT",
                 "execution_overrides[h].resources.limits.memory")});
  metrics.Count(refused, {});
  const std::string text = registry.Render();
  EXPECT_TRUE(Has(
      text, R"(override_resolver_violations_total{reason="POLICY_IMAGE"} 1)"))
      << text;
  EXPECT_TRUE(Has(
      text, R"(override_resolver_violations_total{reason="UNKNOWN_HOOK"} 2)"))
      << text;
  EXPECT_TRUE(Has(
      text,
      R"(override_resolver_policy_outcomes_total{rule="images.allowed",action="rejected"} 1)"))
      << text;
  EXPECT_TRUE(Has(
      text,
      R"(override_resolver_policy_outcomes_total{rule="resources.memory.max_limit",action="clamped"} 1)"))
      << text;
  // Warnings are not violations.
  EXPECT_FALSE(absl::StrContains(text, R"(reason="POLICY_MAX_LIMIT")")) << text;
}

TEST(OutcomeMetricsTest, AnsweredCallCountsItsClampsOnly) {
  Registry registry;
  OutcomeMetrics metrics(&registry);
  const std::vector<v1::Violation> warnings = {
      Violation("POLICY_MAX_RETRIES", "launch_plan_overrides[h].retries"),
      Violation("UNKNOWN_HOOK", "execution_overrides[x]")};
  metrics.Count(Outcome(), warnings);
  metrics.Count(Outcome(), warnings);
  const std::string text = registry.Render();
  EXPECT_TRUE(Has(
      text,
      R"(override_resolver_policy_outcomes_total{rule="retries.max",action="clamped"} 2)"))
      << text;
  EXPECT_FALSE(absl::StrContains(text, "override_resolver_violations_total{"))
      << text;
}

TEST(OutcomeMetricsTest, FailedCallCountsNoAnswerWarnings) {
  Registry registry;
  OutcomeMetrics metrics(&registry);
  // The resolve clamped, then storage failed: the caller got no answer.
  metrics.Count(
      Outcome(absl::UnavailableError("storage down")),
      {Violation("POLICY_MAX_RETRIES", "execution_overrides[h].retries")});
  EXPECT_FALSE(absl::StrContains(registry.Render(), "policy_outcomes_total{"));
}

TEST(OutcomeMetricsTest, ReasonsThatAreNotConstantsCountAsOther) {
  Registry registry;
  OutcomeMetrics metrics(&registry);
  metrics.Count(Outcome::Refused(
                    {Violation("made up\"by input", "f"), Violation("", "f")}),
                {});
  EXPECT_TRUE(Has(registry.Render(),
                  R"(override_resolver_violations_total{reason="OTHER"} 2)"));
}

}  // namespace
}  // namespace flyteoverride::server
