// Proves the resolver API parses proto3 JSON as a Flyte client writes it,
// strictly (no field may go unrecognised), and prints JSON that parses back
// to the same request.

#include <string>

#include "absl/strings/string_view.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/compat_fixtures.h"
#include "tests/flyteidl_wire.h"

namespace flyteoverride::tests {
namespace {

using ::flyteoverride::v1::ResolveRequest;
using ::google::protobuf::util::JsonStringToMessage;
using ::testing::HasSubstr;

constexpr absl::string_view kResolveRequest = R"json({
  "executionId": {"project": "flytesnacks", "domain": "development", "name": "f8a1b2c3", "org": "acme"},
  "closure": {"primary": {"template": {
    "id": {"resourceType": "WORKFLOW", "name": "wf.main", $ORIGIN},
    "nodes": [{"id": "n0", "taskNode": {"referenceId": {"resourceType": "TASK", "name": "wf.train", $ORIGIN}},
               "runtimeOverride": {"name": "train"}}]}}},
  "launchPlanOverrides": {
    "train": {"resources": {"limits": [{"name": "MEMORY", "value": "8Gi"}]},
              "cache": false, "retries": 0, "environment": {"DEBUG": "1"},
              "taskConfig": {"spark": {"executorCores": 4, "conf": null}},
              "unset": ["resources.limits.cpu", "environment.TRACE"]}},
  "executionOverrides": {
    "train": {"containerImage": "ghcr.io/acme/train:hotfix", "cacheVersion": "2"},
    "eval": {"interruptible": true, "cacheSerializable": true}},
  "options": {"dryRun": true, "explain": true, "unknownHooks": "UNKNOWN_HOOKS_WARN", "rewriteClosure": true}
})json";

TEST(CompatJson, ResolveRequestParsesAndRoundTrips) {
  // Strict: the API is ours, so no field may go unrecognised.
  const auto request = ParseJson<ResolveRequest>(
      kResolveRequest, /*ignore_unknown_fields=*/false);
  ExpectEqualProto(
      request, Expected<ResolveRequest>(R"pb(
        execution_id {
          project: "flytesnacks"
          domain: "development"
          name: "f8a1b2c3"
          org: "acme"
        }
        closure {
          primary {
            template {
              id { resource_type: WORKFLOW name: "wf.main" $ORIGIN }
              nodes {
                id: "n0"
                task_node {
                  reference_id { resource_type: TASK name: "wf.train" $ORIGIN }
                }
                runtime_override { name: "train" }
              }
            }
          }
        }
        launch_plan_overrides {
          key: "train"
          value {
            resources { limits { name: MEMORY value: "8Gi" } }
            cache: false
            retries: 0
            environment { key: "DEBUG" value: "1" }
            task_config {
              fields {
                key: "spark"
                value {
                  struct_value {
                    fields {
                      key: "executorCores"
                      value { number_value: 4 }
                    }
                    fields {
                      key: "conf"
                      value { null_value: NULL_VALUE }
                    }
                  }
                }
              }
            }
            unset: "resources.limits.cpu"
            unset: "environment.TRACE"
          }
        }
        execution_overrides {
          key: "train"
          value {
            container_image: "ghcr.io/acme/train:hotfix"
            cache_version: "2"
          }
        }
        execution_overrides {
          key: "eval"
          value { interruptible: true cache_serializable: true }
        }
        options {
          dry_run: true
          explain: true
          unknown_hooks: UNKNOWN_HOOKS_WARN
          rewrite_closure: true
        }
      )pb"));

  std::string printed;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(request, &printed).ok());
  EXPECT_THAT(
      printed,
      HasSubstr(R"("unset":["resources.limits.cpu","environment.TRACE"])"));
  EXPECT_THAT(printed, HasSubstr(R"("conf":null)"));
  EXPECT_THAT(printed, HasSubstr(R"("unknownHooks":"UNKNOWN_HOOKS_WARN")"));
  EXPECT_THAT(printed, HasSubstr(R"("cache":false)"));
  EXPECT_THAT(printed, HasSubstr(R"("retries":0)"));
  ResolveRequest reparsed;
  ASSERT_TRUE(JsonStringToMessage(printed, &reparsed).ok());
  ExpectEqualProto(reparsed, request);
}

}  // namespace
}  // namespace flyteoverride::tests
