// The policy's rules beyond the matrix: what it never judges, scope
// resolution rule by rule, removals, clamps meeting request <= limit, one
// report per offending value, patterns, and what Inspect shows.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flyteidl/core/tasks.pb.h"
#include "gtest/gtest.h"
#include "resolver/inspect.h"
#include "policy/test_util.h"

namespace flyteoverride::policy {


namespace {

using flyteidl::core::Resources;
using testing::Closure;
using testing::FieldOf;
using testing::Fixed;
using testing::Globs;
using testing::Hook;
using testing::MaxQuantity;
using testing::NodeAt;
using testing::Reasons;
using testing::Regexes;
using testing::ResolveUnder;
using testing::SubWorkflow;
using testing::SubWorkflowNode;
using testing::Task;
using testing::TaskNode;
using testing::ValueOf;
using testing::WarningReasons;

constexpr PolicyAction kReject = PolicyAction::kReject;
constexpr PolicyAction kClamp = PolicyAction::kClamp;

// Every rule, strict.
Policy Strict(PolicyAction action) {
  Policy p;
  for (int r = Resources::CPU; r <= Resources::EPHEMERAL_STORAGE; ++r) {
    p.max_request[r] = MaxQuantity("1", action);
    p.max_limit[r] = MaxQuantity("1", action);
  }
  p.max_retries = RetriesRule{1, action, "global"};
  p.allowed_images = Regexes({R"(ghcr\.io/acme/.*)"});
  p.protected_environment = Globs({"FLYTE_*", "AWS_*"});
  p.fixed_fields = Fixed({"pod_template"});
  return p;
}

// A task template that breaks every rule, as registered.
const std::string kGreedyTask = Task("t", R"(
    "image": "docker.io/library/python:3.12",
    "env": [{"key": "FLYTE_INTERNAL", "value": "1"}, {"key": "AWS_REGION", "value": "us-east-1"}],
    "resources": {"requests": [{"name": "MEMORY", "value": "50Gi"}, {"name": "CPU", "value": "16"}],
                  "limits": [{"name": "MEMORY", "value": "100Gi"}]})",
                                     R"("retries": {"retries": 10})");

TEST(PolicyCheck, ValuesFixedAtRegistrationPassUntouched) {
  const auto closure = Closure(absl::StrCat(R"({"id": "n0", )", Hook("h"), R"(,
          "metadata": {"retries": {"retries": 9}},
          "taskNode": {"referenceId": )",
                                            resolver::testing::TaskId("t"), R"(,
              "overrides": {"resources": {"limits": [{"name": "CPU", "value": "64"}]},
                            "podTemplate": {"primaryContainerName": "main"}}}})"),
                               "", kGreedyTask);
  for (PolicyAction action : {kReject, kClamp}) {
    const Policy policy = Strict(action);
    const auto result =
        ResolveUnder(policy, closure, R"({"h": {"interruptible": true}})");
    ASSERT_TRUE(result.ok()) << Reasons(result);
    EXPECT_EQ(result.response.warnings_size(), 0) << WarningReasons(result);
    const auto& node = NodeAt(result, "n0");
    EXPECT_EQ(ValueOf(node, "resources.limits.memory"), "100Gi");
    EXPECT_EQ(ValueOf(node, "resources.limits.cpu"), "64");
    EXPECT_EQ(ValueOf(node, "retries"), "9");
    EXPECT_EQ(ValueOf(node, "container_image"),
              "docker.io/library/python:3.12");
    EXPECT_EQ(ValueOf(node, "environment.FLYTE_INTERNAL"), "1");
  }
}

