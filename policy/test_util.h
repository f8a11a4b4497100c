// Shared by the policy tests: rules built the way the YAML reader builds
// them, and a resolve of one hooked task node under a policy.
#ifndef FLYTEOVERRIDE_POLICY_TEST_UTIL_H_
#define FLYTEOVERRIDE_POLICY_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "policy/policy.h"
#include "policy/policy_check.h"
#include "resolver/resolve.h"
#include "resolver/test_util.h"

namespace flyteoverride::policy::testing {

// The resolver's helpers, for tests here to use as their own.
using resolver::ResolveResult;
using resolver::testing::Closure;
using resolver::testing::FieldOf;
using resolver::testing::Hook;
using resolver::testing::NodeAt;
using resolver::testing::ParseJson;
using resolver::testing::Reasons;
using resolver::testing::ResolveJson;
using resolver::testing::SubWorkflow;
using resolver::testing::SubWorkflowNode;
using resolver::testing::Task;
using resolver::testing::TaskNode;
using resolver::testing::ValueOf;

inline QuantityRule MaxQuantity(absl::string_view text, PolicyAction action,
                                std::string scope = "global") {
  auto max = resolver::Quantity::Parse(text);
  EXPECT_TRUE(max.ok()) << max.status();
  return {max.value_or(resolver::Quantity()), std::string(text), action,
          std::move(scope)};
}

// Patterns compiled by `compile` (PolicyPattern::Regex or ::Glob).
inline PatternRule Patterns(
    absl::StatusOr<PolicyPattern> (*compile)(absl::string_view),
    const std::vector<std::string>& sources, std::string scope) {
  PatternRule rule{{}, std::move(scope)};
  for (const std::string& source : sources) {
    auto pattern = compile(source);
    EXPECT_TRUE(pattern.ok()) << pattern.status();
    if (pattern.ok()) rule.patterns.push_back(*std::move(pattern));
  }
  return rule;
}

inline PatternRule Regexes(const std::vector<std::string>& sources,
                           std::string scope = "global") {
  return Patterns(&PolicyPattern::Regex, sources, std::move(scope));
}

inline PatternRule Globs(const std::vector<std::string>& sources,
                         std::string scope = "global") {
  return Patterns(&PolicyPattern::Glob, sources, std::move(scope));
}

inline FixedFieldsRule Fixed(std::vector<std::string> paths,
                             std::string scope = "global") {
  FixedFieldsRule rule{{}, std::move(scope)};
  for (const std::string& path : paths) {
    auto field = ParseFixedField(path);
    EXPECT_TRUE(field.ok()) << field.status();
    if (field.ok()) rule.fields.push_back(*std::move(field));
  }
  return rule;
}

// Resolves `closure` with the maps (JSON objects keyed by hook name) under
// `policy`, explaining.
inline ResolveResult ResolveUnder(
    const Policy& policy,
    const flyteidl::core::CompiledWorkflowClosure& closure,
    absl::string_view launch_plan = "{}", absl::string_view execution = "{}") {
  PolicyCheck check(policy);
  return ResolveJson(closure, launch_plan, execution, /*explain=*/true,
                     /*warn_unknown=*/false, &check);
}

// Reasons of the response's warnings, joined by ",".
inline std::string WarningReasons(const ResolveResult& result) {
  std::string out;
  for (const auto& warning : result.response.warnings())
    absl::StrAppend(&out, out.empty() ? "" : ",", warning.reason());
  return out;
}

}  // namespace flyteoverride::policy::testing

#endif  // FLYTEOVERRIDE_POLICY_TEST_UTIL_H_
