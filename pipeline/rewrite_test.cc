// The rewrite's rules (docs/flyte-v1.md): where each resolved value goes,
// when templates are copied and under which ids, and what is refused. Every
// rewrite here also round-trips: resolving the rewritten closure with no
// hooks gives each instance the values the original resolve gave it.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "encoding/json_format.h"
#include "pipeline/rewrite_test_util.h"
#include "resolver/test_util.h"

namespace flyteoverride::pipeline::testing {

using encoding::DeterministicJson;
using encoding::DeterministicBytes;
using resolver::testing::Closure;
using resolver::testing::Hook;
using resolver::testing::SubWorkflow;
using resolver::testing::SubWorkflowNode;
using resolver::testing::Task;
using resolver::testing::TaskId;
using resolver::testing::TaskNode;


namespace {

using flyteidl::core::CompiledWorkflowClosure;
using flyteidl::core::Node;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

// Task "t": cpu 1/2, memory limit 4Gi, env A=1, retries 3, cached at "1".
const std::string kTask =
    Task("t",
         R"("image": "img:1", "env": [{"key": "A", "value": "1"}],
            "resources": {"requests": [{"name": "CPU", "value": "1"}],
              "limits": [{"name": "CPU", "value": "2"},
                         {"name": "MEMORY", "value": "4Gi"}]})",
         R"("retries": {"retries": 3}, "discoverable": true,
            "discoveryVersion": "1")");

// One task node n0 calling "t" under hook "h".
CompiledWorkflowClosure OneNode(absl::string_view node_extra = "") {
  return Closure(
      TaskNode(
          "n0", "t",
          absl::StrCat(Hook("h"), node_extra.empty() ? "" : ", ", node_extra)),
      "", kTask);
}

Rewritten Rewrite(const CompiledWorkflowClosure& closure,
                  absl::string_view execution,
                  const flyte_v1::RewriteOptions& options = {}) {
  Rewritten out = RewriteJson(closure, "{}", execution, options);
  if (out.rewritten.ok()) ExpectSameEffectiveValues(closure, out);
  return out;
}

const Node& NodeOf(const CompiledWorkflowClosure& closure,
                   absl::string_view id) {
  for (const Node& node : closure.primary().template_().nodes()) {
    if (node.id() == id) return node;
  }
  ADD_FAILURE() << "no node " << id;
  return Node::default_instance();
}

std::vector<std::string> Paths(const v1::TemplateCopy& copy) {
  return {copy.node_paths().begin(), copy.node_paths().end()};
}

TEST(RewriteTest, CallSitesThatResolveAlikeShareOneCopy) {
  const CompiledWorkflowClosure closure =
      Closure(absl::StrCat(SubWorkflowNode("n1", "sub", Hook("big")), ",",
                           SubWorkflowNode("n2", "sub", Hook("big")), ",",
                           SubWorkflowNode("n3", "sub", Hook("small"))),
              SubWorkflow("sub", TaskNode("n0", "t")), kTask);
  const std::string execution = R"({
      "big": {"resources": {"limits": [{"name": "MEMORY", "value": "8Gi"}]}},
      "small": {"resources": {"limits": [{"name": "MEMORY", "value": "2Gi"}]}}})";
  const Rewritten out = Rewrite(closure, execution);
  ASSERT_TRUE(out.rewritten.ok());
  const auto& copies = out.rewritten.copies;
  ASSERT_THAT(copies, SizeIs(2));
  EXPECT_THAT(Paths(copies[0]), ElementsAre("n1", "n2"));
  EXPECT_THAT(Paths(copies[1]), ElementsAre("n3"));
  for (const v1::TemplateCopy& copy : copies) {
    EXPECT_EQ(copy.kind(), v1::TemplateCopy::WORKFLOW);
    EXPECT_EQ(copy.original_id().name(), "sub");
    EXPECT_THAT(copy.copy_id().name(), MatchesRegex("sub-ro-[0-9a-f]{10}"));
    EXPECT_THAT(copy.reason(), HasSubstr("changes nodes n0"));
  }
  EXPECT_NE(copies[0].copy_id().name(), copies[1].copy_id().name());
  // Exactly two copies plus the original, which keeps its bytes.
  ASSERT_EQ(out.parsed.sub_workflows_size(), 3);
  EXPECT_EQ(DeterministicBytes(out.parsed.sub_workflows(0)),
            DeterministicBytes(closure.sub_workflows(0)));
  const auto ref = [&](absl::string_view id) {
    return NodeOf(out.parsed, id).workflow_node().sub_workflow_ref().name();
  };
  EXPECT_EQ(ref("n1"), copies[0].copy_id().name());
  EXPECT_EQ(ref("n2"), copies[0].copy_id().name());
  EXPECT_EQ(ref("n3"), copies[1].copy_id().name());
  // Stable across runs.
  const Rewritten again = Rewrite(closure, execution);
  EXPECT_EQ(again.rewritten.closure, out.rewritten.closure);
}

