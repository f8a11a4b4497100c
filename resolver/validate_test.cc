// Validation (docs/design.md section 4): every problem reported, never a silent clamp.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "resolver/test_util.h"

namespace flyteoverride::resolver {
namespace {

using testing::Closure;
using testing::Hook;
using testing::Reasons;
using testing::ResolveJson;
using testing::Task;
using testing::TaskNode;

const std::string kTask = Task("t", R"("image": "img:1",
    "resources": {"requests": [{"name": "MEMORY", "value": "1Gi"}],
                  "limits": [{"name": "MEMORY", "value": "2Gi"}, {"name": "GPU", "value": "1"}]})");

flyteidl::core::CompiledWorkflowClosure TwoHooks() {
  return Closure(absl::StrCat(TaskNode("n0", "t", Hook("train")), ",",
                              TaskNode("n1", "t", Hook("evaluate"))),
                 "", kTask);
}

const v1::Violation& Only(const ResolveResult& result) {
  EXPECT_EQ(result.violations.size(), 1u) << Reasons(result);
  static const v1::Violation kNone;
  return result.violations.empty() ? kNone : result.violations[0];
}

TEST(Validate, RequestAboveLimitAfterMergingNamesBothValuesAndLayers) {
  const auto result = ResolveJson(
      TwoHooks(), "{}",
      R"({"train": {"resources": {"requests": [{"name": "MEMORY", "value": "3Gi"}]}}})");
  const auto& violation = Only(result);
  EXPECT_EQ(violation.reason(), "REQUEST_ABOVE_LIMIT");
  EXPECT_EQ(violation.layer(), v1::EXECUTION);
  EXPECT_EQ(violation.node_path(), "n0");
  EXPECT_NE(violation.description().find("3Gi (EXECUTION, hook train at n0)"),
            std::string::npos)
      << violation.description();
  EXPECT_NE(violation.description().find("2Gi (TASK)"), std::string::npos);
  EXPECT_TRUE(result.response.nodes().empty());  // no clamped answer either
}

TEST(Validate, QuantitiesCompareAsValuesNotStrings) {
  // "1024Mi" equals the "1Gi" limit; "2000m" cpu equals a "2" limit.
  const auto result = ResolveJson(TwoHooks(), "{}",
                                  R"({"train": {"resources": {
                                      "requests": [{"name": "MEMORY", "value": "2048Mi"}, {"name": "CPU", "value": "2000m"}],
                                      "limits": [{"name": "CPU", "value": "2"}]}}})");
  EXPECT_TRUE(result.ok()) << Reasons(result);
}

TEST(Validate, GpuMustBeWholeAndRequestEqualsLimit) {
  EXPECT_EQ(
      Only(
          ResolveJson(
              TwoHooks(), "{}",
              R"({"train": {"resources": {"limits": [{"name": "GPU", "value": "500m"}]}}})"))
          .reason(),
      "FRACTIONAL_GPU");
  EXPECT_EQ(
      Only(
          ResolveJson(
              TwoHooks(), "{}",
              R"({"train": {"resources": {"requests": [{"name": "GPU", "value": "0"}]}}})"))
          .reason(),
      "GPU_REQUEST_NOT_LIMIT");
}

TEST(Validate, NegativeRetriesAndQuantitiesAreRefused) {
  const auto result = ResolveJson(TwoHooks(), "{}",
                                  R"({"train": {"retries": -1,
                                      "resources": {"limits": [{"name": "CPU", "value": "-1"}]}}})");
  EXPECT_EQ(Reasons(result), "NEGATIVE_QUANTITY,NEGATIVE_RETRIES");
}

TEST(Validate, EveryProblemIsReportedNotOnlyTheFirst) {
  const auto result = ResolveJson(
      TwoHooks(),
      R"({"evaluate": {"environment": {"1BAD": "x"}, "unset": ["resources.limits.tpu"]}})",
      R"({"trian": {"retries": 1}, "train": {"resources": {"limits": [{"name": "MEMORY", "value": "1.5.Gi"}]},
                                           "containerImage": "bad image"}})");
  EXPECT_EQ(
      Reasons(result),
      "BAD_ENVIRONMENT_KEY,BAD_UNSET_PATH,BAD_QUANTITY,BAD_IMAGE,UNKNOWN_HOOK");
}

