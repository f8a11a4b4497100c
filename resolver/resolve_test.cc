// The layered, field-level merge of docs/design.md section 4, one test per rule.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "gtest/gtest.h"
#include "encoding/json_format.h"
#include "resolver/test_util.h"

namespace flyteoverride::resolver {

using encoding::DeterministicJson;
using encoding::DeterministicBytes;

namespace {

using testing::Closure;
using testing::FieldOf;
using testing::Hook;
using testing::NodeAt;
using testing::Reasons;
using testing::ResolveJson;
using testing::SubWorkflow;
using testing::SubWorkflowNode;
using testing::Task;
using testing::TaskNode;
using testing::ValueOf;

// A task with cpu 1/2, memory 1Gi/2Gi, image, env, retries 1, cache on, and
// a plugin config.
const std::string kTask =
    Task("t", R"(
    "image": "img:1",
    "resources": {"requests": [{"name": "CPU", "value": "1"}, {"name": "MEMORY", "value": "1Gi"}],
                  "limits": [{"name": "CPU", "value": "2"}, {"name": "MEMORY", "value": "2Gi"}]},
    "env": [{"key": "MODE", "value": "batch"}, {"key": "DEBUG", "value": "0"}])",
         R"("discoverable": true, "discoveryVersion": "v1",
                                  "retries": {"retries": 1})",
         R"("custom": {"spark": {"executors": 2, "conf": {"a": "1", "b": "2"}},
                                             "queue": "default"})");

TEST(Resolve, OnlyCoveredInstancesAreReturnedSortedByPath) {
  const auto result = ResolveJson(Closure(
      absl::StrCat(TaskNode("n2", "t", Hook("b")), ",", TaskNode("n1", "t"),
                   ",", TaskNode("n0", "t", Hook("a"))),
      "", kTask));
  ASSERT_TRUE(result.ok()) << Reasons(result);
  ASSERT_EQ(result.response.nodes_size(), 2);
  EXPECT_EQ(result.response.nodes(0).node_path(), "n0");
  EXPECT_EQ(result.response.nodes(1).node_path(), "n2");
  EXPECT_EQ(result.response.nodes(1).task_id().name(), "t");
}

TEST(Resolve, LayersApplyTaskCompiledDecoratorLaunchPlanExecution) {
  const auto closure = Closure(
      TaskNode(
          "n0", "t",
          absl::StrCat(R"("metadata": {"retries": {"retries": 2}}, )",
                       Hook("h", R"({"retries": 3, "cacheVersion": "dec"})"))),
      "", kTask);
  const auto result = ResolveJson(closure, R"({"h": {"retries": 4}})",
                                  R"({"h": {"retries": 5}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(ValueOf(node, "retries"), "5");
  const auto& retries = FieldOf(node, "retries");
  ASSERT_EQ(retries.shadowed_size(), 4);
  EXPECT_EQ(retries.shadowed(0).layer(), v1::TASK);
  EXPECT_EQ(retries.shadowed(1).layer(), v1::COMPILED);
  EXPECT_EQ(retries.shadowed(2).layer(), v1::DECORATOR);
  EXPECT_EQ(retries.shadowed(3).layer(), v1::LAUNCH_PLAN);
  EXPECT_EQ(retries.assignment().layer(), v1::EXECUTION);
  EXPECT_EQ(ValueOf(node, "cache_version"), "dec");
}

TEST(Resolve, InnermostHookWinsWithinLayer) {
  const auto closure =
      Closure(SubWorkflowNode("n1", "sub", Hook("outer")),
              SubWorkflow("sub", TaskNode("n0", "t", Hook("inner"))), kTask);
  const auto result = ResolveJson(closure, "{}",
                                  R"({"outer": {"retries": 7, "cache": false},
                                      "inner": {"retries": 8}})");
  const auto& node = NodeAt(result, "n1/n0");
  EXPECT_EQ(ValueOf(node, "retries"), "8");
  EXPECT_EQ(FieldOf(node, "retries").assignment().hook(), "inner");
  EXPECT_EQ(ValueOf(node, "cache"),
            "false");  // the outer hook's other fields still apply
  EXPECT_EQ(node.hooks_size(), 2);
  EXPECT_EQ(node.hooks(0), "outer");
}

