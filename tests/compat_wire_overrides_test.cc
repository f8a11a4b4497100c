// Proves the runtime-override extensions to flyteidl's TaskNodeOverrides,
// Node, TaskNode and WorkflowTemplate parse from their field numbers, stay
// invisible to a reader that knows only flyteidl v1, and keep false, zero and
// "" distinct from unset. Input bytes are written by hand (flyteidl_wire.h),
// never by the subset's serializers.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/compat_fixtures.h"
#include "tests/flyteidl_wire.h"
#include "tests/wire_codec.h"

namespace flyteoverride::tests {
namespace {

using ::flyteidl::core::TaskNodeOverrides;
using ::flyteidl::core::WorkflowTemplate;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// flyteidl v1's TaskNodeOverrides, as docs/design.md appendix A gives it: fields 1-4.
const Schema kStringMapEntry{{{1, {"key"}}, {2, {"value"}}}};
const Schema kResourceEntry{{{1, {"name"}}, {2, {"value"}}}};
const Schema kResources{
    {{1, {"requests", &kResourceEntry}}, {2, {"limits", &kResourceEntry}}}};
const Schema kGpuAccelerator{
    {{1, {"device"}}, {2, {"unpartitioned"}}, {3, {"partition_size"}}}};
const Schema kSharedMemory{
    {{1, {"mount_path"}}, {2, {"mount_name"}}, {3, {"size_limit"}}}};
const Schema kExtendedResources{{{1, {"gpu_accelerator", &kGpuAccelerator}},
                                 {2, {"shared_memory", &kSharedMemory}}}};
const Schema kK8sObjectMetadata{{{1, {"labels", &kStringMapEntry}},
                                 {2, {"annotations", &kStringMapEntry}}}};
const Schema kStructValue{{{3, {"string_value"}}}};
const Schema kStructEntry{{{1, {"key"}}, {2, {"value", &kStructValue}}}};
const Schema kStruct{{{1, {"fields", &kStructEntry}}}};
const Schema kK8sPod{{{1, {"metadata", &kK8sObjectMetadata}},
                      {2, {"pod_spec", &kStruct}},
                      {4, {"primary_container_name"}}}};
const Schema kFlyteidlV1Overrides{
    {{1, {"resources", &kResources}},
     {2, {"extended_resources", &kExtendedResources}},
     {3, {"container_image"}},
     {4, {"pod_template", &kK8sPod}}}};

TEST(CompatWire, RuntimeOverrideExtensionsParseFromTheirFieldNumbers) {
  // TaskNodeOverrides: cache=5 cache_serializable=6 cache_version=7
  // retries=8 interruptible=9 environment=10 task_config=11 unset=12.
  const std::string overrides = absl::StrCat(
      Msg(1, Msg(2, Entry(kCpu, "4"))), Str(3, "ghcr.io/acme/train:v3"),
      Varint(5, 1), Varint(6, 1), Str(7, "v2"), Varint(8, 4), Varint(9, 1),
      Msg(10, Pair("DEBUG", "1")), Msg(11, StructOf("mode", "cluster")),
      Str(12, "resources.requests.cpu"), Str(12, "environment.TRACE"));
  // Node.runtime_override=100 RuntimeOverride{name=1 defaults=2};
  // TaskNode.runtime_override_name=3 (the proposal's draft IDL);
  // WorkflowTemplate.runtime_override_defaults=100 map<string, overrides>.
  const std::string bytes = absl::StrCat(
      Msg(1, Id(kWorkflow, "wf.main")),
      Msg(4, TaskNodeCalling("n0", "wf.train"),
          Msg(100, Str(1, "train"), Msg(2, overrides))),
      Msg(4, Str(1, "n1"),
          Msg(6, Msg(1, Id(kTask, "wf.eval")), Str(3, "legacy-hook"))),
      Msg(100, Str(1, "train"), Msg(2, overrides)));
  WorkflowTemplate workflow;
  ASSERT_TRUE(workflow.ParseFromString(bytes));

  auto expected = Expected<WorkflowTemplate>(R"pb(
    id { resource_type: WORKFLOW name: "wf.main" $ORIGIN }
    nodes {
      id: "n0"
      task_node {
        reference_id { resource_type: TASK name: "wf.train" $ORIGIN }
      }
      runtime_override { name: "train" }
    }
    nodes {
      id: "n1"
      task_node {
        reference_id { resource_type: TASK name: "wf.eval" $ORIGIN }
        runtime_override_name: "legacy-hook"
      }
    })pb");
  const auto expected_overrides = Expected<TaskNodeOverrides>(R"pb(
    resources { limits { name: CPU value: "4" } }
    container_image: "ghcr.io/acme/train:v3"
    cache: true
    cache_serializable: true
    cache_version: "v2"
    retries: 4
    interruptible: true
    environment { key: "DEBUG" value: "1" }
    task_config {
      fields {
        key: "mode"
        value { string_value: "cluster" }
      }
    }
    unset: "resources.requests.cpu"
    unset: "environment.TRACE")pb");
  *expected.mutable_nodes(0)->mutable_runtime_override()->mutable_defaults() =
      expected_overrides;
  (*expected.mutable_runtime_override_defaults())["train"] = expected_overrides;
  // Unknown fields are compared too: every extension byte must be recognised.
  ExpectEqualProto(workflow, expected);
}

TEST(CompatWire, FlyteidlReaderSeesOverrideFieldsOneToFourUnchanged) {
  auto v1_fields = Expected<TaskNodeOverrides>(R"pb(
    resources {
      requests { name: CPU value: "2" }
      requests { name: MEMORY value: "4Gi" }
      limits { name: GPU value: "1" }
    })pb");
  MergeExpected(&v1_fields, kTrainOverrides);
  MergeExpected(v1_fields.mutable_extended_resources(), kTrainSharedMemory);
  TaskNodeOverrides every_field = v1_fields;
  every_field.MergeFrom(Expected<TaskNodeOverrides>(R"pb(
    cache: true
    cache_serializable: false
    cache_version: "v2"
    retries: 0
    interruptible: true
    environment { key: "DEBUG" value: "1" }
    environment { key: "TRACE" value: "0" }
    task_config {
      fields {
        key: "mode"
        value { string_value: "cluster" }
      }
    }
    unset: "resources.limits.cpu"
    unset: "retries")pb"));

  std::vector<std::string> values, skipped;
  ReadWithSchema(every_field.SerializeAsString(), kFlyteidlV1Overrides, "",
                 &values, &skipped);
  EXPECT_THAT(values,
              ElementsAre(
                  // ResourceName CPU=1, MEMORY=3, GPU=2.
                  "resources.requests.name=1", "resources.requests.value=2",
                  "resources.requests.name=3", "resources.requests.value=4Gi",
                  "resources.limits.name=2", "resources.limits.value=1",
                  "extended_resources.gpu_accelerator.device=nvidia-tesla-a100",
                  "extended_resources.gpu_accelerator.partition_size=1g.5gb",
                  "extended_resources.shared_memory.mount_path=/dev/shm",
                  "extended_resources.shared_memory.mount_name=shm",
                  "extended_resources.shared_memory.size_limit=2Gi",
                  "container_image=ghcr.io/acme/train:v2",
                  "pod_template.metadata.labels.key=team",
                  "pod_template.metadata.labels.value=ml",
                  "pod_template.pod_spec.fields.key=serviceAccountName",
                  "pod_template.pod_spec.fields.value.string_value=trainer",
                  "pod_template.primary_container_name=primary"));
  // Only the extension numbers are skipped, each wire type stepped over.
  EXPECT_THAT(skipped, ElementsAre("5", "6", "7", "8", "9", "10", "10", "11",
                                   "12", "12"));

  // The same reader gets the same values from fields 1-4 alone.
  std::vector<std::string> v1_values, v1_skipped;
  ReadWithSchema(v1_fields.SerializeAsString(), kFlyteidlV1Overrides, "",
                 &v1_values, &v1_skipped);
  EXPECT_EQ(v1_values, values);
  EXPECT_THAT(v1_skipped, IsEmpty());
}

TEST(CompatWire, OptionalKnobsKeepFalseAndZeroDistinctFromUnset) {
  // cache=5 false, cache_version=7 "", retries=8 0: present, with zero values.
  const std::string bytes = Varint(5, 0) + Str(7, "") + Varint(8, 0);
  TaskNodeOverrides overrides;
  ASSERT_TRUE(overrides.ParseFromString(bytes));
  EXPECT_TRUE(overrides.has_cache());
  EXPECT_FALSE(overrides.cache());
  EXPECT_TRUE(overrides.has_cache_version());
  EXPECT_EQ(overrides.cache_version(), "");
  EXPECT_TRUE(overrides.has_retries());
  EXPECT_EQ(overrides.retries(), 0);
  EXPECT_FALSE(overrides.has_cache_serializable());
  EXPECT_FALSE(overrides.has_interruptible());
  EXPECT_THAT(UnknownNumbers(overrides), IsEmpty());
  // Presence survives the subset's own writer; unset writes nothing.
  EXPECT_EQ(overrides.SerializeAsString(), bytes);
  EXPECT_EQ(TaskNodeOverrides().SerializeAsString(), "");
}

}  // namespace
}  // namespace flyteoverride::tests