TEST(PolicyScope, MoreSpecificScopeReplacesRuleByRule) {
  PolicySet set;
  set.global.max_limit[Resources::MEMORY] = MaxQuantity("1Gi", kReject);
  set.global.max_limit[Resources::CPU] = MaxQuantity("1", kReject);
  set.global.max_retries = RetriesRule{1, kReject, "global"};
  set.domains["d"].max_retries = RetriesRule{2, kClamp, "domain d"};
  set.projects["p"].max_limit[Resources::MEMORY] =
      MaxQuantity("4Gi", kClamp, "project p");
  set.projects["p"].max_retries = RetriesRule{3, kReject, "project p"};
  set.project_domains["p/d"].max_retries =
      RetriesRule{4, kClamp, "project p, domain d"};

  const Policy pd = set.For("p", "d");
  EXPECT_EQ(pd.max_limit[Resources::MEMORY]->text, "4Gi");
  EXPECT_EQ(pd.max_limit[Resources::MEMORY]->scope, "project p");
  EXPECT_EQ(pd.max_limit[Resources::CPU]->scope, "global");  // kept
  EXPECT_EQ(pd.max_retries->max, 4);
  EXPECT_FALSE(pd.max_request[Resources::MEMORY].has_value());

  const Policy p_other = set.For("p", "other");
  EXPECT_EQ(p_other.max_retries->max, 3);
  EXPECT_EQ(p_other.max_retries->action, kReject);
  const Policy q_d = set.For("q", "d");
  EXPECT_EQ(q_d.max_retries->max, 2);
  EXPECT_EQ(q_d.max_limit[Resources::MEMORY]->text, "1Gi");
  const Policy q_other = set.For("q", "other");
  EXPECT_EQ(q_other.max_retries->max, 1);
}

TEST(PolicyScope, PatternAndFieldListsAreReplacedWholeAndCanBeEmptied) {
  PolicySet set;
  set.global.allowed_images = Regexes({"a/.*", "b/.*"});
  set.global.fixed_fields = Fixed({"container_image", "pod_template"});
  set.projects["p"].allowed_images = Regexes({"c/.*"}, "project p");
  set.projects["p"].fixed_fields = Fixed({}, "project p");
  const Policy policy = set.For("p", "d");
  ASSERT_EQ(policy.allowed_images->patterns.size(), 1u);
  EXPECT_EQ(policy.allowed_images->patterns[0].source(), "c/.*");
  EXPECT_TRUE(policy.fixed_fields->fields.empty());

  const auto closure = Closure(TaskNode("n0", "t", Hook("h")), "",
                               Task("t", R"("image": "c/base:1")"));
  EXPECT_TRUE(
      ResolveUnder(policy, closure, R"({"h": {"containerImage": "c/x:2"}})")
          .ok());
  EXPECT_EQ(Reasons(ResolveUnder(policy, closure,
                                 R"({"h": {"containerImage": "a/x:2"}})")),
            "POLICY_IMAGE");
}

const std::string kLimitedTask = Task("t", R"("image": "ghcr.io/acme/x:1",
    "env": [{"key": "FLYTE_INTERNAL", "value": "1"}],
    "resources": {"limits": [{"name": "MEMORY", "value": "2Gi"}]})");

TEST(PolicyCheck, ClampedLimitBelowRequestIsRequestAboveLimitNamingPlatform) {
  Policy policy;
  policy.max_limit[Resources::MEMORY] = MaxQuantity("4Gi", kClamp);
  const auto closure =
      Closure(TaskNode("n0", "t", Hook("h")), "", kLimitedTask);
  const auto result =
      ResolveUnder(policy, closure, "{}", R"({"h": {"resources": {
      "requests": [{"name": "MEMORY", "value": "8Gi"}],
      "limits": [{"name": "MEMORY", "value": "16Gi"}]}}})");
  ASSERT_EQ(Reasons(result), "REQUEST_ABOVE_LIMIT");
  const v1::Violation& violation = result.violations[0];
  EXPECT_EQ(violation.layer(), v1::PLATFORM);
  EXPECT_TRUE(absl::StrContains(violation.description(),
                                "4Gi (PLATFORM, hook h at n0)"))
      << violation.description();
  EXPECT_TRUE(absl::StrContains(violation.description(), "lower the request"))
      << violation.description();
  EXPECT_EQ(WarningReasons(result), "POLICY_MAX_LIMIT");
}