TEST(Resolve, HigherLayerBeatsEveryHookOfALowerOne) {
  const auto closure =
      Closure(SubWorkflowNode("n1", "sub", Hook("outer")),
              SubWorkflow("sub", TaskNode("n0", "t", Hook("inner"))), kTask);
  const auto result = ResolveJson(closure, R"({"inner": {"retries": 8}})",
                                  R"({"outer": {"retries": 9}})");
  EXPECT_EQ(ValueOf(NodeAt(result, "n1/n0"), "retries"), "9");
}

TEST(Resolve, EnclosingWorkflowDefaultsBeatNodeDefaultsOuterMost) {
  const auto closure = Closure(
      SubWorkflowNode("n1", "ref"),
      SubWorkflow(
          "ref",
          TaskNode("n0", "t",
                   Hook("score", R"({"retries": 1, "cacheVersion": "node"})")),
          R"("runtimeOverrideDefaults": {"score": {"retries": 2, "interruptible": true}})"),
      kTask, R"("runtimeOverrideDefaults": {"score": {"retries": 3}})");
  const auto result = ResolveJson(closure);
  const auto& node = NodeAt(result, "n1/n0");
  EXPECT_EQ(ValueOf(node, "retries"), "3");
  EXPECT_EQ(FieldOf(node, "retries").shadowed_size(),
            3);  // TASK, node, sub-workflow
  EXPECT_EQ(ValueOf(node, "interruptible"), "true");
  EXPECT_EQ(ValueOf(node, "cache_version"), "node");
  EXPECT_EQ(FieldOf(node, "retries").assignment().layer(), v1::DECORATOR);
}

TEST(Resolve, ResourcesMergePerResourceName) {
  const auto result = ResolveJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}",
      R"({"h": {"resources": {"limits": [{"name": "MEMORY", "value": "8Gi"}]}}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(ValueOf(node, "resources.limits.memory"), "8Gi");
  EXPECT_EQ(ValueOf(node, "resources.limits.cpu"), "2");
  EXPECT_EQ(ValueOf(node, "resources.requests.memory"), "1Gi");
  // Only what a runtime layer set goes to propeller.
  ASSERT_EQ(node.overrides().resources().limits_size(), 1);
  EXPECT_EQ(node.overrides().resources().requests_size(), 0);
}

TEST(Resolve, ExtendedResourcesAndPodTemplateReplaceWhole) {
  const auto closure = Closure(
      TaskNode(
          "n0", "t",
          Hook("h",
               R"({"extendedResources": {"gpuAccelerator": {"device": "a100"},
                                                              "sharedMemory": {"mountName": "shm"}}})")),
      "", kTask);
  const auto result = ResolveJson(
      closure, "{}",
      R"({"h": {"extendedResources": {"gpuAccelerator": {"device": "h100"}}}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(node.effective().extended_resources().gpu_accelerator().device(),
            "h100");
  EXPECT_FALSE(node.effective().extended_resources().has_shared_memory());
}

TEST(Resolve, ScalarsOverrideWhenPresentEvenWithZeroValues) {
  const auto result =
      ResolveJson(Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}",
                  R"({"h": {"cache": false, "retries": 0}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(ValueOf(node, "cache"), "false");
  EXPECT_EQ(ValueOf(node, "retries"), "0");
  EXPECT_TRUE(node.overrides().has_cache());
  EXPECT_TRUE(node.overrides().has_retries());
  EXPECT_FALSE(node.overrides().has_interruptible());
}

TEST(Resolve, EnvironmentMergesPerKey) {
  const auto result = ResolveJson(
      Closure(
          TaskNode("n0", "t", Hook("h", R"({"environment": {"A": "dec"}})")),
          "", kTask),
      R"({"h": {"environment": {"B": "lp"}}})",
      R"({"h": {"environment": {"MODE": "stream"}}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(ValueOf(node, "environment.A"), "dec");
  EXPECT_EQ(ValueOf(node, "environment.B"), "lp");
  EXPECT_EQ(ValueOf(node, "environment.MODE"), "stream");
  EXPECT_EQ(ValueOf(node, "environment.DEBUG"), "0");
  EXPECT_EQ(node.overrides().environment_size(), 3);
}

TEST(Resolve, TaskConfigIsAJsonMergePatch) {
  const auto result = ResolveJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}",
      R"({"h": {"taskConfig": {"spark": {"executors": 8, "conf": {"a": null, "c": "3"}},
                               "queue": {"name": "gpu"}}}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(
      DeterministicJson(node.effective().task_config(), false),
      R"({"queue":{"name":"gpu"},"spark":{"conf":{"b":"2","c":"3"},"executors":8}})");
  EXPECT_EQ(ValueOf(node, "task_config/spark/conf/a"), "(removed)");
  // Propeller gets the patch: runtime values, and a null for the removal.
  EXPECT_EQ(
      DeterministicJson(node.overrides().task_config(), false),
      R"({"queue":{"name":"gpu"},"spark":{"conf":{"a":null,"c":"3"},"executors":8}})");
}

