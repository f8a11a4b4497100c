// The walk (docs/design.md section 4, "Task node instances" and "Hooks cover nodes"),
// observed through Inspect, which lists what each hook covers.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "gtest/gtest.h"
#include "resolver/inspect.h"
#include "resolver/test_util.h"

namespace flyteoverride::resolver {
namespace {

using testing::Closure;
using testing::Hook;
using testing::SubWorkflow;
using testing::SubWorkflowNode;
using testing::Task;
using testing::TaskNode;

std::string Covered(const v1::InspectWorkflowResponse& response,
                    absl::string_view hook) {
  for (const auto& h : response.hooks()) {
    if (h.name() == hook) return absl::StrJoin(h.node_paths(), " ");
  }
  return "(no hook)";
}

std::string Diagnostics(const v1::InspectWorkflowResponse& response) {
  std::string out;
  for (const auto& d : response.diagnostics())
    absl::StrAppend(&out, d.reason(), ": ", d.description(), "\n");
  return out;
}

const std::string kTasks = absl::StrCat(Task("t", R"("image": "i:1")"));

TEST(ClosureWalk, ReusedSubWorkflowGivesOneInstancePerCallSite) {
  const auto closure =
      Closure(absl::StrCat(SubWorkflowNode("n1", "sub"), ",",
                           SubWorkflowNode("n2", "sub")),
              SubWorkflow("sub", TaskNode("n0", "t", Hook("train"))), kTasks);
  const auto response = Inspect(closure, {});
  EXPECT_EQ(Covered(response, "train"), "n1/n0 n2/n0") << Diagnostics(response);
  ASSERT_EQ(response.hooks(0).declarations_size(), 2);
  EXPECT_EQ(response.hooks(0).declarations(1).node_path(), "n2/n0");
}

TEST(ClosureWalk, HookOnSubWorkflowNodeCoversEveryTaskBeneath) {
  const auto closure = Closure(
      absl::StrCat(SubWorkflowNode("n1", "outer", Hook("all")), ",",
                   TaskNode("n2", "t")),
      absl::StrCat(
          SubWorkflow("outer", absl::StrCat(TaskNode("n0", "t"), ",",
                                            SubWorkflowNode("n1", "inner"))),
          ",", SubWorkflow("inner", TaskNode("a", "t"))),
      kTasks);
  EXPECT_EQ(Covered(Inspect(closure, {}), "all"), "n1/n0 n1/n1/a");
}

TEST(ClosureWalk, BranchesNestedAndEveryArmIsWalked) {
  const std::string inner_branch = absl::Substitute(
      R"({"id": "b-b", "branchNode": {"ifElse": {"case": {"thenNode": $0},
          "other": [{"thenNode": $1}], "elseNode": $2}}})",
      TaskNode("b-b-n0", "t"), TaskNode("b-b-n1", "t"),
      TaskNode("b-b-n2", "t"));
  const std::string branch = absl::Substitute(
      R"({"id": "b", "branchNode": {"ifElse": {"case": {"thenNode": $0}, "elseNode": $1}}, $2})",
      TaskNode("b-n0", "t"), inner_branch, Hook("branchy"));
  EXPECT_EQ(Covered(Inspect(Closure(branch, "", kTasks), {}), "branchy"),
            "b-b-n0 b-b-n1 b-b-n2 b-n0");
}

TEST(ClosureWalk, ArrayNodeAndFailureNodeAreWalked) {
  const std::string array = absl::Substitute(
      R"({"id": "n1", "arrayNode": {"node": $0, "parallelism": 4}, $1})",
      TaskNode("n1-map", "t"), Hook("shard"));
  const auto closure =
      Closure(array, "", kTasks,
              absl::StrCat(R"("failureNode": )",
                           TaskNode("fail", "t", Hook("cleanup"))));
  const auto response = Inspect(closure, {});
  EXPECT_EQ(Covered(response, "shard"), "n1-map");
  EXPECT_EQ(Covered(response, "cleanup"), "fail");
}

