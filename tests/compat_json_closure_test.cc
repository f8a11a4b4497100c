// Proves the flyteidl subset parses a closure in proto3 JSON as Flyte writes
// it: the camelCase flytectl and FlyteAdmin print, the snake_case field names
// proto3 JSON also accepts, and flyteidl fields the subset omits skipped under
// ignore_unknown_fields. A wrong field name in the subset leaves a value
// behind, which the comparison with the text-format expectation shows.

#include <string>

#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/compat_fixtures.h"
#include "tests/flyteidl_wire.h"

namespace flyteoverride::tests {
namespace {

using ::flyteidl::core::CompiledWorkflowClosure;
using ::flyteidl::core::WorkflowTemplate;
using ::google::protobuf::util::JsonParseOptions;
using ::google::protobuf::util::JsonStringToMessage;

// A closure as flytectl prints it, with flyteidl fields the subset omits
// (metadata, interface, inputs, outputAliases, outputs, connections, timeout,
// condition, sleep, parallelism, runtime, tags, config, dataConfig,
// launchPlans) and the runtime-override extensions.
constexpr absl::string_view kCamelCaseClosure = R"json({
  "primary": {
    "template": {
      "id": {"resourceType": "WORKFLOW", "name": "wf.main", $ORIGIN},
      "metadata": {"onFailure": "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE", "tags": {"owner": "ml"}},
      "interface": {"inputs": {"variables": {"x": {"type": {"simple": "INTEGER"}}}}, "outputs": {}},
      "nodes": [
        {"id": "start-node"},
        {"id": "n0",
         "metadata": {"name": "train", "timeout": "600s", "retries": {"retries": 3},
                      "interruptible": true, "cacheable": true, "cacheVersion": "1.0",
                      "cacheSerializable": true, "config": {"k": "v"}},
         "inputs": [{"var": "x", "binding": {"promise": {"nodeId": "start-node", "var": "x"}}}],
         "upstreamNodeIds": ["start-node"],
         "outputAliases": [{"var": "o0", "alias": "model"}],
         "taskNode": {
           "referenceId": {"resourceType": "TASK", "name": "wf.train", $ORIGIN},
           "overrides": {
             "resources": {"requests": [{"name": "CPU", "value": "2"}, {"name": "MEMORY", "value": "1Gi"}],
                           "limits": [{"name": "GPU", "value": "1"}, {"name": "EPHEMERAL_STORAGE", "value": "10Gi"}]},
             "extendedResources": {"gpuAccelerator": {"device": "nvidia-tesla-a100", "partitionSize": "1g.5gb"},
                                   "sharedMemory": {"mountPath": "/dev/shm", "mountName": "shm", "sizeLimit": "2Gi"}},
             "containerImage": "ghcr.io/acme/train:v2",
             "podTemplate": {"metadata": {"labels": {"team": "ml"}}, "podSpec": {"serviceAccountName": "trainer"},
                             "primaryContainerName": "primary"}}},
         "runtimeOverride": {"name": "train", "defaults": {"retries": 0, "cache": false}}},
        {"id": "n1", "metadata": {"name": "sub", "interruptible": false}, "upstreamNodeIds": ["n0"],
         "workflowNode": {"subWorkflowRef": {"resourceType": "WORKFLOW", "name": "wf.sub", $ORIGIN}}},
        {"id": "n2", "upstreamNodeIds": ["n0", "n1"],
         "workflowNode": {"launchplanRef": {"resourceType": "LAUNCH_PLAN", "name": "lp.eval", $ORIGIN}}},
        {"id": "n3", "branchNode": {"ifElse": {
          "case": {"condition": {"comparison": {"operator": "GT", "leftValue": {"var": "x"},
                                                "rightValue": {"primitive": {"integer": "5"}}}},
                   "thenNode": {"id": "n3-n0", "taskNode": {"referenceId": {"resourceType": "TASK", "name": "wf.big", $ORIGIN}}}},
          "other": [{"condition": {"comparison": {"operator": "GT", "leftValue": {"var": "x"},
                                                  "rightValue": {"primitive": {"integer": "2"}}}},
                     "thenNode": {"id": "n3-n1", "taskNode": {"referenceId": {"resourceType": "TASK", "name": "wf.mid", $ORIGIN}}}}],
          "elseNode": {"id": "n3-n2", "taskNode": {"referenceId": {"resourceType": "TASK", "name": "wf.small", $ORIGIN},
                                                   "runtimeOverrideName": "legacy-hook"}}}}},
        {"id": "n4", "gateNode": {"sleep": {"duration": "30s"}}},
        {"id": "n5", "arrayNode": {"node": {"id": "n5-n0", "taskNode": {"referenceId": {"resourceType": "TASK", "name": "wf.map", $ORIGIN}}},
                                   "parallelism": 4, "minSuccessRatio": 1}}
      ],
      "outputs": [{"var": "o0", "binding": {"promise": {"nodeId": "n0", "var": "o0"}}}],
      "failureNode": {"id": "fn", "taskNode": {"referenceId": {"resourceType": "TASK", "name": "wf.cleanup", $ORIGIN}}},
      "metadataDefaults": {"interruptible": true},
      "runtimeOverrideDefaults": {"train": {"containerImage": "ghcr.io/acme/train:v3", "environment": {"DEBUG": "1"}}}
    },
    "connections": {"downstream": {"start-node": {"ids": ["n0"]}}, "upstream": {"n0": {"ids": ["start-node"]}}}
  },
  "subWorkflows": [{"template": {"id": {"resourceType": "WORKFLOW", "name": "wf.sub", $ORIGIN}, "nodes": []}, "connections": {}}],
  "tasks": [
    {"template": {
      "id": {"resourceType": "TASK", "name": "wf.train", $ORIGIN},
      "type": "python-task",
      "metadata": {"discoverable": true, "runtime": {"type": "FLYTE_SDK", "version": "1.10.0", "flavor": "python"},
                   "timeout": "3600s", "retries": {"retries": 2}, "discoveryVersion": "0.1", "interruptible": true,
                   "cacheSerializable": true, "tags": {"team": "ml"}, "podTemplateName": "gpu-pod"},
      "interface": {"inputs": {"variables": {}}, "outputs": {"variables": {}}},
      "custom": {"executorCores": 4, "mode": "cluster"},
      "container": {"image": "ghcr.io/acme/train:v1", "command": ["pyflyte-execute"], "args": ["--task", "train"],
                    "resources": {"requests": [{"name": "CPU", "value": "1"}, {"name": "STORAGE", "value": "5Gi"}],
                                  "limits": [{"name": "MEMORY", "value": "2Gi"}]},
                    "env": [{"key": "FOO", "value": "bar"}], "config": [{"key": "k", "value": "v"}]},
      "taskTypeVersion": 1,
      "extendedResources": {"gpuAccelerator": {"device": "nvidia-l4", "unpartitioned": true}},
      "config": {"primary_container_name": "main"}}},
    {"template": {
      "id": {"resourceType": "TASK", "name": "wf.pod", $ORIGIN},
      "type": "sidecar",
      "k8sPod": {"metadata": {"labels": {"app": "pod"}, "annotations": {"note": "x"}},
                 "podSpec": {"serviceAccountName": "pod-sa"}, "dataConfig": {"enabled": true},
                 "primaryContainerName": "main"}}}
  ],
  "launchPlans": [{"template": {"id": {"resourceType": "LAUNCH_PLAN", "name": "lp.eval", $ORIGIN}}}]
})json";

