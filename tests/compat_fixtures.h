// Expectations the compat suites share: the closure the JSON and wire suites
// both build on, the node overrides every suite sets, and proto3 JSON parsing
// of Flyte's text with the identifiers' fixed fields. Test-only.
#ifndef FLYTEOVERRIDE_TESTS_COMPAT_FIXTURES_H_
#define FLYTEOVERRIDE_TESTS_COMPAT_FIXTURES_H_

#include <string>

#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace flyteoverride::tests {

// TaskNodeOverrides fields 2-4 of node n0 ("train") in every compat suite;
// each suite sets resources (field 1) its own way.
constexpr absl::string_view kTrainOverrides = R"pb(
  extended_resources {
    gpu_accelerator { device: "nvidia-tesla-a100" partition_size: "1g.5gb" }
  }
  container_image: "ghcr.io/acme/train:v2"
  pod_template {
    metadata { labels { key: "team" value: "ml" } }
    pod_spec {
      fields {
        key: "serviceAccountName"
        value { string_value: "trainer" }
      }
    }
    primary_container_name: "primary"
  }
)pb";

// ExtendedResources.shared_memory as the compat suites set it.
constexpr absl::string_view kTrainSharedMemory = R"pb(
  shared_memory { mount_path: "/dev/shm" mount_name: "shm" size_limit: "2Gi" }
)pb";

// The closure the JSON and wire suites both expect, less what only one of
// them carries (each merges that in): workflow wf.main with nodes start-node
// and n0-n5 (n0 overriding with kTrainOverrides, no resources), failure node
// fn, sub-workflow wf.sub, tasks wf.train and wf.pod.
flyteidl::core::CompiledWorkflowClosure CommonClosure();

// Identifiers in the JSON suites share these fields; $ORIGIN stands for them.
constexpr absl::string_view kJsonOrigin =
    R"("project": "flytesnacks", "domain": "development", "version": "v1", "org": "acme")";

// `json` with $ORIGIN replaced by kJsonOrigin.
std::string WithJsonOrigin(absl::string_view json);

// Parses proto3 JSON with $ORIGIN standing for kJsonOrigin; fails the current
// test when it does not parse.
template <typename T>
T ParseJson(absl::string_view json, bool ignore_unknown_fields) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown_fields;
  T message;
  const auto status = google::protobuf::util::JsonStringToMessage(
      WithJsonOrigin(json), &message, options);
  EXPECT_TRUE(status.ok()) << status;
  return message;
}

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_COMPAT_FIXTURES_H_