TEST(PolicyRuleName, NamesTheRuleAsTheConfigDoes) {
  struct Case {
    const char* reason;
    const char* field;
    const char* rule;
  };
  const Case cases[] = {
      {"POLICY_MAX_REQUEST", "execution_overrides[h].resources.requests.cpu",
       "resources.cpu.max_request"},
      {"POLICY_MAX_LIMIT",
       "node n2 runtime_override.defaults.resources.limits.ephemeral_storage",
       "resources.ephemeral_storage.max_limit"},
      {"POLICY_MAX_RETRIES", "launch_plan_overrides[h].retries", "retries.max"},
      {"POLICY_IMAGE", "execution_overrides[h].container_image",
       "images.allowed"},
      {"POLICY_PROTECTED_ENV", "execution_overrides[h].environment.AWS_KEY",
       "environment.protected"},
      {"POLICY_FIXED_FIELD", "execution_overrides[h].pod_template",
       "fixed_fields"},
      // Not a policy rule, or no resource a rule can name: no rule.
      {"REQUEST_ABOVE_LIMIT", "execution_overrides[h].resources.limits.cpu",
       ""},
      {"POLICY_MAX_LIMIT", "execution_overrides[h].resources.limits.banana",
       ""},
  };
  for (const Case& c : cases) {
    v1::Violation violation;
    violation.set_reason(c.reason);
    violation.set_field(c.field);
    EXPECT_EQ(PolicyRuleName(violation), c.rule) << c.reason << " " << c.field;
  }
}

TEST(PolicyRuleName, NamesTheRuleOfARealClamp) {
  Policy policy;
  policy.max_limit[Resources::MEMORY] = MaxQuantity("4Gi", kClamp);
  const auto result = ResolveUnder(
      policy, Closure(TaskNode("n0", "t", Hook("h")), "", kLimitedTask), "{}",
      R"({"h": {"resources": {
      "limits": [{"name": "MEMORY", "value": "16Gi"}]}}})");
  ASSERT_EQ(result.response.warnings_size(), 1) << WarningReasons(result);
  EXPECT_EQ(PolicyRuleName(result.response.warnings(0)),
            "resources.memory.max_limit");
}

TEST(PolicyCheck, ClampedValueIsInTheRuntimeOverrides) {
  Policy policy;
  policy.max_limit[Resources::MEMORY] = MaxQuantity("4Gi", kClamp);
  policy.max_retries = RetriesRule{2, kClamp, "global"};
  const auto closure =
      Closure(TaskNode("n0", "t", Hook("h")), "", kLimitedTask);
  const auto result = ResolveUnder(policy, closure, R"({"h": {"retries": 7,
      "resources": {"limits": [{"name": "MEMORY", "value": "16Gi"}]}}})");
  ASSERT_TRUE(result.ok()) << Reasons(result);
  const auto& overrides = NodeAt(result, "n0").overrides();
  ASSERT_EQ(overrides.resources().limits_size(), 1);
  EXPECT_EQ(overrides.resources().limits(0).value(), "4Gi");
  EXPECT_EQ(overrides.retries(), 2);
  EXPECT_EQ(WarningReasons(result), "POLICY_MAX_LIMIT,POLICY_MAX_RETRIES");
}

TEST(PolicyCheck, RemovingALimitIsAboveAnyMaximum) {
  const auto closure =
      Closure(TaskNode("n0", "t", Hook("h")), "", kLimitedTask);
  const std::string unset = R"({"h": {"unset": ["resources.limits.memory"]}})";
  Policy policy;
  policy.max_limit[Resources::MEMORY] = MaxQuantity("4Gi", kReject);
  EXPECT_EQ(Reasons(ResolveUnder(policy, closure, "{}", unset)),
            "POLICY_MAX_LIMIT");
  policy.max_limit[Resources::MEMORY] = MaxQuantity("4Gi", kClamp);
  const auto clamped = ResolveUnder(policy, closure, "{}", unset);
  ASSERT_TRUE(clamped.ok()) << Reasons(clamped);
  EXPECT_EQ(ValueOf(NodeAt(clamped, "n0"), "resources.limits.memory"), "4Gi");
  // Removing what was never there changes nothing.
  policy.max_limit[Resources::CPU] = MaxQuantity("1", kReject);
  EXPECT_TRUE(ResolveUnder(policy, closure, "{}",
                           R"({"h": {"unset": ["resources.limits.cpu"]}})")
                  .ok());
}

