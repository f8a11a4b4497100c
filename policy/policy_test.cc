// The policy matrix (issue #5): every rule x reject/clamp x each runtime
// layer x each scope level. Each case breaks the rule once (rejected, or
// clamped with PLATFORM in provenance) and meets it exactly once with a
// value equal to the maximum but written differently (1Gi vs 1073741824,
// 1 vs 1000m), which must pass untouched.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "flyteidl/core/tasks.pb.h"
#include "gtest/gtest.h"
#include "policy/test_util.h"

namespace flyteoverride::policy {

using resolver::Field;
using resolver::LeafPath;
using resolver::ResolveResult;

namespace {

using flyteidl::core::Resources;
using testing::Closure;
using testing::FieldOf;
using testing::Fixed;
using testing::Globs;
using testing::Hook;
using testing::NodeAt;
using testing::Reasons;
using testing::Regexes;
using testing::ResolveUnder;
using testing::Task;
using testing::TaskNode;
using testing::ValueOf;
using testing::WarningReasons;

enum class Level { kGlobal, kDomain, kProject, kProjectDomain };

// The execution runs in project "p", domain "d" (test_util's ids).
const char* ScopeName(Level level) {
  switch (level) {
    case Level::kGlobal:
      return "global";
    case Level::kDomain:
      return "domain d";
    case Level::kProject:
      return "project p";
    case Level::kProjectDomain:
      return "project p, domain d";
  }
  return "";
}

// Sets a rule in one scope's Policy: the rule under test, or (permissive) a
// version of it that nothing here breaks.
using RuleSetter = std::function<void(Policy*, PolicyAction, bool permissive,
                                      const std::string& scope)>;

struct RuleCase {
  std::string name;
  RuleSetter set;
  std::string over;    // a document that breaks the rule
  std::string within;  // one at the rule's edge, written differently
  std::string field;   // the leaf judged
  std::string reason;
  std::string clamped;  // the value after a clamp; empty: reject only
};

RuleCase QuantityCase(Field list, int resource, const std::string& max,
                      const std::string& over, const std::string& within) {
  const bool limit = list == Field::kLimit;
  const std::string name = Resources::ResourceName_Name(
      static_cast<Resources::ResourceName>(resource));
  auto doc = [&](const std::string& value) {
    return absl::StrCat(R"({"resources": {")", limit ? "limits" : "requests",
                        R"(": [{"name": ")", name, R"(", "value": ")", value,
                        R"("}]}})");
  };
  return {absl::StrCat(limit ? "MaxLimit" : "MaxRequest", name),
          [=](Policy* p, PolicyAction action, bool permissive,
              const std::string& scope) {
            auto& rules = limit ? p->max_limit : p->max_request;
            rules[resource] =
                testing::MaxQuantity(permissive ? "1Pi" : max, action, scope);
          },
          doc(over),
          doc(within),
          LeafPath({list, resource}),
          limit ? "POLICY_MAX_LIMIT" : "POLICY_MAX_REQUEST",
          max};
}