// The same closure in snake_case field names, without the omitted fields
// (parsed strictly, so every name here must be one the subset declares).
constexpr absl::string_view kSnakeCaseClosure = R"json({
  "primary": {"template": {
    "id": {"resource_type": "WORKFLOW", "name": "wf.main", $ORIGIN},
    "nodes": [
      {"id": "start-node"},
      {"id": "n0",
       "metadata": {"name": "train", "retries": {"retries": 3}, "interruptible": true, "cacheable": true,
                    "cache_version": "1.0", "cache_serializable": true},
       "upstream_node_ids": ["start-node"],
       "task_node": {
         "reference_id": {"resource_type": "TASK", "name": "wf.train", $ORIGIN},
         "overrides": {
           "resources": {"requests": [{"name": "CPU", "value": "2"}, {"name": "MEMORY", "value": "1Gi"}],
                         "limits": [{"name": "GPU", "value": "1"}, {"name": "EPHEMERAL_STORAGE", "value": "10Gi"}]},
           "extended_resources": {"gpu_accelerator": {"device": "nvidia-tesla-a100", "partition_size": "1g.5gb"},
                                  "shared_memory": {"mount_path": "/dev/shm", "mount_name": "shm", "size_limit": "2Gi"}},
           "container_image": "ghcr.io/acme/train:v2",
           "pod_template": {"metadata": {"labels": {"team": "ml"}}, "pod_spec": {"serviceAccountName": "trainer"},
                            "primary_container_name": "primary"}}},
       "runtime_override": {"name": "train", "defaults": {"retries": 0, "cache": false}}},
      {"id": "n1", "metadata": {"name": "sub", "interruptible": false}, "upstream_node_ids": ["n0"],
       "workflow_node": {"sub_workflow_ref": {"resource_type": "WORKFLOW", "name": "wf.sub", $ORIGIN}}},
      {"id": "n2", "upstream_node_ids": ["n0", "n1"],
       "workflow_node": {"launchplan_ref": {"resource_type": "LAUNCH_PLAN", "name": "lp.eval", $ORIGIN}}},
      {"id": "n3", "branch_node": {"if_else": {
        "case": {"then_node": {"id": "n3-n0", "task_node": {"reference_id": {"resource_type": "TASK", "name": "wf.big", $ORIGIN}}}},
        "other": [{"then_node": {"id": "n3-n1", "task_node": {"reference_id": {"resource_type": "TASK", "name": "wf.mid", $ORIGIN}}}}],
        "else_node": {"id": "n3-n2", "task_node": {"reference_id": {"resource_type": "TASK", "name": "wf.small", $ORIGIN},
                                                   "runtime_override_name": "legacy-hook"}}}}},
      {"id": "n4", "gate_node": {}},
      {"id": "n5", "array_node": {"node": {"id": "n5-n0", "task_node": {"reference_id": {"resource_type": "TASK", "name": "wf.map", $ORIGIN}}}}}
    ],
    "failure_node": {"id": "fn", "task_node": {"reference_id": {"resource_type": "TASK", "name": "wf.cleanup", $ORIGIN}}},
    "metadata_defaults": {"interruptible": true},
    "runtime_override_defaults": {"train": {"container_image": "ghcr.io/acme/train:v3", "environment": {"DEBUG": "1"}}}
  }},
  "sub_workflows": [{"template": {"id": {"resource_type": "WORKFLOW", "name": "wf.sub", $ORIGIN}}}],
  "tasks": [
    {"template": {
      "id": {"resource_type": "TASK", "name": "wf.train", $ORIGIN}, "type": "python-task",
      "metadata": {"discoverable": true, "retries": {"retries": 2}, "discovery_version": "0.1", "interruptible": true,
                   "cache_serializable": true, "pod_template_name": "gpu-pod"},
      "custom": {"executorCores": 4, "mode": "cluster"},
      "container": {"image": "ghcr.io/acme/train:v1", "command": ["pyflyte-execute"], "args": ["--task", "train"],
                    "resources": {"requests": [{"name": "CPU", "value": "1"}, {"name": "STORAGE", "value": "5Gi"}],
                                  "limits": [{"name": "MEMORY", "value": "2Gi"}]},
                    "env": [{"key": "FOO", "value": "bar"}]},
      "task_type_version": 1,
      "extended_resources": {"gpu_accelerator": {"device": "nvidia-l4", "unpartitioned": true}}}},
    {"template": {
      "id": {"resource_type": "TASK", "name": "wf.pod", $ORIGIN}, "type": "sidecar",
      "k8s_pod": {"metadata": {"labels": {"app": "pod"}, "annotations": {"note": "x"}},
                  "pod_spec": {"serviceAccountName": "pod-sa"}, "primary_container_name": "main"}}}
  ]
})json";

