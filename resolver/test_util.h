// Shared by the resolver's tests: closures and override maps written as the
// proto3 JSON users and flytectl write, and look-ups into results.
#ifndef FLYTEOVERRIDE_RESOLVER_TEST_UTIL_H_
#define FLYTEOVERRIDE_RESOLVER_TEST_UTIL_H_

#include <string>

#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "resolver/resolve.h"

namespace flyteoverride::resolver::testing {

// Strict unless `lenient`: closures skip what the subset leaves out.
template <typename T>
T ParseJson(absl::string_view json, bool lenient = false) {
  T message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = lenient;
  const auto status = google::protobuf::util::JsonStringToMessage(
      std::string(json), &message, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

// `{"resourceType": "TASK", ...}` for task `name` (project p, domain d, version
// 1).
std::string TaskId(absl::string_view name);
std::string WorkflowId(absl::string_view name);

// A task template: `container_json` is the body of "container" (may be
// empty), `metadata_json` the body of "metadata".
std::string Task(absl::string_view name, absl::string_view container_json,
                 absl::string_view metadata_json = "",
                 absl::string_view extra = "");

// A task node calling task `task`, with optional extra members (a
// "runtimeOverride", "metadata", ...), e.g. TaskNode("n0", "t",
// R"("runtimeOverride": ...)").
std::string TaskNode(absl::string_view id, absl::string_view task,
                     absl::string_view extra = "");
std::string SubWorkflowNode(absl::string_view id, absl::string_view workflow,
                            absl::string_view extra = "");
// `"runtimeOverride": {"name": ..., "defaults": defaults_json}`.
std::string Hook(absl::string_view name, absl::string_view defaults_json = "");

// A closure: `nodes` is the primary's node list body, `sub_workflows` and
// `tasks` the bodies of those lists; `primary_extra` adds template members.
flyteidl::core::CompiledWorkflowClosure Closure(
    absl::string_view nodes, absl::string_view sub_workflows,
    absl::string_view tasks, absl::string_view primary_extra = "");
// A sub-workflow template entry for Closure's `sub_workflows`.
std::string SubWorkflow(absl::string_view name, absl::string_view nodes,
                        absl::string_view extra = "");

// A request for `closure` with the given maps (JSON objects keyed by hook
// name).
v1::ResolveRequest RequestJson(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    absl::string_view launch_plan, absl::string_view execution);

// Resolves with the given maps (JSON objects keyed by hook name), with
// `platform` as the PLATFORM layer when one is given.
ResolveResult ResolveJson(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    absl::string_view launch_plan = "{}", absl::string_view execution = "{}",
    bool explain = true, bool warn_unknown = false,
    PlatformLayer* platform = nullptr);

// The node at `path`, or fails the test.
const v1::ResolvedNode& NodeAt(const ResolveResult& result,
                               absl::string_view path);

// The provenance entry for `field` (e.g. "resources.limits.cpu") at a node,
// or a default instance when absent.
const v1::ProvenanceEntry& FieldOf(const v1::ResolvedNode& node,
                                   absl::string_view field);

// The effective value of a leaf as shown in a table ("2", "true", "(removed)",
// "" when absent).
std::string ValueOf(const v1::ResolvedNode& node, absl::string_view field);

// Reasons of all violations, joined by ",".
std::string Reasons(const ResolveResult& result);

}  // namespace flyteoverride::resolver::testing

#endif  // FLYTEOVERRIDE_RESOLVER_TEST_UTIL_H_
