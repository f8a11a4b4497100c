// The service under an operator policy: which scope applies (the execution
// id's project and domain, else the closure's workflow id), and a policy
// swapped in the holder applying to the next call (but not to the answer
// already recorded for an execution).
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "policy/test_util.h"
#include "server/override_service.h"
#include "storage/memory_store.h"

namespace flyteoverride::server {
namespace {

using policy::PolicyAction;
using policy::PolicySet;
using policy::RetriesRule;
using resolver::testing::Closure;
using resolver::testing::Hook;
using resolver::testing::Task;
using resolver::testing::TaskNode;

const absl::Time kFar = absl::InfiniteFuture();

// The closure's workflow is in project "p", domain "d" (test_util's ids).
v1::ResolveRequest Request(int retries) {
  v1::ResolveRequest request;
  *request.mutable_closure() =
      Closure(TaskNode("n0", "t", Hook("train")), "", Task("t", ""));
  (*request.mutable_execution_overrides())["train"].set_retries(retries);
  request.mutable_options()->set_dry_run(true);
  return request;
}

// `request` as FlyteAdmin sends it for execution p/d/e: recorded.
v1::ResolveRequest Recorded(v1::ResolveRequest request) {
  request.mutable_options()->set_dry_run(false);
  request.mutable_execution_id()->set_project("p");
  request.mutable_execution_id()->set_domain("d");
  request.mutable_execution_id()->set_name("e");
  return request;
}

// At most 1 retry in project "p" and domain "prod"; 5 elsewhere.
PolicySet Rules() {
  PolicySet set;
  set.global.max_retries = RetriesRule{5, PolicyAction::kReject, "global"};
  set.project_domains["p/prod"].max_retries =
      RetriesRule{1, PolicyAction::kReject, "project p, domain prod"};
  return set;
}

class OverrideServicePolicyTest : public ::testing::Test {
 protected:
  OverrideServicePolicyTest()
      : policy_(Rules()), service_(Options(), &store_) {}

  ServiceOptions Options() {
    ServiceOptions options;
    options.policy = &policy_;
    return options;
  }

