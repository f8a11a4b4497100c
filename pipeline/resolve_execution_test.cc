// The pipeline's own rules: what it adds to the core's Inspect and Resolve.
#include "pipeline/resolve_execution.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/test_util.h"

namespace flyteoverride::pipeline {
namespace {

using policy::testing::Closure;
using policy::testing::Fixed;
using policy::testing::Hook;
using policy::testing::Task;
using policy::testing::TaskNode;
using ::testing::ElementsAre;

std::vector<std::string> Diagnostics(const v1::InspectWorkflowResponse& r) {
  std::vector<std::string> out;
  for (const v1::Violation& v : r.diagnostics())
    out.push_back(absl::StrCat(v.reason(), " ", v.field()));
  return out;
}

// A default the policy refuses would fail every Resolve that keeps it:
// Inspect under that policy says so, naming where the author wrote it.
TEST(InspectWorkflow, FlagsAuthorDefaultsThePolicyRefuses) {
  const auto closure = Closure(
      TaskNode("n0", "t", Hook("train", R"({"containerImage": "x:1"})")), "",
      Task("t", ""),
      R"("runtimeOverrideDefaults": {"train": {"podTemplate":
          {"primaryContainerName": "c"}}})");
  policy::Policy rules;
  rules.fixed_fields = Fixed({"container_image", "pod_template"});
  const v1::InspectWorkflowResponse judged =
      InspectWorkflow(closure, &rules, resolver::WalkLimits());
  EXPECT_THAT(
      Diagnostics(judged),
      ElementsAre(
          "POLICY_FIXED_FIELD node n0 runtime_override.defaults.container_image",
          "POLICY_FIXED_FIELD primary workflow "
          "runtime_override_defaults[train].pod_template"));
  // Without a policy, or under one that allows them, the workflow is clean.
  EXPECT_THAT(Diagnostics(InspectWorkflow(closure, nullptr, {})),
              ElementsAre());
  const policy::Policy open;
  EXPECT_THAT(Diagnostics(InspectWorkflow(closure, &open, {})), ElementsAre());
}

// An operator can turn implicit hooks on for a scope; the rewritten closure
// then carries what they set, like any hook's.
TEST(ResolveExecution, ThePolicyTurnsImplicitHooksOn) {
  v1::ResolveRequest request = resolver::testing::RequestJson(
      Closure(TaskNode("n0", "t", R"("metadata": {"name": "train_model"})"),
              "", Task("t", "")),
      "{}", R"({"train_model": {"retries": 4}})");
  request.mutable_options()->set_rewrite_closure(true);
  EXPECT_FALSE(ResolveExecution(request, {}, {})->ok());  // off: unknown hook
  policy::Policy rules;
  rules.implicit_hooks = true;
  ExecutionContext context;
  context.policy = &rules;
  absl::StatusOr<ResolveOutcome> outcome =
      ResolveExecution(request, context, {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_TRUE(outcome->ok()) << outcome->violations[0].description();
  EXPECT_EQ(outcome->response.nodes(0).overrides().retries(), 4);
  int rewritten = 0;
  for (const auto& node :
       outcome->response.rewritten_closure().primary().template_().nodes()) {
    if (node.id() != "n0") continue;
    EXPECT_EQ(node.metadata().retries().retries(), 4u);
    ++rewritten;
  }
  EXPECT_EQ(rewritten, 1);
}

// An answer too large to send is refused before anyone could record it.
TEST(ResolveExecution, AnAnswerOverTheOutputLimitIsRefused) {
  const v1::ResolveRequest request = resolver::testing::RequestJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", Task("t", "")), "{}",
      R"({"h": {"retries": 4}})");
  PipelineOptions options;
  ExecutionContext context;
  context.collect_applied_hooks = true;
  const size_t bytes =
      ResolveExecution(request, context, options)->response.ByteSizeLong();
  options.limits.max_output_bytes = bytes;
  EXPECT_TRUE(ResolveExecution(request, context, options)->ok());
  options.limits.max_output_bytes = bytes - 1;
  absl::StatusOr<ResolveOutcome> over =
      ResolveExecution(request, context, options);
  ASSERT_TRUE(over.ok()) << over.status();
  ASSERT_EQ(over->violations.size(), 1u);
  EXPECT_EQ(over->violations[0].reason(), "OUTPUT_TOO_LARGE");
  EXPECT_EQ(over->violations[0].category(), v1::Violation::LIMIT_EXCEEDED);
  EXPECT_EQ(over->response.nodes_size(), 0);
  EXPECT_TRUE(over->applied_hooks.empty());  // nothing left to record
}

}  // namespace
}  // namespace flyteoverride::pipeline