TEST(PolicyCheck, ProtectedAndFixedValuesMayNotBeRemoved) {
  const auto closure =
      Closure(TaskNode("n0", "t", Hook("h")), "", kLimitedTask);
  Policy policy;
  policy.protected_environment = Globs({"FLYTE_*"});
  EXPECT_EQ(Reasons(ResolveUnder(
                policy, closure, "{}",
                R"({"h": {"unset": ["environment.FLYTE_INTERNAL"]}})")),
            "POLICY_PROTECTED_ENV");
  EXPECT_EQ(Reasons(ResolveUnder(policy, closure, "{}",
                                 R"({"h": {"unset": ["environment"]}})")),
            "POLICY_PROTECTED_ENV");
  policy.fixed_fields = Fixed({"container_image"});
  EXPECT_EQ(Reasons(ResolveUnder(policy, closure, "{}",
                                 R"({"h": {"unset": ["container_image"]}})")),
            "POLICY_FIXED_FIELD");
}

TEST(PolicyCheck, FixedPrefixCoversTheFieldsBeneathIt) {
  const auto closure =
      Closure(TaskNode("n0", "t", Hook("h")), "", kLimitedTask);
  Policy policy;
  policy.fixed_fields = Fixed({"resources.limits", "environment.DEBUG"});
  EXPECT_EQ(Reasons(ResolveUnder(policy, closure, "{}", R"({"h": {
      "resources": {"requests": [{"name": "CPU", "value": "1"}],
                    "limits": [{"name": "CPU", "value": "2"}]},
      "environment": {"DEBUG": "1", "OTHER": "2"}}})")),
            "POLICY_FIXED_FIELD,POLICY_FIXED_FIELD");
}

TEST(PolicyCheck, OnlyTheEffectiveValueIsJudged) {
  // The outer hook's image is shadowed by the inner hook's in every node.
  const auto closure = Closure(
      SubWorkflowNode("n0", "sub", Hook("outer")),
      SubWorkflow("sub", TaskNode("n0", "t", Hook("inner"))), kLimitedTask);
  Policy policy;
  policy.allowed_images = Regexes({R"(ghcr\.io/acme/.*)"});
  EXPECT_TRUE(ResolveUnder(policy, closure, "{}", R"({
      "outer": {"containerImage": "docker.io/evil:1"},
      "inner": {"containerImage": "ghcr.io/acme/good:1"}})")
                  .ok());
}

TEST(PolicyCheck, EachOffendingValueIsReportedOnce) {
  // One hook covering two instances of a reused sub-workflow.
  const auto closure =
      Closure(absl::StrCat(SubWorkflowNode("a", "sub", Hook("h")), ",",
                           SubWorkflowNode("b", "sub", Hook("h"))),
              SubWorkflow("sub", TaskNode("n0", "t")), kLimitedTask);
  Policy policy;
  policy.max_retries = RetriesRule{1, kReject, "global"};
  policy.max_limit[Resources::MEMORY] = MaxQuantity("4Gi", kClamp);
  const auto result =
      ResolveUnder(policy, closure, "{}", R"({"h": {"retries": 5,
      "resources": {"limits": [{"name": "MEMORY", "value": "16Gi"}]}}})");
  EXPECT_EQ(Reasons(result), "POLICY_MAX_RETRIES");
  EXPECT_EQ(result.violations[0].node_path(), "a/n0");
  EXPECT_EQ(WarningReasons(result), "POLICY_MAX_LIMIT");
}