TEST(RewriteTest, NestedCopiesReferenceCopies) {
  const CompiledWorkflowClosure closure =
      Closure(absl::StrCat(SubWorkflowNode("n1", "mid", Hook("a")), ",",
                           SubWorkflowNode("n2", "mid", Hook("b"))),
              absl::StrCat(SubWorkflow("mid", SubWorkflowNode("m0", "leaf")),
                           ",", SubWorkflow("leaf", TaskNode("n0", "t"))),
              kTask);
  const Rewritten out = Rewrite(closure, R"({"a": {"retries": 5},
                                             "b": {"retries": 6}})");
  ASSERT_TRUE(out.rewritten.ok());
  std::vector<std::string> copies;
  for (const auto& copy : out.rewritten.copies) {
    copies.push_back(absl::StrCat(copy.original_id().name(), " ",
                                  absl::StrJoin(copy.node_paths(), ",")));
  }
  EXPECT_THAT(copies,
              ElementsAre("mid n1", "leaf n1/m0", "mid n2", "leaf n2/m0"));
}

TEST(RewriteTest, NodesInsideBranchesAndArraysAreRewritten) {
  const std::string branch = absl::StrCat(
      R"({"id": "b", "branchNode": {"ifElse": {"case": {"thenNode": )",
      SubWorkflowNode("b-n0", "sub", Hook("x")), R"(}, "elseNode": )",
      SubWorkflowNode("b-n1", "sub", Hook("y")), "}}}");
  const std::string array =
      absl::StrCat(R"({"id": "m", "arrayNode": {"node": )",
                   TaskNode("m-n0", "t", Hook("z")), "}}");
  const CompiledWorkflowClosure closure =
      Closure(absl::StrCat(branch, ",", array),
              SubWorkflow("sub", TaskNode("n0", "t")), kTask);
  const Rewritten out = Rewrite(closure, R"({"x": {"retries": 5},
      "y": {"retries": 6}, "z": {"containerImage": "img:2"}})");
  ASSERT_TRUE(out.rewritten.ok());
  EXPECT_THAT(out.rewritten.copies, SizeIs(2));
  EXPECT_THAT(ReadAsFlyteidlV1(out.rewritten.closure).foreign, IsEmpty());
}

TEST(RewriteTest, PerNodeFieldsNeedNoCopy) {
  const Rewritten out = Rewrite(OneNode(), R"({"h": {
      "resources": {"requests": [{"name": "MEMORY", "value": "2Gi"}],
                    "limits": [{"name": "CPU", "value": "4"}]},
      "containerImage": "img:2", "retries": 5, "interruptible": true,
      "cache": false, "cacheVersion": "2", "cacheSerializable": true}})");
  ASSERT_TRUE(out.rewritten.ok());
  EXPECT_THAT(out.rewritten.copies, IsEmpty());
  const Node& n0 = NodeOf(out.parsed, "n0");
  EXPECT_EQ(
      DeterministicJson(n0.metadata(), false),
      R"({"retries":{"retries":5},"interruptible":true,)"
      R"("cacheable":false,"cacheVersion":"2","cacheSerializable":true})");
  EXPECT_EQ(
      DeterministicJson(n0.task_node().overrides(), false),
      R"({"resources":{"requests":[{"name":"MEMORY","value":"2Gi"}],)"
      R"("limits":[{"name":"CPU","value":"4"}]},"containerImage":"img:2"})");
  EXPECT_FALSE(n0.has_runtime_override());
}