  PolicyHolder policy_;
  storage::MemoryStore store_;
  OverrideService service_;
  CallStats stats_;
};

TEST_F(OverrideServicePolicyTest, ExecutionIdPicksTheScope) {
  v1::ResolveRequest request = Request(3);
  EXPECT_TRUE(service_.Resolve(request, kFar, &stats_).ok());
  request.mutable_execution_id()->set_project("p");
  request.mutable_execution_id()->set_domain("prod");
  request.mutable_execution_id()->set_name("e1");
  auto refused = service_.Resolve(request, kFar, &stats_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("project p, domain prod"),
            absl::string_view::npos)
      << refused.status();
}

TEST_F(OverrideServicePolicyTest, WithoutAnExecutionIdTheWorkflowIdPicks) {
  v1::ResolveRequest request = Request(3);
  // The workflow "p/d" is judged by the global rule only.
  EXPECT_TRUE(service_.Resolve(request, kFar, &stats_).ok());
  request.mutable_closure()
      ->mutable_primary()
      ->mutable_template_()
      ->mutable_id()
      ->set_domain("prod");
  EXPECT_EQ(service_.Resolve(request, kFar, &stats_).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::InspectWorkflowRequest inspect;
  *inspect.mutable_closure() = request.closure();
  auto view = service_.InspectWorkflow(inspect, &stats_);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->hooks(0).policy().limits(0).max(), "1");
}

TEST_F(OverrideServicePolicyTest, ASwappedPolicyAppliesToTheNextCall) {
  EXPECT_TRUE(service_.Resolve(Request(3), kFar, &stats_).ok());
  PolicySet stricter;
  stricter.global.max_retries = RetriesRule{2, PolicyAction::kClamp, "global"};
  policy_.Set(std::move(stricter));
  auto clamped = service_.Resolve(Request(3), kFar, &stats_);
  ASSERT_TRUE(clamped.ok()) << clamped.status();
  ASSERT_EQ(clamped->warnings_size(), 1);
  EXPECT_EQ(clamped->warnings(0).reason(), "POLICY_MAX_RETRIES");
  EXPECT_EQ(clamped->nodes(0).overrides().retries(), 2);
}

TEST_F(OverrideServicePolicyTest,
       ARecordedExecutionKeepsItsAnswerAfterAPolicyChange) {
  const v1::ResolveRequest request = Recorded(Request(3));
  ASSERT_TRUE(service_.Resolve(request, kFar, &stats_).ok());
  PolicySet stricter;
  stricter.global.max_retries = RetriesRule{2, PolicyAction::kClamp, "global"};
  policy_.Set(std::move(stricter));
  CallStats stats;
  auto repeat = service_.Resolve(request, kFar, &stats);
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->nodes(0).overrides().retries(),
            3);  // as recorded, not clamped
  ASSERT_EQ(repeat->warnings_size(), 1);
  EXPECT_EQ(repeat->warnings(0).reason(), "RECORDED_ANSWER");
  // The metrics count what was answered: no clamp.
  ASSERT_EQ(stats.warnings.size(), 1u);
  EXPECT_EQ(stats.warnings[0].reason(), "RECORDED_ANSWER");
}

TEST_F(OverrideServicePolicyTest,
       RecordedDynamicNodesKeepTheirAnswerAfterAPolicyChange) {
  const v1::ResolveRequest request = Recorded(Request(3));
  ASSERT_TRUE(service_.Resolve(request, kFar, &stats_).ok());
  v1::ResolveDynamicRequest dynamic;
  *dynamic.mutable_execution_id() = request.execution_id();
  dynamic.set_parent_node_path("n0");
  *dynamic.mutable_closure() =
      Closure(TaskNode("d0", "t"), "", Task("t", R"("image": "i:1")"));
  auto first = service_.ResolveDynamic(dynamic, kFar, &stats_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->nodes(0).overrides().retries(), 3);
  EXPECT_EQ(first->warnings_size(), 0);

  PolicySet stricter;
  stricter.global.max_retries = RetriesRule{2, PolicyAction::kClamp, "global"};
  policy_.Set(std::move(stricter));
  // Propeller asks again (a retried task start): it gets what it got.
  CallStats stats;
  auto repeat = service_.ResolveDynamic(dynamic, kFar, &stats);
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  ASSERT_EQ(stats.warnings.size(), 1u);
  EXPECT_EQ(stats.warnings[0].reason(), "RECORDED_ANSWER");
  EXPECT_EQ(stats.nodes, 1);
  ASSERT_EQ(repeat->nodes_size(), 1);
  EXPECT_EQ(repeat->nodes(0).node_path(), "n0/d0");
  EXPECT_EQ(repeat->nodes(0).overrides().retries(), 3);  // as recorded
  ASSERT_EQ(repeat->warnings_size(), 1);
  EXPECT_EQ(repeat->warnings(0).reason(), "RECORDED_ANSWER");
  // A dry run is judged afresh: it records nothing and replays nothing.
  dynamic.mutable_options()->set_dry_run(true);
  auto dry = service_.ResolveDynamic(dynamic, kFar, &stats_);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->nodes(0).overrides().retries(), 2);
}

TEST_F(OverrideServicePolicyTest, ARefusalKeepsTheClampWarnings) {
  PolicySet rules;
  rules.global.max_retries = RetriesRule{2, PolicyAction::kClamp, "global"};
  policy_.Set(std::move(rules));
  v1::ResolveRequest request = Request(3);  // clamped to 2: a warning
  (*request.mutable_execution_overrides())["tarin"].set_retries(1);
  auto refused = service_.Resolve(request, kFar, &stats_);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(refused.violations().size(), 1u);
  EXPECT_EQ(refused.violations()[0].reason(), "UNKNOWN_HOOK");
  v1::ResolveResponse unused;
  const Outcome outcome = std::move(refused).Deliver(&unused);
  ASSERT_EQ(outcome.warnings.size(), 1u);
  EXPECT_EQ(outcome.warnings[0].reason(), "POLICY_MAX_RETRIES");
}

}  // namespace
}  // namespace flyteoverride::server