TEST(ClosureWalk, LaunchPlanAndGateNodesHoldNoTaskNodes) {
  const std::string nodes = absl::StrCat(
      R"({"id": "lp", "workflowNode": {"launchplanRef": {"resourceType": "LAUNCH_PLAN", "name": "x"}}, )",
      Hook("child"),
      R"(}, {"id": "gate", "gateNode": {"sleep": {"duration": "10s"}}, )",
      Hook("wait"), "}, ", TaskNode("n0", "t", Hook("wait")));
  const auto response = Inspect(Closure(nodes, "", kTasks), {});
  EXPECT_EQ(Covered(response, "child"), "");
  EXPECT_EQ(Covered(response, "wait"), "n0");
  EXPECT_EQ(Diagnostics(response), "");
}

TEST(ClosureWalk, DraftIdlRuntimeOverrideNameDeclaresAHookWithoutDefaults) {
  const std::string node = absl::Substitute(
      R"({"id": "n0", "taskNode": {"referenceId": $0, "runtimeOverrideName": "legacy"}})",
      testing::TaskId("t"));
  const auto response = Inspect(Closure(node, "", kTasks), {});
  EXPECT_EQ(Covered(response, "legacy"), "n0");
  EXPECT_FALSE(response.hooks(0).declarations(0).has_defaults());
}

TEST(ClosureWalk, MissingTaskReferenceIsAnErrorNamingTheNode) {
  const auto response =
      Inspect(Closure(TaskNode("n0", "nope"), "", kTasks), {});
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).category(), v1::Violation::BAD_CLOSURE);
  EXPECT_EQ(response.diagnostics(0).node_path(), "n0");
  EXPECT_NE(response.diagnostics(0).description().find("p/d/nope@1"),
            std::string::npos);
}

TEST(ClosureWalk, MissingSubWorkflowReferenceIsAnError) {
  const auto response =
      Inspect(Closure(SubWorkflowNode("n3", "gone"), "", kTasks), {});
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_NE(
      response.diagnostics(0).description().find("n3 references sub-workflow"),
      std::string::npos);
}

TEST(ClosureWalk, ReferenceCycleIsAnErrorNotAHang) {
  const auto closure =
      Closure(SubWorkflowNode("n0", "a"),
              absl::StrCat(SubWorkflow("a", SubWorkflowNode("x", "b")), ",",
                           SubWorkflow("b", SubWorkflowNode("y", "a"))),
              kTasks);
  const auto response = Inspect(closure, {});
  ASSERT_EQ(response.diagnostics_size(), 1) << Diagnostics(response);
  EXPECT_NE(response.diagnostics(0).description().find("cycle"),
            std::string::npos);
  EXPECT_EQ(response.diagnostics(0).node_path(), "n0/x/y");
}

TEST(ClosureWalk, NestingPastTheLimitIsAnError) {
  // Sub-workflows w0 -> w1 -> ... -> w9, each calling the next.
  std::string subs;
  for (int i = 0; i < 10; ++i) {
    if (i > 0) subs += ",";
    subs += SubWorkflow(absl::StrCat("w", i),
                        i < 9 ? SubWorkflowNode("n", absl::StrCat("w", i + 1))
                              : TaskNode("t0", "t", Hook("deep")));
  }
  const auto closure = Closure(SubWorkflowNode("n", "w0"), subs, kTasks);
  WalkLimits limits;
  limits.max_depth = 10;
  EXPECT_EQ(Covered(Inspect(closure, limits), "deep"),
            "n/n/n/n/n/n/n/n/n/n/t0");
  limits.max_depth = 9;
  const auto response = Inspect(closure, limits);
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).category(), v1::Violation::LIMIT_EXCEEDED);
}

TEST(ClosureWalk, ExponentialReuseIsBoundedByTheNodeLimit) {
  // Each level calls the next twice: 2^40 instances if nothing stopped it.
  std::string subs;
  for (int i = 0; i < 40; ++i) {
    if (i > 0) subs += ",";
    const std::string next = absl::StrCat("w", i + 1);
    subs += SubWorkflow(absl::StrCat("w", i),
                        i < 39 ? absl::StrCat(SubWorkflowNode("a", next), ",",
                                              SubWorkflowNode("b", next))
                               : TaskNode("t0", "t", Hook("leaf")));
  }
  WalkLimits limits;
  limits.max_nodes = 10000;
  const auto response =
      Inspect(Closure(SubWorkflowNode("n", "w0"), subs, kTasks), limits);
  ASSERT_GE(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).category(), v1::Violation::LIMIT_EXCEEDED);
}