std::vector<RuleCase> Rules() {
  using F = Field;
  std::vector<RuleCase> rules = {
      QuantityCase(F::kRequest, Resources::CPU, "1", "1001m", "1000m"),
      QuantityCase(F::kRequest, Resources::MEMORY, "1Gi", "1073741825",
                   "1073741824"),
      QuantityCase(F::kRequest, Resources::GPU, "1", "2", "1000m"),
      QuantityCase(F::kRequest, Resources::STORAGE, "10G", "10000000001",
                   "10000M"),
      QuantityCase(F::kRequest, Resources::EPHEMERAL_STORAGE, "1Ti", "1025Gi",
                   "1024Gi"),
      QuantityCase(F::kLimit, Resources::CPU, "4000m", "4.001", "4"),
      QuantityCase(F::kLimit, Resources::MEMORY, "1073741824", "1.5Gi", "1Gi"),
      QuantityCase(F::kLimit, Resources::GPU, "2", "3", "2e0"),
      QuantityCase(F::kLimit, Resources::STORAGE, "1Gi", "1025Mi", "1048576Ki"),
      QuantityCase(F::kLimit, Resources::EPHEMERAL_STORAGE, "500Mi", "501Mi",
                   "524288000"),
  };
  rules.push_back(
      {"MaxRetries",
       [](Policy* p, PolicyAction action, bool permissive,
          const std::string& scope) {
         p->max_retries = RetriesRule{permissive ? 1000 : 3, action, scope};
       },
       R"({"retries": 4})", R"({"retries": 3})", "retries",
       "POLICY_MAX_RETRIES", "3"});
  rules.push_back(
      {"AllowedImages",
       [](Policy* p, PolicyAction, bool permissive, const std::string& scope) {
         p->allowed_images =
             permissive ? Regexes({".*"}, scope)
                        : Regexes({R"(ghcr\.io/acme/.*)", R"(cr\.acme\.io/.*)"},
                                  scope);
       },
       R"({"containerImage": "docker.io/library/python:3.12"})",
       R"({"containerImage": "ghcr.io/acme/trainer:2.0"})", "container_image",
       "POLICY_IMAGE", ""});
  rules.push_back(
      {"ProtectedEnvironment",
       [](Policy* p, PolicyAction, bool permissive, const std::string& scope) {
         p->protected_environment =
             permissive ? Globs({}, scope) : Globs({"FLYTE_*", "AWS_*"}, scope);
       },
       R"({"environment": {"FLYTE_INTERNAL_TOKEN": "x"}})",
       R"({"environment": {"MY_FLYTE_VAR": "x", "FLYTE": "y"}})",
       "environment.FLYTE_INTERNAL_TOKEN", "POLICY_PROTECTED_ENV", ""});
  rules.push_back(
      {"FixedImage",
       [](Policy* p, PolicyAction, bool permissive, const std::string& scope) {
         p->fixed_fields =
             permissive ? Fixed({}, scope) : Fixed({"container_image"}, scope);
       },
       R"({"containerImage": "ghcr.io/acme/trainer:2.0"})", R"({"retries": 1})",
       "container_image", "POLICY_FIXED_FIELD", ""});
  rules.push_back(
      {"FixedPodTemplate",
       [](Policy* p, PolicyAction, bool permissive, const std::string& scope) {
         p->fixed_fields =
             permissive ? Fixed({}, scope) : Fixed({"pod_template"}, scope);
       },
       R"({"podTemplate": {"primaryContainerName": "main"}})",
       R"({"interruptible": true})", "pod_template", "POLICY_FIXED_FIELD", ""});
  return rules;
}

const std::vector<RuleCase>& AllRules() {
  static const auto* const kRules = new std::vector<RuleCase>(Rules());
  return *kRules;
}

// One task node n0 with hook "h", and `doc` as `layer`'s value for it.
ResolveResult ResolveAt(v1::Layer layer, const Policy& policy,
                        const std::string& doc) {
  const std::string map = absl::StrCat(R"({"h": )", doc, "}");
  const auto closure =
      Closure(TaskNode("n0", "t", Hook("h", layer == v1::DECORATOR ? doc : "")),
              "", Task("t", R"("image": "ghcr.io/acme/base:1")"));
  return ResolveUnder(policy, closure, layer == v1::LAUNCH_PLAN ? map : "{}",
                      layer == v1::EXECUTION ? map : "{}");
}

struct Param {
  size_t rule;
  PolicyAction action;
  v1::Layer layer;
  Level level;
};

std::vector<Param> AllParams() {
  std::vector<Param> params;
  for (size_t r = 0; r < AllRules().size(); ++r) {
    for (PolicyAction action : {PolicyAction::kReject, PolicyAction::kClamp}) {
      if (action == PolicyAction::kClamp && AllRules()[r].clamped.empty())
        continue;  // image, environment and field rules only reject
      for (v1::Layer layer : {v1::DECORATOR, v1::LAUNCH_PLAN, v1::EXECUTION}) {
        for (Level level : {Level::kGlobal, Level::kDomain, Level::kProject,
                            Level::kProjectDomain}) {
          params.push_back({r, action, layer, level});
        }
      }
    }
  }
  return params;
}

class PolicyMatrix : public ::testing::TestWithParam<Param> {
 protected:
  const RuleCase& rule() const { return AllRules()[GetParam().rule]; }

  // The rule at the parameter's level; every less specific level holds a
  // permissive version, which the more specific rule must replace.
  Policy PolicyForExecution() const {
    const Param& p = GetParam();
    PolicySet set;
    const std::string scope = ScopeName(p.level);
    auto put = [&](Policy* policy, Level level) {
      if (level < p.level) rule().set(policy, p.action, true, ScopeName(level));
      if (level == p.level) rule().set(policy, p.action, false, scope);
    };
    put(&set.global, Level::kGlobal);
    put(&set.domains["d"], Level::kDomain);
    put(&set.projects["p"], Level::kProject);
    put(&set.project_domains["p/d"], Level::kProjectDomain);
    return set.For("p", "d");
  }

  ResolveResult ResolveDoc(const Policy& policy, const std::string& doc) const {
    return ResolveAt(GetParam().layer, policy, doc);
  }