TEST(Resolve, TaskConfigScalarReplacesAWholeObject) {
  const auto result = ResolveJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}",
      R"({"h": {"taskConfig": {"spark": {"conf": "off"}}}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(DeterministicJson(
                node.effective().task_config().fields().at("spark"), false),
            R"({"conf":"off","executors":2})");
  EXPECT_EQ(ValueOf(node, "task_config/spark/conf/a"), "(removed)");
  EXPECT_EQ(ValueOf(node, "task_config/spark/conf/b"), "(removed)");
  // The patch sets the member; the RFC's replacement removes the rest.
  EXPECT_EQ(DeterministicJson(node.overrides().task_config(), false),
            R"({"spark":{"conf":"off"}})");
}

TEST(Resolve, TaskConfigNullLeavesAnEmptyObjectAsTheRfcSays) {
  const auto result = ResolveJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}",
      R"({"h": {"taskConfig": {"spark": {"conf": {"a": null, "b": null}}}}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(DeterministicJson(
                node.effective().task_config().fields().at("spark"), false),
            R"({"conf":{},"executors":2})");
  EXPECT_EQ(DeterministicJson(node.overrides().task_config(), false),
            R"({"spark":{"conf":{"a":null,"b":null}}})");
}

TEST(Resolve, UnsetRemovesLowerLayersValuesBeforeTheLayersOwn) {
  const auto result = ResolveJson(
      Closure(TaskNode("n0", "t", Hook("h", R"({"environment": {"X": "1"}})")),
              "", kTask),
      R"({"h": {"unset": ["resources.limits.cpu", "environment"], "environment": {"Y": "2"}}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(ValueOf(node, "resources.limits.cpu"), "(removed)");
  EXPECT_EQ(ValueOf(node, "environment.MODE"), "(removed)");
  EXPECT_EQ(ValueOf(node, "environment.X"), "(removed)");
  EXPECT_EQ(ValueOf(node, "environment.Y"), "2");
  EXPECT_FALSE(node.effective().has_resources() &&
               node.effective().resources().limits_size() != 1);
  // Propeller must be told to drop what the closure fixed; X never reached it.
  EXPECT_EQ(absl::StrJoin(node.overrides().unset(), ","),
            "resources.limits.cpu,environment.DEBUG,environment.MODE");
}

TEST(Resolve, UnsetTaskConfigNullsWholeMembersInThePatch) {
  const auto result =
      ResolveJson(Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}",
                  R"({"h": {"unset": ["task_config"]}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_FALSE(node.effective().has_task_config());
  EXPECT_EQ(DeterministicJson(node.overrides().task_config(), false),
            R"({"queue":null,"spark":null})");
}

TEST(Resolve, UnsetThenSetAgainInAHigherLayer) {
  const auto result = ResolveJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", kTask),
      R"({"h": {"unset": ["retries"]}})", R"({"h": {"retries": 6}})");
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(ValueOf(node, "retries"), "6");
  EXPECT_EQ(node.overrides().unset_size(), 0);
}

TEST(Resolve, CompiledNodeMetadataAndOverridesAreTheCompiledLayer) {
  const auto closure = Closure(
      TaskNode(
          "n0", "t",
          absl::StrCat(R"("metadata": {"retries": {}, "interruptible": false,
                                          "cacheable": false, "cacheVersion": "c"}, )",
                       Hook("h"))),
      "", kTask, R"("metadataDefaults": {"interruptible": true})");
  // With the task node's fixed overrides too.
  auto with_overrides = closure;
  auto* task_node = with_overrides.mutable_primary()
                        ->mutable_template_()
                        ->mutable_nodes(1)
                        ->mutable_task_node();
  task_node->mutable_overrides()->set_container_image("img:compiled");
  const auto result = ResolveJson(with_overrides);
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(ValueOf(node, "retries"), "1");  // zero node retries do not count
  EXPECT_EQ(ValueOf(node, "interruptible"), "false");
  EXPECT_EQ(FieldOf(node, "interruptible").shadowed(0).layer(),
            v1::COMPILED);  // the workflow default
  EXPECT_EQ(ValueOf(node, "cache"), "false");
  EXPECT_EQ(ValueOf(node, "container_image"), "img:compiled");
  EXPECT_EQ(FieldOf(node, "container_image").assignment().layer(),
            v1::COMPILED);
  EXPECT_FALSE(node.has_overrides() && node.overrides().ByteSizeLong() > 0);
}

