#include "tests/compat_fixtures.h"

#include "tests/flyteidl_wire.h"

namespace flyteoverride::tests {

using ::flyteidl::core::CompiledWorkflowClosure;

namespace {

constexpr absl::string_view kCommonClosure = R"pb(
  primary {
    template {
      id { resource_type: WORKFLOW name: "wf.main" $ORIGIN }
      nodes { id: "start-node" }
      nodes {
        id: "n0"
        metadata {
          name: "train"
          retries { retries: 3 }
          interruptible: true
          cacheable: true
          cache_version: "1.0"
          cache_serializable: true
        }
        upstream_node_ids: "start-node"
        task_node {
          reference_id { resource_type: TASK name: "wf.train" $ORIGIN }
          overrides {}
        }
      }
      nodes {
        id: "n1"
        metadata { name: "sub" interruptible: false }
        upstream_node_ids: "n0"
        workflow_node {
          sub_workflow_ref { resource_type: WORKFLOW name: "wf.sub" $ORIGIN }
        }
      }
      nodes {
        id: "n2"
        upstream_node_ids: "n0"
        upstream_node_ids: "n1"
        workflow_node {
          launchplan_ref { resource_type: LAUNCH_PLAN name: "lp.eval" $ORIGIN }
        }
      }
      nodes {
        id: "n3"
        branch_node {
          if_else {
            case {
              then_node {
                id: "n3-n0"
                task_node {
                  reference_id { resource_type: TASK name: "wf.big" $ORIGIN }
                }
              }
            }
            other {
              then_node {
                id: "n3-n1"
                task_node {
                  reference_id { resource_type: TASK name: "wf.mid" $ORIGIN }
                }
              }
            }
            else_node {
              id: "n3-n2"
              task_node {
                reference_id { resource_type: TASK name: "wf.small" $ORIGIN }
              }
            }
          }
        }
      }
      nodes {
        id: "n4"
        gate_node {}
      }
      nodes {
        id: "n5"
        array_node {
          node {
            id: "n5-n0"
            task_node {
              reference_id { resource_type: TASK name: "wf.map" $ORIGIN }
            }
          }
        }
      }
      failure_node {
        id: "fn"
        task_node {
          reference_id { resource_type: TASK name: "wf.cleanup" $ORIGIN }
        }
      }
      metadata_defaults { interruptible: true }
    }
  }
  sub_workflows {
    template { id { resource_type: WORKFLOW name: "wf.sub" $ORIGIN } }
  }
  tasks {
    template {
      id { resource_type: TASK name: "wf.train" $ORIGIN }
      type: "python-task"
      metadata {
        discoverable: true
        retries { retries: 2 }
        discovery_version: "0.1"
        interruptible: true
        cache_serializable: true
        pod_template_name: "gpu-pod"
      }
      custom {
        fields {
          key: "executorCores"
          value { number_value: 4 }
        }
      }
      container {
        image: "ghcr.io/acme/train:v1"
        command: "pyflyte-execute"
        args: "--task"
        args: "train"
        resources {
          requests { name: CPU value: "1" }
          requests { name: STORAGE value: "5Gi" }
          limits { name: MEMORY value: "2Gi" }
        }
        env { key: "FOO" value: "bar" }
      }
      task_type_version: 1
      extended_resources {
        gpu_accelerator { device: "nvidia-l4" unpartitioned: true }
      }
    }
  }
  tasks {
    template {
      id { resource_type: TASK name: "wf.pod" $ORIGIN }
      type: "sidecar"
      k8s_pod {
        metadata {
          labels { key: "app" value: "pod" }
          annotations { key: "note" value: "x" }
        }
        pod_spec {
          fields {
            key: "serviceAccountName"
            value { string_value: "pod-sa" }
          }
        }
        primary_container_name: "main"
      }
    }
  }
)pb";

}  // namespace

CompiledWorkflowClosure CommonClosure() {
  auto closure = Expected<CompiledWorkflowClosure>(kCommonClosure);
  MergeExpected(closure.mutable_primary()
                    ->mutable_template_()
                    ->mutable_nodes(1)
                    ->mutable_task_node()
                    ->mutable_overrides(),
                kTrainOverrides);
  return closure;
}

std::string WithJsonOrigin(absl::string_view json) {
  return absl::StrReplaceAll(json, {{"$ORIGIN", kJsonOrigin}});
}

}  // namespace flyteoverride::tests