TEST(PolicyPatterns, RegexesMatchWholeImagesGlobsWholeKeys) {
  auto image = PolicyPattern::Regex(R"(ghcr\.io/acme/.*)");
  ASSERT_TRUE(image.ok());
  EXPECT_TRUE(image->Matches("ghcr.io/acme/trainer:1"));
  EXPECT_FALSE(image->Matches("evil.com/ghcr.io/acme/trainer:1"));
  EXPECT_FALSE(image->Matches("ghcrXio/acme/trainer:1"));
  auto glob = PolicyPattern::Glob("A.B?*");
  ASSERT_TRUE(glob.ok());
  EXPECT_TRUE(glob->Matches("A.BC"));
  EXPECT_TRUE(glob->Matches("A.BCDE"));
  EXPECT_FALSE(glob->Matches("AXBC"));  // "." is literal in a glob
  EXPECT_FALSE(glob->Matches("A.B"));
  EXPECT_FALSE(glob->Matches("xA.BC"));
}

TEST(PolicyPatterns, BadPatternsAndFieldsAreErrors) {
  auto bad = PolicyPattern::Regex("ghcr.io/(acme");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "missing )"))
      << bad.status();
  EXPECT_FALSE(ParseFixedField("container").ok());
  EXPECT_FALSE(ParseFixedField("resources.limits.disk").ok());
  EXPECT_TRUE(ParseFixedField("resources.limits.gpu").ok());
}

TEST(PolicyView, InspectShowsWhatEachHookMayOverride) {
  Policy policy;
  policy.fixed_fields =
      Fixed({"container_image", "pod_template", "resources.limits.gpu"});
  policy.max_limit[Resources::MEMORY] = MaxQuantity("128Gi", kClamp);
  policy.max_retries = RetriesRule{5, kReject, "global"};
  policy.allowed_images = Regexes({R"(ghcr\.io/acme/.*)"});
  policy.protected_environment = Globs({"FLYTE_*"});
  const auto closure =
      Closure(TaskNode("n0", "t", Hook("h")), "", kLimitedTask);
  const v1::PolicyView policy_view = ViewFor(policy);
  const auto response = resolver::Inspect(closure, {}, &policy_view);
  ASSERT_EQ(response.hooks_size(), 1);
  const v1::PolicyView& view = response.hooks(0).policy();
  const std::string fields = absl::StrJoin(view.overridable_fields(), ",");
  EXPECT_EQ(fields,
            "resources.requests.cpu,resources.requests.gpu,"
            "resources.requests.memory,resources.requests.storage,"
            "resources.requests.ephemeral_storage,resources.limits.cpu,"
            "resources.limits.memory,resources.limits.storage,"
            "resources.limits.ephemeral_storage,extended_resources,cache,"
            "cache_serializable,cache_version,retries,interruptible,"
            "environment,task_config");
  EXPECT_EQ(absl::StrJoin(view.fixed_fields(), ","),
            "container_image,pod_template,resources.limits.gpu");
  ASSERT_EQ(view.limits_size(), 2);
  EXPECT_EQ(view.limits(0).field(), "resources.limits.memory");
  EXPECT_EQ(view.limits(0).max(), "128Gi");
  EXPECT_EQ(view.limits(0).action(), "clamp");
  EXPECT_EQ(view.limits(1).field(), "retries");
  EXPECT_EQ(view.limits(1).max(), "5");
  EXPECT_EQ(view.limits(1).action(), "reject");
  EXPECT_EQ(absl::StrJoin(view.allowed_images(), ","), R"(ghcr\.io/acme/.*)");
  EXPECT_EQ(absl::StrJoin(view.protected_environment(), ","), "FLYTE_*");

  EXPECT_FALSE(resolver::Inspect(closure, {}).hooks(0).has_policy());
  const v1::PolicyView none = ViewFor(Policy());
  const auto open = resolver::Inspect(closure, {}, &none);
  EXPECT_EQ(open.hooks(0).policy().overridable_fields(0), "resources");
}

}  // namespace
}  // namespace flyteoverride::policy