TEST(Resolve, ProvenanceNamesLayerHookAndDeclaration) {
  const auto closure =
      Closure(SubWorkflowNode("n3", "sub"),
              SubWorkflow("sub", TaskNode("n0", "t", Hook("train"))), kTask);
  const auto result = ResolveJson(
      closure, "{}",
      R"({"train": {"resources": {"limits": [{"name": "MEMORY", "value": "4Gi"}]}}})");
  const auto& entry =
      FieldOf(NodeAt(result, "n3/n0"), "resources.limits.memory");
  EXPECT_EQ(entry.assignment().layer(), v1::EXECUTION);
  EXPECT_EQ(entry.assignment().hook(), "train");
  EXPECT_EQ(entry.assignment().declared_at(), "n3/n0");
  ASSERT_EQ(entry.shadowed_size(), 1);
  EXPECT_EQ(entry.shadowed(0).value().string_value(), "2Gi");
}

TEST(Resolve, WithoutExplainOnlyOverridesAreReturned) {
  const auto result =
      ResolveJson(Closure(TaskNode("n0", "t", Hook("h")), "", kTask), "{}",
                  R"({"h": {"retries": 3}})", /*explain=*/false);
  const auto& node = NodeAt(result, "n0");
  EXPECT_EQ(node.overrides().retries(), 3);
  EXPECT_FALSE(node.has_effective());
  EXPECT_EQ(node.provenance_size(), 0);
}

TEST(Resolve, SameInputGivesSameBytes) {
  const auto closure = Closure(absl::StrCat(TaskNode("n0", "t", Hook("a")), ",",
                                            TaskNode("n1", "t", Hook("b"))),
                               "", kTask);
  const std::string lp =
      R"({"a": {"environment": {"Z": "1", "Y": "2", "X": "3"}}, "b": {"retries": 2}})";
  const std::string first =
      DeterministicBytes(ResolveJson(closure, lp).response);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(DeterministicBytes(ResolveJson(closure, lp).response), first);
  }
}

TEST(Resolve, DynamicParentHooksCoverTheNewNodesAsOuterHooks) {
  const auto closure = Closure(absl::StrCat(TaskNode("d0", "t", Hook("inner")),
                                            ",", TaskNode("d1", "t")),
                               "", kTask);
  v1::ResolveRequest request;
  *request.mutable_closure() = closure;
  // The execution's maps name hooks of the parent workflow too ("other").
  *request.mutable_execution_overrides() =
      testing::ParseJson<v1::OverrideMap>(
          R"({"hooks": {"train": {"retries": 4}, "inner": {"retries": 5}, "other": {}}})")
          .hooks();
  request.mutable_options()->set_explain(true);
  ResolveContext context;
  context.parent_path = "n1/n0";
  v1::AppliedHook* train = context.parent_hooks.Add();
  train->set_name("train");
  train->set_declared_at("n1");
  train->add_decorator()->set_cache_version("from-parent");
  context.collect_applied_hooks = true;

  const ResolveResult result = Resolve(request, {}, context);
  ASSERT_TRUE(result.ok()) << Reasons(result);
  ASSERT_EQ(result.response.nodes_size(), 2);
  const auto& inner = NodeAt(result, "n1/n0/d0");
  EXPECT_EQ(absl::StrJoin(inner.hooks(), ","), "train,inner");
  EXPECT_EQ(ValueOf(inner, "retries"), "5");  // innermost wins in EXECUTION
  EXPECT_EQ(ValueOf(inner, "cache_version"), "from-parent");
  const auto& plain = NodeAt(result, "n1/n0/d1");
  EXPECT_EQ(ValueOf(plain, "retries"), "4");
  EXPECT_EQ(FieldOf(plain, "cache_version").assignment().declared_at(), "n1");
  // What a record keeps, so that a dynamic task of a dynamic task works too.
  ASSERT_EQ(result.applied_hooks.size(), 2u);
  ASSERT_EQ(result.applied_hooks[0].size(), 2u);
  EXPECT_EQ(result.applied_hooks[0][0].decorator(0).cache_version(),
            "from-parent");
  EXPECT_EQ(result.applied_hooks[0][1].declared_at(), "n1/n0/d0");
}

}  // namespace
}  // namespace flyteoverride::resolver