TEST(RewriteTest, EnvironmentAndTaskConfigGoIntoATaskCopy) {
  const Rewritten out =
      Rewrite(OneNode(),
              R"({"h": {"environment": {"B": "2"}, "taskConfig": {"x": 1}}})");
  ASSERT_TRUE(out.rewritten.ok());
  ASSERT_THAT(out.rewritten.copies, SizeIs(1));
  const v1::TemplateCopy& copy = out.rewritten.copies[0];
  EXPECT_EQ(copy.kind(), v1::TemplateCopy::TASK);
  EXPECT_THAT(copy.copy_id().name(), MatchesRegex("t-ro-[0-9a-f]{10}"));
  EXPECT_THAT(Paths(copy), ElementsAre("n0"));
  EXPECT_THAT(copy.reason(), HasSubstr("environment: flyteidl v1 has no"));
  EXPECT_THAT(copy.reason(), HasSubstr("task_config: flyteidl v1 has no"));
  ASSERT_EQ(out.parsed.tasks_size(), 2);  // the original stays
  const auto& task = out.parsed.tasks(1).template_();
  EXPECT_EQ(task.id().name(), copy.copy_id().name());
  EXPECT_EQ(DeterministicJson(task.container(), false),
            R"({"image":"img:1","resources":{"requests":[{"name":"CPU",)"
            R"("value":"1"}],"limits":[{"name":"CPU","value":"2"},{"name":)"
            R"("MEMORY","value":"4Gi"}]},"env":[{"key":"A","value":"1"},)"
            R"({"key":"B","value":"2"}]})");
  EXPECT_EQ(DeterministicJson(task.custom(), false), R"({"x":1})");
  EXPECT_EQ(NodeOf(out.parsed, "n0").task_node().reference_id().name(),
            copy.copy_id().name());
}

TEST(RewriteTest, InstancesThatNeedTheSameTaskCopyShareIt) {
  const CompiledWorkflowClosure closure =
      Closure(absl::StrCat(TaskNode("n0", "t", Hook("h")), ",",
                           TaskNode("n1", "t", Hook("h"))),
              "", kTask);
  const Rewritten out =
      Rewrite(closure, R"({"h": {"environment": {"B": "2"}}})");
  ASSERT_THAT(out.rewritten.copies, SizeIs(1));
  EXPECT_THAT(Paths(out.rewritten.copies[0]), ElementsAre("n0", "n1"));
}

TEST(RewriteTest, ForbiddenTaskCopiesAreErrorsNamingNodeAndField) {
  flyte_v1::RewriteOptions options;
  options.forbid_task_copies = true;
  const Rewritten out =
      Rewrite(OneNode(), R"({"h": {"environment": {"B": "2"}, "retries": 5}})",
              options);
  ASSERT_THAT(out.rewritten.violations, SizeIs(1));
  const v1::Violation& violation = out.rewritten.violations[0];
  EXPECT_EQ(violation.reason(), "TASK_COPY_FORBIDDEN");
  EXPECT_EQ(violation.field(), "node n0 environment");
  EXPECT_EQ(violation.node_path(), "n0");
  EXPECT_THAT(violation.description(), HasSubstr("p/d/t@1"));
  EXPECT_TRUE(out.rewritten.closure.empty());
}

TEST(RewriteTest, ZeroRetriesOverTheTasksNeedATaskCopy) {
  // NodeMetadata.retries counts only when non-zero.
  const Rewritten out = Rewrite(OneNode(), R"({"h": {"retries": 0}})");
  ASSERT_THAT(out.rewritten.copies, SizeIs(1));
  EXPECT_THAT(out.rewritten.copies[0].reason(),
              HasSubstr("retries: 0 where the task template says 3"));
  EXPECT_EQ(out.parsed.tasks(1).template_().metadata().retries().retries(), 0u);
}

TEST(RewriteTest, RemovingWhatTheTaskSetsNeedsATaskCopy) {
  // Propeller merges node resources by name and never removes one.
  const Rewritten out =
      Rewrite(OneNode(), R"({"h": {"unset": ["resources.limits.cpu"]}})");
  ASSERT_THAT(out.rewritten.copies, SizeIs(1));
  EXPECT_THAT(out.rewritten.copies[0].reason(),
              HasSubstr("resources.limits.cpu: removed"));
  EXPECT_EQ(DeterministicJson(
                out.parsed.tasks(1).template_().container().resources(), false),
            R"({"requests":[{"name":"CPU","value":"1"}],)"
            R"("limits":[{"name":"MEMORY","value":"4Gi"}]})");
}