// The closure both spellings parse to: the common closure, plus what only
// the JSON fixtures carry.
CompiledWorkflowClosure ExpectedClosure() {
  CompiledWorkflowClosure closure = CommonClosure();
  WorkflowTemplate& primary = *closure.mutable_primary()->mutable_template_();
  auto& n0 = *primary.mutable_nodes(1);
  auto& overrides = *n0.mutable_task_node()->mutable_overrides();
  MergeExpected(&overrides, R"pb(
    resources {
      requests { name: CPU value: "2" }
      requests { name: MEMORY value: "1Gi" }
      limits { name: GPU value: "1" }
      limits { name: EPHEMERAL_STORAGE value: "10Gi" }
    }
  )pb");
  MergeExpected(overrides.mutable_extended_resources(), kTrainSharedMemory);
  MergeExpected(&n0, R"pb(
    runtime_override {
      name: "train"
      defaults { retries: 0 cache: false }
    }
  )pb");
  MergeExpected(primary.mutable_nodes(4)
                    ->mutable_branch_node()
                    ->mutable_if_else()
                    ->mutable_else_node()
                    ->mutable_task_node(),
                R"pb(runtime_override_name: "legacy-hook")pb");
  MergeExpected(&primary, R"pb(
    runtime_override_defaults {
      key: "train"
      value {
        container_image: "ghcr.io/acme/train:v3"
        environment { key: "DEBUG" value: "1" }
      }
    }
  )pb");
  MergeExpected(closure.mutable_tasks(0)->mutable_template_()->mutable_custom(),
                R"pb(
                  fields {
                    key: "mode"
                    value { string_value: "cluster" }
                  }
                )pb");
  return closure;
}