TEST(ClosureWalk, DeepBranchNestingDoesNotOverflowTheStack) {
  std::string node = TaskNode("leaf", "t", Hook("deep"));
  for (int i = 0; i < 2000; ++i) {
    node = absl::Substitute(
        R"({"id": "b$0", "branchNode": {"ifElse": {"case": {"thenNode": $1}}}})",
        i, node);
  }
  flyteidl::core::CompiledWorkflowClosure closure =
      Closure("{\"id\": \"x\"}", "", kTasks);
  // Built in C++: the JSON parser has a nesting limit of its own.
  flyteidl::core::Node* at =
      closure.mutable_primary()->mutable_template_()->add_nodes();
  for (int i = 0; i < 2000; ++i) {
    at->set_id(absl::StrCat("b", i));
    at = at->mutable_branch_node()
             ->mutable_if_else()
             ->mutable_case_()
             ->mutable_then_node();
  }
  at->set_id("leaf");
  *at->mutable_task_node()->mutable_reference_id() =
      testing::ParseJson<flyteidl::core::Identifier>(testing::TaskId("t"));
  at->mutable_runtime_override()->set_name("deep");
  const auto response = Inspect(closure, {});
  EXPECT_EQ(Covered(response, "deep"), "(no hook)");
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).category(), v1::Violation::LIMIT_EXCEEDED);
}

TEST(ClosureWalk, SameNameWithDifferentDefaultsIsAConflictNamingBothPaths) {
  const auto closure = Closure(
      absl::StrCat(TaskNode("n0", "t", Hook("train", R"({"retries": 1})")), ",",
                   TaskNode("n1", "t", Hook("train", R"({"retries": 2})"))),
      "", kTasks);
  const auto response = Inspect(closure, {});
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_NE(
      response.diagnostics(0).description().find("declared at n0 and at n1"),
      std::string::npos);
}

TEST(ClosureWalk, SameNameWithSameDefaultsIsAGroup) {
  const auto closure = Closure(
      absl::StrCat(TaskNode("n0", "t", Hook("train", R"({"retries": 1})")), ",",
                   TaskNode("n1", "t", Hook("train", R"({"retries": 1})"))),
      "", kTasks);
  const auto response = Inspect(closure, {});
  EXPECT_EQ(Diagnostics(response), "");
  EXPECT_EQ(Covered(response, "train"), "n0 n1");
}

TEST(ClosureWalk, BadHookNameIsAnError) {
  const auto response =
      Inspect(Closure(TaskNode("n0", "t", Hook("-bad name")), "", kTasks), {});
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).field(), "node n0 runtime_override.name");
}

TEST(ClosureWalk, DuplicateNodePathsAreAnError) {
  const auto response =
      Inspect(Closure(absl::StrCat(TaskNode("n0", "t", Hook("a")), ",",
                                   TaskNode("n0", "t", Hook("a"))),
                      "", kTasks),
              {});
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_NE(
      response.diagnostics(0).description().find("share the node path n0"),
      std::string::npos);
}

TEST(ClosureWalk, ParentWorkflowDefaultsAreListedPerHook) {
  const auto closure =
      Closure(SubWorkflowNode("n1", "ref"),
              SubWorkflow("ref", TaskNode("n0", "t", Hook("score"))), kTasks,
              R"("runtimeOverrideDefaults": {"score": {"retries": 5}})");
  const auto response = Inspect(closure, {});
  ASSERT_EQ(response.hooks_size(), 1);
  ASSERT_EQ(response.hooks(0).workflow_defaults().count(""), 1);
  EXPECT_EQ(response.hooks(0).workflow_defaults().at("").retries(), 5);
}

}  // namespace
}  // namespace flyteoverride::resolver