TEST(RewriteTest, RemovingWhatTheNodeSetsNeedsNoCopy) {
  const CompiledWorkflowClosure closure = Closure(
      absl::StrCat(R"({"id": "n0", "runtimeOverride": {"name": "h"},
                      "taskNode": {"referenceId": )",
                   TaskId("t"), R"(, "overrides": {"resources": {"limits":
                      [{"name": "EPHEMERAL_STORAGE", "value": "10Gi"}]}}}})"),
      "", kTask);
  const Rewritten out = Rewrite(
      closure, R"({"h": {"unset": ["resources.limits.ephemeral_storage"]}})");
  EXPECT_THAT(out.rewritten.copies, IsEmpty());
  EXPECT_EQ(NodeOf(out.parsed, "n0")
                .task_node()
                .overrides()
                .resources()
                .limits_size(),
            0);
}

TEST(RewriteTest, DroppingAPartOfTheTasksExtendedResourcesNeedsACopy) {
  // v1 merges extended resources part by part; the resolver replaces them.
  const CompiledWorkflowClosure closure = Closure(
      TaskNode("n0", "s", Hook("h")), "",
      Task(
          "s", R"("image": "img:1")", "",
          R"("extendedResources": {"sharedMemory": {"mountPath": "/dev/shm"}})"));
  const Rewritten out = Rewrite(
      closure,
      R"({"h": {"extendedResources": {"gpuAccelerator": {"device": "l4"}}}})");
  ASSERT_THAT(out.rewritten.copies, SizeIs(1));
  EXPECT_THAT(out.rewritten.copies[0].reason(),
              HasSubstr("extended_resources: a part the task template sets"));
}

TEST(RewriteTest, RemovedInterruptibleUnderAWorkflowDefaultIsRefused) {
  const CompiledWorkflowClosure closure =
      Closure(TaskNode("n0", "t", Hook("h")), "", kTask,
              R"("metadataDefaults": {"interruptible": true})");
  const Rewritten out =
      Rewrite(closure, R"({"h": {"unset": ["interruptible"]}})");
  ASSERT_THAT(out.rewritten.violations, SizeIs(1));
  EXPECT_EQ(out.rewritten.violations[0].reason(), "NOT_EXPRESSIBLE_IN_V1");
  EXPECT_EQ(out.rewritten.violations[0].field(), "node n0 interruptible");
}

TEST(RewriteTest, WithoutRuntimeValuesOnlyHookDeclarationsGo) {
  const CompiledWorkflowClosure closure =
      Closure(TaskNode("n0", "t", Hook("h", R"({"retries": 1})")), "", kTask,
              R"("runtimeOverrideDefaults": {"h": {"retries": 2}})");
  // The decorator's retries are runtime values; without them nothing is.
  const Rewritten plain =
      Rewrite(Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}");
  ASSERT_TRUE(plain.rewritten.ok());
  EXPECT_THAT(plain.rewritten.copies, IsEmpty());
  EXPECT_EQ(DeterministicJson(plain.parsed, false),
            DeterministicJson(Closure(TaskNode("n0", "t"), "", kTask), false));
  const Rewritten decorated = Rewrite(closure, "{}");
  EXPECT_EQ(NodeOf(decorated.parsed, "n0").metadata().retries().retries(), 2u);
  EXPECT_TRUE(decorated.parsed.primary()
                  .template_()
                  .runtime_override_defaults()
                  .empty());
}

TEST(RewriteTest, AClosureWithoutHooksComesBackByteForByte) {
  const CompiledWorkflowClosure closure = Closure(
      TaskNode("n0", "t"), SubWorkflow("sub", TaskNode("n0", "t")), kTask);
  const Rewritten out = Rewrite(closure, "{}");
  EXPECT_EQ(out.rewritten.closure, DeterministicBytes(closure));
}

TEST(RewriteTest, DerivedIdsNeverTakeAnExistingName) {
  const std::string execution = R"({"h": {"environment": {"B": "2"}}})";
  const Rewritten first = Rewrite(OneNode(), execution);
  ASSERT_THAT(first.rewritten.copies, SizeIs(1));
  const std::string taken = first.rewritten.copies[0].copy_id().name();
  // A task of that very name is already in the closure.
  const CompiledWorkflowClosure crowded =
      Closure(TaskNode("n0", "t", Hook("h")), "",
              absl::StrCat(kTask, ",", Task(taken, R"("image": "other")")));
  const Rewritten second = Rewrite(crowded, execution);
  ASSERT_THAT(second.rewritten.copies, SizeIs(1));
  const std::string derived = second.rewritten.copies[0].copy_id().name();
  EXPECT_NE(derived, taken);
  EXPECT_THAT(derived, MatchesRegex(absl::StrCat(taken, "[0-9a-f]{2}")));
}

}  // namespace
}  // namespace flyteoverride::pipeline::testing
