#include "resolver/test_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"

namespace flyteoverride::resolver::testing {
namespace {

std::string Id(absl::string_view type, absl::string_view name) {
  return absl::Substitute(
      R"({"resourceType": "$0", "project": "p", "domain": "d", "name": "$1", "version": "1"})",
      type, name);
}

std::string WithExtra(absl::string_view extra) {
  return extra.empty() ? "" : absl::StrCat(", ", extra);
}

}  // namespace

std::string TaskId(absl::string_view name) { return Id("TASK", name); }
std::string WorkflowId(absl::string_view name) { return Id("WORKFLOW", name); }

std::string Task(absl::string_view name, absl::string_view container_json,
                 absl::string_view metadata_json, absl::string_view extra) {
  return absl::Substitute(
      R"({"template": {"id": $0, "type": "python-task", "metadata": {$1},
          "container": {$2}$3}})",
      TaskId(name), metadata_json, container_json, WithExtra(extra));
}

std::string TaskNode(absl::string_view id, absl::string_view task,
                     absl::string_view extra) {
  return absl::Substitute(R"({"id": "$0", "taskNode": {"referenceId": $1}$2})",
                          id, TaskId(task), WithExtra(extra));
}

std::string SubWorkflowNode(absl::string_view id, absl::string_view workflow,
                            absl::string_view extra) {
  return absl::Substitute(
      R"({"id": "$0", "workflowNode": {"subWorkflowRef": $1}$2})", id,
      WorkflowId(workflow), WithExtra(extra));
}

std::string Hook(absl::string_view name, absl::string_view defaults_json) {
  if (defaults_json.empty())
    return absl::Substitute(R"("runtimeOverride": {"name": "$0"})", name);
  return absl::Substitute(
      R"("runtimeOverride": {"name": "$0", "defaults": $1})", name,
      defaults_json);
}

std::string SubWorkflow(absl::string_view name, absl::string_view nodes,
                        absl::string_view extra) {
  return absl::Substitute(R"({"template": {"id": $0, "nodes": [$1]$2}})",
                          WorkflowId(name), nodes, WithExtra(extra));
}

flyteidl::core::CompiledWorkflowClosure Closure(
    absl::string_view nodes, absl::string_view sub_workflows,
    absl::string_view tasks, absl::string_view primary_extra) {
  return ParseJson<flyteidl::core::CompiledWorkflowClosure>(
      absl::Substitute(
          R"({"primary": {"template": {"id": $0, "nodes": [{"id": "start-node"}, $1,
          {"id": "end-node"}]$2}}, "subWorkflows": [$3], "tasks": [$4]})",
          WorkflowId("wf"), nodes, WithExtra(primary_extra), sub_workflows,
          tasks),
      /*lenient=*/true);
}

v1::ResolveRequest RequestJson(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    absl::string_view launch_plan, absl::string_view execution) {
  v1::ResolveRequest request;
  *request.mutable_closure() = closure;
  *request.mutable_launch_plan_overrides() =
      ParseJson<v1::OverrideMap>(
          absl::StrCat(R"({"hooks": )", launch_plan, "}"))
          .hooks();
  *request.mutable_execution_overrides() =
      ParseJson<v1::OverrideMap>(absl::StrCat(R"({"hooks": )", execution, "}"))
          .hooks();
  return request;
}

ResolveResult ResolveJson(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    absl::string_view launch_plan, absl::string_view execution, bool explain,
    bool warn_unknown, PlatformLayer* platform) {
  v1::ResolveRequest request = RequestJson(closure, launch_plan, execution);
  request.mutable_options()->set_explain(explain);
  if (warn_unknown)
    request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
  ResolveContext context;
  context.platform = platform;
  return Resolve(request, {}, context);
}

const v1::ResolvedNode& NodeAt(const ResolveResult& result,
                               absl::string_view path) {
  for (const auto& node : result.response.nodes()) {
    if (node.node_path() == path) return node;
  }
  ADD_FAILURE() << "no resolved node at " << path
                << "; violations: " << Reasons(result);
  return v1::ResolvedNode::default_instance();
}

const v1::ProvenanceEntry& FieldOf(const v1::ResolvedNode& node,
                                   absl::string_view field) {
  for (const auto& entry : node.provenance()) {
    if (entry.field() == field) return entry;
  }
  return v1::ProvenanceEntry::default_instance();
}

std::string ValueOf(const v1::ResolvedNode& node, absl::string_view field) {
  const v1::ProvenanceEntry& entry = FieldOf(node, field);
  if (!entry.has_assignment()) return "";
  if (entry.assignment().removed()) return "(removed)";
  const auto& value = entry.assignment().value();
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case google::protobuf::Value::kNumberValue:
      return absl::StrCat(value.number_value());
    default: {
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(value, &json);
      return json;
    }
  }
}

std::string Reasons(const ResolveResult& result) {
  std::vector<std::string> reasons;
  for (const auto& violation : result.violations)
    reasons.push_back(violation.reason());
  return absl::StrJoin(reasons, ",");
}

}  // namespace flyteoverride::resolver::testing