  std::string ExpectedField() const {
    switch (GetParam().layer) {
      case v1::LAUNCH_PLAN:
        return "launch_plan_overrides[h]." + rule().field;
      case v1::EXECUTION:
        return "execution_overrides[h]." + rule().field;
      default:
        return "node n0 runtime_override.defaults." + rule().field;
    }
  }
};

TEST_P(PolicyMatrix, BreakingValueIsRejectedOrClamped) {
  const Param& p = GetParam();
  const Policy policy = PolicyForExecution();
  const ResolveResult result = ResolveDoc(policy, rule().over);
  const bool clamp = p.action == PolicyAction::kClamp;
  const v1::Violation* finding = nullptr;
  if (clamp) {
    ASSERT_TRUE(result.ok()) << Reasons(result);
    ASSERT_EQ(result.response.warnings_size(), 1) << WarningReasons(result);
    finding = &result.response.warnings(0);
    const v1::ResolvedNode& node = NodeAt(result, "n0");
    EXPECT_EQ(ValueOf(node, rule().field), rule().clamped);
    const v1::ProvenanceEntry& entry = FieldOf(node, rule().field);
    EXPECT_EQ(entry.assignment().layer(), v1::PLATFORM);
    EXPECT_EQ(entry.assignment().hook(), "h");
    ASSERT_GT(entry.shadowed_size(), 0);
    EXPECT_EQ(entry.shadowed(entry.shadowed_size() - 1).layer(), p.layer);
  } else {
    ASSERT_EQ(result.violations.size(), 1u) << Reasons(result);
    EXPECT_EQ(result.response.warnings_size(), 0) << WarningReasons(result);
    EXPECT_TRUE(result.response.nodes().empty());
    finding = &result.violations[0];
  }
  EXPECT_EQ(finding->reason(), rule().reason);
  EXPECT_EQ(finding->hook(), "h");
  EXPECT_EQ(finding->layer(), p.layer);
  EXPECT_EQ(finding->node_path(), "n0");
  EXPECT_EQ(finding->field(), ExpectedField());
  EXPECT_TRUE(absl::StrContains(finding->description(), ScopeName(p.level)))
      << finding->description();
  EXPECT_TRUE(
      absl::StrContains(finding->description(), v1::Layer_Name(p.layer)))
      << finding->description();
}

TEST_P(PolicyMatrix, ValueAtTheEdgeWrittenDifferentlyPasses) {
  const Policy policy = PolicyForExecution();
  const ResolveResult result = ResolveDoc(policy, rule().within);
  ASSERT_TRUE(result.ok()) << Reasons(result);
  EXPECT_EQ(result.response.warnings_size(), 0) << WarningReasons(result);
  for (const auto& entry : NodeAt(result, "n0").provenance())
    EXPECT_NE(entry.assignment().layer(), v1::PLATFORM) << entry.field();
}

TEST(PolicyScope, RulesForAnotherProjectOrDomainDoNotApply) {
  for (const RuleCase& rule : AllRules()) {
    PolicySet set;
    const auto action = PolicyAction::kReject;
    rule.set(&set.domains["other"], action, false, "domain other");
    rule.set(&set.projects["other"], action, false, "project other");
    rule.set(&set.project_domains["p/other"], action, false, "p/other");
    rule.set(&set.project_domains["other/d"], action, false, "other/d");
    // "p/d" read as a project name, or a domain, is not "p" in "d".
    rule.set(&set.projects["p/d"], action, false, "project p/d");
    const Policy policy = set.For("p", "d");
    for (v1::Layer layer : {v1::DECORATOR, v1::LAUNCH_PLAN, v1::EXECUTION}) {
      const ResolveResult result = ResolveAt(layer, policy, rule.over);
      EXPECT_TRUE(result.ok()) << rule.name << ": " << Reasons(result);
      EXPECT_EQ(result.response.warnings_size(), 0) << rule.name;
    }
  }
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  static const char* const kLevels[] = {"Global", "Domain", "Project",
                                        "ProjectDomain"};
  const Param& p = info.param;
  return absl::StrCat(AllRules()[p.rule].name, "_",
                      p.action == PolicyAction::kClamp ? "Clamp" : "Reject",
                      "_", v1::Layer_Name(p.layer), "_",
                      kLevels[static_cast<int>(p.level)]);
}

INSTANTIATE_TEST_SUITE_P(EveryRule, PolicyMatrix,
                         ::testing::ValuesIn(AllParams()), ParamName);

}  // namespace
}  // namespace flyteoverride::policy