TEST(Validate, UnknownHookSuggestsTheClosestNames) {
  const auto result = ResolveJson(TwoHooks(), "{}", R"({"trian": {}})");
  const auto& violation = Only(result);
  EXPECT_EQ(violation.reason(), "UNKNOWN_HOOK");
  EXPECT_EQ(violation.field(), "execution_overrides[trian]");
  EXPECT_NE(violation.description().find("did you mean 'train'?"),
            std::string::npos);
}

TEST(Validate, UnknownHookIsAWarningWhenTheCallerAsks) {
  const auto result = ResolveJson(TwoHooks(), R"({"nope": {}})", "{}", true,
                                  /*warn_unknown=*/true);
  EXPECT_TRUE(result.ok()) << Reasons(result);
  ASSERT_EQ(result.response.warnings_size(), 1);
  EXPECT_EQ(result.response.warnings(0).layer(), v1::LAUNCH_PLAN);
  EXPECT_EQ(result.response.nodes_size(), 2);
}

TEST(Validate, MalformedHookNameInAMapIsRefused) {
  EXPECT_EQ(Only(ResolveJson(TwoHooks(), "{}", R"({"": {}})")).reason(),
            "BAD_HOOK_NAME");
}

TEST(Validate, DecoratorDefaultsAreCheckedToo) {
  const auto result = ResolveJson(
      Closure(TaskNode("n0", "t", Hook("h", R"({"retries": -2})")), "", kTask));
  const auto& violation = Only(result);
  EXPECT_EQ(violation.reason(), "NEGATIVE_RETRIES");
  EXPECT_EQ(violation.layer(), v1::DECORATOR);
  EXPECT_EQ(violation.field(), "node n0 runtime_override.defaults.retries");
}

TEST(Validate, UnknownFieldsInBinaryOverridesAreAnError) {
  auto closure = TwoHooks();
  v1::ResolveRequest request;
  *request.mutable_closure() = closure;
  flyteidl::core::TaskNodeOverrides overrides;
  overrides.GetReflection()->MutableUnknownFields(&overrides)->AddVarint(99, 1);
  (*request.mutable_execution_overrides())["train"] = overrides;
  const ResolveResult result = Resolve(request, {});
  EXPECT_EQ(Reasons(result), "UNKNOWN_FIELD");
}

TEST(Validate, RegistrationValuesAloneAreNotJudged) {
  // The task's own request above its limit is FlyteAdmin's business.
  const auto closure = Closure(
      TaskNode("n0", "bad", Hook("h")), "",
      Task("bad", R"("resources": {"requests": [{"name": "CPU", "value": "4"}],
                                                            "limits": [{"name": "CPU", "value": "2"}]})"));
  EXPECT_TRUE(ResolveJson(closure, "{}", R"({"h": {"retries": 1}})").ok());
}

TEST(Validate, ClosureProblemsComeFirstAsBadClosure) {
  const auto result =
      ResolveJson(Closure(TaskNode("n0", "missing", Hook("h")), "", kTask),
                  "{}", R"({"h": {"retries": -1}})");
  ASSERT_GE(result.violations.size(), 1u);
  EXPECT_EQ(result.violations[0].category(), v1::Violation::BAD_CLOSURE);
}

TEST(Validate, TooManyViolationsAreSummedUp) {
  std::string map = "{";
  for (int i = 0; i < 150; ++i)
    absl::StrAppend(&map, i ? "," : "", "\"x", i, "\": {}");
  map += "}";
  const auto result = ResolveJson(TwoHooks(), "{}", map);
  ASSERT_EQ(result.violations.size(), 101u);
  EXPECT_EQ(result.violations.back().description(),
            "50 more violations not shown");
}

}  // namespace
}  // namespace flyteoverride::resolver
