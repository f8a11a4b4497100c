#include "synthetic/task_templates.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "synthetic/flyteidl_builders.h"

namespace flyteoverride::synthetic {
namespace {

using flyteidl::core::Resources;
using flyteidl::core::TaskTemplate;

constexpr char kImage[] = "ghcr.io/flyteorg/flytekit:py3.11-1.10.3";
constexpr char kSparkImage[] = "ghcr.io/flyteorg/flytekit:spark-1.10.3";

constexpr const char* kTaskNames[] = {
    "prepare_data",         "validate_schema",   "featurize",
    "split_dataset",        "train_model",       "evaluate_model",
    "tune_hyperparameters", "export_onnx",       "score_batch",
    "aggregate_metrics",    "publish_report",    "spark_join",
    "spark_aggregate",      "distributed_train", "sql_extract",
    "notify_owners",        "cleanup_scratch",   "compress_artifacts",
    "quality_gate",         "deploy_endpoint"};
constexpr int kTaskKinds = sizeof(kTaskNames) / sizeof(kTaskNames[0]);
constexpr int kSparkA = 11, kSparkB = 12, kPyTorch = 13, kPod = 19;

}  // namespace

std::string TaskName(int t) {
  return t < kTaskKinds ? kTaskNames[t]
                        : absl::StrCat(kTaskNames[t % kTaskKinds], "_", t);
}

TaskTemplate MakeTaskTemplate(int t) {
  const int kind = t % kTaskKinds;
  TaskTemplate task;
  *task.mutable_id() = MakeId(flyteidl::core::TASK, TaskName(t));
  task.set_type(kind == kSparkA || kind == kSparkB ? "spark"
                : kind == kPyTorch                 ? "pytorch"
                : kind == kPod                     ? "sidecar"
                                                   : "python-task");
  auto* metadata = task.mutable_metadata();
  RuntimeMetadata runtime;
  runtime.set_type(RuntimeMetadata::FLYTE_SDK);
  runtime.set_version("1.10.3");
  runtime.set_flavor("python");
  AddSkipped(kTaskRuntime, runtime, metadata);
  metadata->mutable_retries()->set_retries(t % 3);
  if (t % 4 == 0) {
    metadata->set_discoverable(true);
    metadata->set_discovery_version("1.0");
    metadata->set_cache_serializable(t % 8 == 0);
  }
  if (t % 5 == 1) metadata->set_interruptible(true);
  AddSkipped(kTaskInterface, MakeInterface(2 + t % 3, 1 + t % 2), &task);

  if (kind == kSparkA || kind == kSparkB) {
    *task.mutable_custom() = StructOf(
        R"({"sparkConf": {"spark.driver.memory": "4g",
                          "spark.executor.instances": "4",
                          "spark.executor.memory": "8g",
                          "spark.executor.cores": "2"},
            "mainApplicationFile": "local:///usr/local/bin/entrypoint.py",
            "executorPath": "/usr/bin/python3"})");
  } else if (kind == kPyTorch) {
    task.set_task_type_version(1);
    *task.mutable_custom() = StructOf(
        R"({"workerReplicas": {"replicas": 4},
            "masterReplicas": {"replicas": 1},
            "runPolicy": {"backoffLimit": 3,
                          "cleanPodPolicy": "CLEANUP_POD_POLICY_RUNNING"}})");
    task.mutable_extended_resources()->mutable_gpu_accelerator()->set_device(
        "nvidia-tesla-a100");
  }

  if (kind == kPod) {
    auto* pod = task.mutable_k8s_pod();
    (*pod->mutable_metadata()->mutable_labels())["app"] = "endpoint";
    (*pod->mutable_metadata()->mutable_annotations())
        ["cluster-autoscaler.kubernetes.io/safe-to-evict"] = "false";
    *pod->mutable_pod_spec() = StructOf(absl::StrCat(
        R"({"containers": [{"name": "primary", "image": ")", kImage,
        R"(", "args": ["pyflyte-execute", "--inputs", "{{.input}}"],
            "resources": {"requests": {"cpu": "1", "memory": "2Gi"},
                          "limits": {"cpu": "2", "memory": "4Gi"}}},
           {"name": "envoy", "image": "envoyproxy/envoy:v1.28.0"}],
            "restartPolicy": "Never"})"));
    pod->set_primary_container_name("primary");
    return task;
  }
  auto* container = task.mutable_container();
  container->set_image(kind == kSparkA || kind == kSparkB ? kSparkImage
                                                          : kImage);
  for (const char* arg :
       {"pyflyte-execute", "--inputs", "{{.input}}", "--output-prefix",
        "{{.outputPrefix}}", "--raw-output-data-prefix",
        "{{.rawOutputDataPrefix}}", "--checkpoint-path",
        "{{.checkpointOutputPrefix}}", "--prev-checkpoint",
        "{{.prevCheckpointPrefix}}", "--resolver",
        "flytekit.core.python_auto_container.default_task_resolver", "--",
        "task-module", "ml.pipeline"}) {
    container->add_args(arg);
  }
  container->add_args("task-name");
  container->add_args(TaskName(t));
  constexpr const char* kCpuRequest[] = {"500m", "1", "2"};
  constexpr const char* kCpuLimit[] = {"1", "2", "4"};
  constexpr const char* kMemRequest[] = {"1Gi", "2Gi", "4Gi"};
  constexpr const char* kMemLimit[] = {"2Gi", "4Gi", "8Gi"};
  auto* resources = container->mutable_resources();
  AddResource(resources->mutable_requests(), Resources::CPU,
              kCpuRequest[t % 3]);
  AddResource(resources->mutable_requests(), Resources::MEMORY,
              kMemRequest[t % 3]);
  AddResource(resources->mutable_limits(), Resources::CPU, kCpuLimit[t % 3]);
  AddResource(resources->mutable_limits(), Resources::MEMORY, kMemLimit[t % 3]);
  if (kind == kPyTorch) {
    AddResource(resources->mutable_requests(), Resources::GPU, "1");
    AddResource(resources->mutable_limits(), Resources::GPU, "1");
  }
  if (t % 6 == 2)
    AddResource(resources->mutable_requests(), Resources::EPHEMERAL_STORAGE,
                "10Gi");
  for (const auto& [key, value] :
       {std::pair<const char*, const char*>{"PYTHONUNBUFFERED", "1"},
        {"LOG_LEVEL", "INFO"},
        {"FLYTE_SDK_LOGGING_LEVEL", "20"}}) {
    auto* env = container->add_env();
    env->set_key(key);
    env->set_value(value);
  }
  return task;
}

}  // namespace flyteoverride::synthetic
