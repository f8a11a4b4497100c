// Proves the flyteidl subset reads a whole flyteidl v1 closure's bytes as-is:
// every field it declares is read, and every field it omits is kept as an
// unknown field and written back verbatim. The bytes are written by hand from
// the field layout in docs/design.md appendix A (flyteidl_wire.h), never by the
// subset's serializers, so a wrong field number or wire type in the subset
// shows as a wrong value or an unexpected unknown field.

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteidl/core/tasks.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/compat_fixtures.h"
#include "tests/flyteidl_wire.h"
#include "tests/wire_codec.h"

namespace flyteoverride::tests {
namespace {

using ::flyteidl::core::CompiledWorkflowClosure;
using ::flyteidl::core::NodeMetadata;
using ::flyteidl::core::TaskMetadata;
using ::flyteidl::core::TaskTemplate;
using ::flyteidl::core::WorkflowTemplate;
using ::google::protobuf::Message;
using ::testing::ElementsAre;

// CompiledLaunchPlan{template=1 LaunchPlanTemplate{id=1}}, a field the subset
// omits from the closure.
std::string LaunchPlan() { return Msg(1, Msg(1, Id(kLaunchPlan, "lp.eval"))); }

std::string HandEncodedClosure() {
  // ConnectionSet{downstream=7 map<string, IdList{ids=1}>}.
  const std::string connections =
      Msg(7, Str(1, "start-node"), Msg(2, Str(1, "n0")));
  // Binding{var=1 binding=2 BindingData{promise=3 OutputReference}}.
  const std::string binding =
      Str(1, "x") + Msg(2, Msg(3, Str(1, "start-node"), Str(2, "x")));
  // BooleanExpression{comparison=2 {operator=1 left_value=2 right_value=3}}.
  const std::string condition =
      Msg(2, Varint(1, 2), Msg(2, Str(2, "x")), Msg(3, Msg(1, Varint(1, 5))));

  // TaskNodeOverrides: resources=1 {requests=1 limits=2}
  // extended_resources=2 {gpu_accelerator=1 {device=1 partition_size=3}}
  // container_image=3 pod_template=4 K8sPod{metadata=1 {labels=1}
  // pod_spec=2 primary_container_name=4}.
  const std::string overrides = absl::StrCat(
      Msg(1, Msg(1, Entry(kCpu, "2")), Msg(1, Entry(kMemory, "4Gi")),
          Msg(2, Entry(kGpu, "1")), Msg(2, Entry(kMemory, "8Gi")),
          Msg(2, Entry(kEphemeralStorage, "10Gi"))),
      Msg(2, Msg(1, Str(1, "nvidia-tesla-a100"), Str(3, "1g.5gb"))),
      Str(3, "ghcr.io/acme/train:v2"),
      Msg(4, Msg(1, Msg(1, Pair("team", "ml"))),
          Msg(2, StructOf("serviceAccountName", "trainer")),
          Str(4, "primary")));

  // Node: id=1 metadata=2 inputs=3 upstream_node_ids=4 output_aliases=5
  // task_node=6 workflow_node=7 branch_node=8 gate_node=9 array_node=10.
  // NodeMetadata: name=1 timeout=4 retries=5 RetryStrategy{retries=5}
  // interruptible=6 cacheable=7 cache_version=8 cache_serializable=9 config=10.
  const std::string n0 =
      absl::StrCat(Str(1, "n0"),
                   Msg(2, Str(1, "train"), Msg(4, Seconds(600)),
                       Msg(5, Varint(5, 3)), Varint(6, 1), Varint(7, 1),
                       Str(8, "1.0"), Varint(9, 1), Msg(10, Pair("k", "v"))),
                   Msg(3, binding), Str(4, "start-node"),
                   Msg(5, Str(1, "o0"), Str(2, "model")),
                   Msg(6, Msg(1, Id(kTask, "wf.train")), Msg(2, overrides)));
  // WorkflowNode: launchplan_ref=1 sub_workflow_ref=2. n1's metadata oneofs
  // are set to false and "", which must stay distinct from unset.
  const std::string n1 =
      absl::StrCat(Str(1, "n1"),
                   Msg(2, Str(1, "sub"), Varint(6, 0), Varint(7, 0), Str(8, ""),
                       Varint(9, 0)),
                   Str(4, "n0"), Msg(7, Msg(2, Id(kWorkflow, "wf.sub"))));
  const std::string n2 =
      absl::StrCat(Str(1, "n2"), Str(4, "n0"), Str(4, "n1"),
                   Msg(7, Msg(1, Id(kLaunchPlan, "lp.eval"))));
  // BranchNode{if_else=1 IfElseBlock{case=1 other=2 else_node=3}},
  // IfBlock{condition=1 then_node=2}.
  const std::string n3 =
      Str(1, "n3") + Msg(8, Msg(1,
                                Msg(1, Msg(1, condition),
                                    Msg(2, TaskNodeCalling("n3-n0", "wf.big"))),
                                Msg(2, Msg(1, condition),
                                    Msg(2, TaskNodeCalling("n3-n1", "wf.mid"))),
                                Msg(3, TaskNodeCalling("n3-n2", "wf.small"))));
  // GateNode{sleep=3 SleepCondition{duration=1}}.
  const std::string n4 = Str(1, "n4") + Msg(9, Msg(3, Msg(1, Seconds(30))));
  // ArrayNode: node=1 parallelism=2 min_successes=3.
  const std::string n5 =
      Str(1, "n5") + Msg(10, Msg(1, TaskNodeCalling("n5-n0", "wf.map")),
                         Varint(2, 4), Varint(3, 2));

  // WorkflowTemplate: id=1 metadata=2 interface=3 nodes=4 outputs=5
  // failure_node=6 metadata_defaults=7 {interruptible=1}.
  const std::string primary = absl::StrCat(
      Msg(1, Id(kWorkflow, "wf.main")),
      Msg(2, Varint(2, 1), Msg(3, Pair("owner", "ml"))),
      Msg(3, Msg(1, Msg(1, Str(1, "x")))), Msg(4, Str(1, "start-node")),
      Msg(4, n0), Msg(4, n1), Msg(4, n2), Msg(4, n3), Msg(4, n4), Msg(4, n5),
      Msg(5, binding), Msg(6, TaskNodeCalling("fn", "wf.cleanup")),
      Msg(7, Varint(1, 1)));
  const std::string sub = Msg(1, Id(kWorkflow, "wf.sub")) +
                          Msg(4, TaskNodeCalling("n0", "wf.prep"));

  // TaskMetadata: discoverable=1 runtime=2 timeout=4 retries=5
  // discovery_version=6 interruptible=8 cache_serializable=9 tags=11
  // pod_template_name=12.
  const std::string task_metadata = absl::StrCat(
      Varint(1, 1), Msg(2, Varint(1, 1), Str(2, "1.10.0"), Str(3, "python")),
      Msg(4, Seconds(3600)), Msg(5, Varint(5, 2)), Str(6, "0.1"), Varint(8, 1),
      Varint(9, 1), Msg(11, Pair("team", "ml")), Str(12, "gpu-pod"));
  // Container: image=1 command=2 args=3 resources=4 env=5 config=6.
  const std::string container = absl::StrCat(
      Str(1, "ghcr.io/acme/train:v1"), Str(2, "pyflyte-execute"),
      Str(3, "--task"), Str(3, "train"),
      Msg(4, Msg(1, Entry(kCpu, "1")), Msg(1, Entry(kStorage, "5Gi")),
          Msg(2, Entry(kMemory, "2Gi"))),
      Msg(5, Pair("FOO", "bar")), Msg(6, Pair("k", "v")));
  // Struct: fields=1 map<string, Value{number_value=2 bool_value=4}>.
  const std::string custom =
      Msg(1, Str(1, "executorCores"), Msg(2, Double(2, 4))) +
      Msg(1, Str(1, "dynamic"), Msg(2, Varint(4, 1)));
  // TaskTemplate: id=1 type=2 metadata=3 interface=4 custom=5 container=6
  // task_type_version=7 security_context=8 extended_resources=9 config=16
  // k8s_pod=17. ExtendedResources: gpu_accelerator=1 {unpartitioned=2}
  // shared_memory=2 {mount_path=1 mount_name=2 size_limit=3}.
  const std::string python_task = absl::StrCat(
      Msg(1, Id(kTask, "wf.train")), Str(2, "python-task"),
      Msg(3, task_metadata), Msg(4, Msg(1)), Msg(5, custom), Msg(6, container),
      Varint(7, 1), Msg(8, Msg(1, Str(1, "trainer-sa"))),
      Msg(9, Msg(1, Str(1, "nvidia-l4"), Varint(2, 1)),
          Msg(2, Str(1, "/dev/shm"), Str(2, "shm"), Str(3, "2Gi"))),
      Msg(16, Pair("primary_container_name", "main")));
  // K8sPod: metadata=1 {labels=1 annotations=2} pod_spec=2 data_config=3
  // primary_container_name=4. TaskMetadata.interruptible=8 set to false.
  const std::string pod_task = absl::StrCat(
      Msg(1, Id(kTask, "wf.pod")), Str(2, "sidecar"), Msg(3, Varint(8, 0)),
      Msg(17, Msg(1, Msg(1, Pair("app", "pod")), Msg(2, Pair("note", "x"))),
          Msg(2, StructOf("serviceAccountName", "pod-sa")),
          Msg(3, Varint(1, 1)), Str(4, "main")));

  // CompiledWorkflowClosure: primary=1 sub_workflows=2 tasks=3
  // launch_plans=4; CompiledWorkflow{template=1 connections=2};
  // CompiledTask{template=1}.
  return absl::StrCat(Msg(1, Msg(1, primary), Msg(2, connections)),
                      Msg(2, Msg(1, sub), Msg(2, connections)),
                      Msg(3, Msg(1, python_task)), Msg(3, Msg(1, pod_task)),
                      Msg(4, LaunchPlan()));
}

// The closure HandEncodedClosure() declares: the common closure, plus what
// only these bytes carry.
CompiledWorkflowClosure ExpectedClosure() {
  CompiledWorkflowClosure closure = CommonClosure();
  WorkflowTemplate& primary = *closure.mutable_primary()->mutable_template_();
  MergeExpected(
      primary.mutable_nodes(1)->mutable_task_node()->mutable_overrides(),
      R"pb(
        resources {
          requests { name: CPU value: "2" }
          requests { name: MEMORY value: "4Gi" }
          limits { name: GPU value: "1" }
          limits { name: MEMORY value: "8Gi" }
          limits { name: EPHEMERAL_STORAGE value: "10Gi" }
        }
      )pb");
  MergeExpected(primary.mutable_nodes(2)->mutable_metadata(), R"pb(
    cacheable: false
    cache_version: ""
    cache_serializable: false
  )pb");
  MergeExpected(closure.mutable_sub_workflows(0)->mutable_template_(), R"pb(
    nodes {
      id: "n0"
      task_node { reference_id { resource_type: TASK name: "wf.prep" $ORIGIN } }
    }
  )pb");
  TaskTemplate& python_task = *closure.mutable_tasks(0)->mutable_template_();
  MergeExpected(python_task.mutable_custom(), R"pb(
    fields {
      key: "dynamic"
      value { bool_value: true }
    }
  )pb");
  MergeExpected(python_task.mutable_extended_resources(), kTrainSharedMemory);
  MergeExpected(closure.mutable_tasks(1)->mutable_template_(),
                R"pb(metadata { interruptible: false })pb");
  return closure;
}

TEST(CompatWire, FlyteidlClosureBytesParseIntoEveryDeclaredField) {
  CompiledWorkflowClosure closure;
  ASSERT_TRUE(closure.ParseFromString(HandEncodedClosure()));
  closure.DiscardUnknownFields();
  ExpectEqualProto(closure, ExpectedClosure());

  // Oneof members set to false or "" stay set: the comparison above cannot
  // tell them from unset.
  const NodeMetadata& n1 = closure.primary().template_().nodes(2).metadata();
  EXPECT_EQ(n1.interruptible_value_case(), NodeMetadata::kInterruptible);
  EXPECT_EQ(n1.cacheable_value_case(), NodeMetadata::kCacheable);
  EXPECT_EQ(n1.cache_version_value_case(), NodeMetadata::kCacheVersion);
  EXPECT_EQ(n1.cache_serializable_value_case(),
            NodeMetadata::kCacheSerializable);
  EXPECT_EQ(closure.tasks(1).template_().metadata().interruptible_value_case(),
            TaskMetadata::kInterruptible);
}

TEST(CompatWire, FieldsTheSubsetOmitsAreKeptAsUnknownFields) {
  const std::string bytes = HandEncodedClosure();
  CompiledWorkflowClosure closure;
  ASSERT_TRUE(closure.ParseFromString(bytes));
  const auto& primary = closure.primary().template_();
  ASSERT_EQ(primary.nodes_size(), 7);
  const auto& n0 = primary.nodes(1);
  const auto& if_else = primary.nodes(4).branch_node().if_else();
  const auto& task = closure.tasks(0).template_();

  const struct {
    const Message& message;
    std::set<int> unknown;
    const char* what;
  } kCases[] = {
      {closure, {4}, "closure: launch_plans"},
      {closure.primary(), {2}, "primary: connections"},
      {closure.sub_workflows(0), {2}, "sub-workflow: connections"},
      {primary, {2, 3, 5}, "template: metadata, interface, outputs"},
      {n0, {3, 5}, "node: inputs, output_aliases"},
      {n0.metadata(), {4, 10}, "node metadata: timeout, config"},
      {n0.task_node().overrides(), {}, "overrides: all declared"},
      {if_else.case_(), {1}, "case: condition"},
      {if_else.other(0), {1}, "other: condition"},
      {primary.nodes(5).gate_node(), {3}, "gate node: sleep"},
      {primary.nodes(6).array_node(),
       {2, 3},
       "array node: parallelism, min_successes"},
      {task, {4, 8, 16}, "task: interface, security_context, config"},
      {task.metadata(), {2, 4, 11}, "task metadata: runtime, timeout, tags"},
      {task.container(), {6}, "container: config"},
      {task.extended_resources(), {}, "extended resources: all declared"},
      {closure.tasks(1).template_().k8s_pod(), {3}, "k8s pod: data_config"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(UnknownNumbers(c.message), c.unknown) << c.what;
  }

  // Re-serialization loses nothing, and hands launch_plans back verbatim.
  const std::string rewritten = closure.SerializeAsString();
  EXPECT_EQ(rewritten.size(), bytes.size());
  std::vector<std::string> launch_plans;
  for (const WireField& f : Split(rewritten)) {
    if (f.number == 4) launch_plans.push_back(f.bytes);
  }
  EXPECT_THAT(launch_plans, ElementsAre(LaunchPlan()));
}

}  // namespace
}  // namespace flyteoverride::tests