TEST(CompatJson, CamelCaseClosureAsFlytectlPrintsItParses) {
  const auto closure = ParseJson<CompiledWorkflowClosure>(
      kCamelCaseClosure, /*ignore_unknown_fields=*/true);
  ExpectEqualProto(closure, ExpectedClosure());
  // Presence survives JSON: false and 0 set, distinct from unset.
  const auto& defaults =
      closure.primary().template_().nodes(1).runtime_override().defaults();
  EXPECT_TRUE(defaults.has_retries());
  EXPECT_TRUE(defaults.has_cache());
  EXPECT_FALSE(defaults.has_interruptible());
  EXPECT_EQ(closure.primary()
                .template_()
                .nodes(2)
                .metadata()
                .interruptible_value_case(),
            flyteidl::core::NodeMetadata::kInterruptible);
}

TEST(CompatJson, CamelCaseClosureReallyCarriesFieldsTheSubsetOmits) {
  // Guards the test above: without ignore_unknown_fields the same text fails,
  // so it does exercise skipping.
  CompiledWorkflowClosure closure;
  EXPECT_FALSE(JsonStringToMessage(WithJsonOrigin(kCamelCaseClosure), &closure,
                                   JsonParseOptions())
                   .ok());
}

TEST(CompatJson, SnakeCaseClosureParsesToTheSameMessage) {
  // Strict: every snake_case name must be one the subset declares.
  const auto closure = ParseJson<CompiledWorkflowClosure>(
      kSnakeCaseClosure, /*ignore_unknown_fields=*/false);
  ExpectEqualProto(closure, ExpectedClosure());
}

}  // namespace
}  // namespace flyteoverride::tests
