#include "pipeline/rewrite_test_util.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "encoding/json_format.h"
#include "pipeline/resolve_execution.h"
#include "encoding/wire.h"
#include "resolver/test_util.h"

namespace flyteoverride::pipeline::testing {

using encoding::DeterministicJson;
using encoding::DeterministicBytes;
using resolver::testing::ParseJson;
using resolver::testing::Reasons;

using resolver::Field;
using resolver::Resolve;
using resolver::ResolveResult;

namespace {

using flyteidl::core::CompiledWorkflowClosure;
using flyteidl::core::Node;
using flyteidl::core::TaskNodeOverrides;

// flyteidl v1's layout, from docs/design.md appendix A. A field with no message is
// a leaf; an opaque one is a message the rewrite has no business in.
struct Schema {
  struct Field {
    const char* name;
    const Schema* message = nullptr;
    bool repeated = false;
    bool opaque = false;
  };
  bool complete = true;  // every v1 field is listed
  std::map<int, Field> fields;
};

struct V1Layout {
  Schema closure, compiled_workflow, workflow, node, node_metadata, retries,
      task_node, overrides, resources, entry, workflow_node, branch, if_else,
      if_block, array, identifier, compiled_task, task, task_metadata,
      container, pair;

  V1Layout() {
    const auto opaque = [](const char* name, bool repeated = false) {
      return Schema::Field{name, nullptr, repeated, true};
    };
    closure.fields = {{1, {"primary", &compiled_workflow}},
                      {2, {"sub_workflows", &compiled_workflow, true}},
                      {3, {"tasks", &compiled_task, true}},
                      {4, opaque("launch_plans", true)}};
    compiled_workflow.fields = {{1, {"template", &workflow}},
                                {2, opaque("connections")}};
    workflow.fields = {
        {1, {"id", &identifier}},        {2, opaque("metadata")},
        {3, opaque("interface")},        {4, {"nodes", &node, true}},
        {5, opaque("outputs", true)},    {6, {"failure_node", &node}},
        {7, opaque("metadata_defaults")}};
    node.fields = {{1, {"id"}},
                   {2, {"metadata", &node_metadata}},
                   {3, opaque("inputs", true)},
                   {4, {"upstream_node_ids", nullptr, true}},
                   {5, opaque("output_aliases", true)},
                   {6, {"task_node", &task_node}},
                   {7, {"workflow_node", &workflow_node}},
                   {8, {"branch_node", &branch}},
                   {9, opaque("gate_node")},
                   {10, {"array_node", &array}}};
    node_metadata.fields = {{1, {"name"}},
                            {4, opaque("timeout")},
                            {5, {"retries", &retries}},
                            {6, {"interruptible"}},
                            {7, {"cacheable"}},
                            {8, {"cache_version"}},
                            {9, {"cache_serializable"}},
                            {10, opaque("config", true)}};
    retries.fields = {{5, {"retries"}}};
    task_node.fields = {{1, {"reference_id", &identifier}},
                        {2, {"overrides", &overrides}}};
    overrides.fields = {{1, {"resources", &resources}},
                        {2, opaque("extended_resources")},
                        {3, {"container_image"}},
                        {4, opaque("pod_template")}};
    resources.fields = {{1, {"requests", &entry, true}},
                        {2, {"limits", &entry, true}}};
    entry.fields = {{1, {"name"}}, {2, {"value"}}};
    workflow_node.fields = {{1, {"launchplan_ref", &identifier}},
                            {2, {"sub_workflow_ref", &identifier}}};
    branch.fields = {{1, {"if_else", &if_else}}};
    if_else.fields = {{1, {"case", &if_block}},
                      {2, {"other", &if_block, true}},
                      {3, {"else_node", &node}},
                      {4, opaque("error")}};
    if_block.fields = {{1, opaque("condition")}, {2, {"then_node", &node}}};
    array.fields = {
        {1, {"node", &node}},    {2, {"parallelism"}},
        {3, {"min_successes"}},  {4, {"min_success_ratio"}},
        {5, {"execution_mode"}}, {6, opaque("is_original_sub_node_interface")},
        {7, {"data_mode"}},      {8, {"bound_inputs", nullptr, true}}};
    identifier.fields = {{1, {"resource_type"}}, {2, {"project"}},
                         {3, {"domain"}},        {4, {"name"}},
                         {5, {"version"}},       {6, {"org"}}};
    compiled_task.fields = {{1, {"template", &task}}};
    // Task messages are listed in part: fields past these are not foreign.
    task.complete = task_metadata.complete = container.complete = false;
    task.fields = {{1, {"id", &identifier}},
                   {2, {"type"}},
                   {3, {"metadata", &task_metadata}},
                   {4, opaque("interface")},
                   {5, opaque("custom")},
                   {6, {"container", &container}},
                   {9, opaque("extended_resources")},
                   {17, opaque("k8s_pod")}};
    task_metadata.fields = {{1, {"discoverable"}},
                            {5, {"retries", &retries}},
                            {6, {"discovery_version"}},
                            {8, {"interruptible"}},
                            {9, {"cache_serializable"}}};
    container.fields = {{1, {"image"}},
                        {4, {"resources", &resources}},
                        {5, {"env", &pair, true}}};
    pair.fields = {{1, {"key"}}, {2, {"value"}}};
  }
};

void Read(absl::string_view in, const Schema& schema, const std::string& prefix,
          V1Reading* reading) {
  std::map<int, int> seen;
  while (!in.empty()) {
    uint64_t tag = 0, value = 0;
    absl::string_view payload;
    bool ok = encoding::wire::ReadVarint(&in, &tag);
    const int number = static_cast<int>(tag >> 3);
    switch (tag & 7) {
      case 0:
        ok = ok && encoding::wire::ReadVarint(&in, &value);
        break;
      case 2:
        ok = ok && encoding::wire::ReadVarint(&in, &value) && value <= in.size();
        if (ok) payload = in.substr(0, value);
        if (ok) in.remove_prefix(value);
        break;
      default:  // flyteidl's messages here have no fixed-width fields
        ok = false;
    }
    if (!ok) {
      ADD_FAILURE() << "malformed protobuf bytes at " << prefix;
      return;
    }
    auto it = schema.fields.find(number);
    if (it == schema.fields.end()) {
      if (schema.complete)
        reading->foreign.push_back(absl::StrCat(prefix, "#", number));
      continue;
    }
    const Schema::Field& field = it->second;
    std::string path =
        absl::StrCat(prefix, prefix.empty() ? "" : ".", field.name);
    if (field.repeated) absl::StrAppend(&path, "[", seen[number]++, "]");
    if (field.message != nullptr) {
      Read(payload, *field.message, path, reading);
    } else if (field.opaque) {
      reading->values.push_back(
          absl::StrCat(path, "=<", payload.size(), " bytes>"));
    } else {
      reading->values.push_back(absl::StrCat(
          path, "=",
          (tag & 7) == 0 ? absl::StrCat(value) : std::string(payload)));
    }
  }
}

void Probe(Node* node) {
  if (node->has_task_node() && !node->has_runtime_override())
    node->mutable_runtime_override()->set_name("probe");
  if (node->has_branch_node()) {
    auto* if_else = node->mutable_branch_node()->mutable_if_else();
    if (if_else->case_().has_then_node())
      Probe(if_else->mutable_case_()->mutable_then_node());
    for (auto& other : *if_else->mutable_other()) {
      if (other.has_then_node()) Probe(other.mutable_then_node());
    }
    if (if_else->has_else_node()) Probe(if_else->mutable_else_node());
  }
  if (node->has_array_node() && node->array_node().has_node())
    Probe(node->mutable_array_node()->mutable_node());
}

void Probe(flyteidl::core::WorkflowTemplate* workflow) {
  for (Node& node : *workflow->mutable_nodes()) Probe(&node);
  if (workflow->has_failure_node()) Probe(workflow->mutable_failure_node());
}

}  // namespace

Rewritten ResolveAndRewrite(v1::ResolveRequest request,
                            const flyte_v1::RewriteOptions& options,
                            std::string bytes) {
  request.mutable_options()->set_explain(true);
  request.mutable_options()->set_rewrite_closure(true);
  ExecutionContext context;
  context.closure_bytes = bytes;
  PipelineOptions pipeline;
  pipeline.rewrite = options;
  Rewritten out;
  absl::StatusOr<ResolveOutcome> outcome =
      ResolveExecution(request, context, pipeline);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (!outcome.ok()) return out;
  for (v1::Violation& violation : outcome->violations) {
    const bool from_rewrite = violation.reason() == "NOT_EXPRESSIBLE_IN_V1" ||
                              violation.reason() == "TASK_COPY_FORBIDDEN";
    EXPECT_TRUE(from_rewrite) << violation.reason() << ": "
                              << violation.description();
    out.rewritten.violations.push_back(std::move(violation));
  }
  out.rewritten.closure = std::move(outcome->rewritten_closure_bytes);
  for (v1::TemplateCopy& copy : *outcome->response.mutable_template_copies())
    out.rewritten.copies.push_back(std::move(copy));
  outcome->response.clear_template_copies();
  outcome->response.clear_rewritten_closure();
  out.resolved.response = std::move(outcome->response);
  if (out.rewritten.ok()) {
    EXPECT_TRUE(out.parsed.ParseFromString(out.rewritten.closure));
  }
  return out;
}

Rewritten RewriteJson(const CompiledWorkflowClosure& closure,
                      absl::string_view launch_plan,
                      absl::string_view execution,
                      const flyte_v1::RewriteOptions& options) {
  return ResolveAndRewrite(
      resolver::testing::RequestJson(closure, launch_plan, execution),
      options);
}

std::string V1Reading::NodePrefix(absl::string_view under,
                                  absl::string_view id) const {
  const std::string suffix = absl::StrCat(".id=", id);
  for (const std::string& value : values) {
    if (absl::StartsWith(value, absl::StrCat(under, ".")) &&
        absl::EndsWith(value, suffix))
      return value.substr(0, value.size() - suffix.size());
  }
  return "";
}

std::vector<std::string> V1Reading::Under(absl::string_view prefix) const {
  std::vector<std::string> found;
  for (const std::string& value : values) {
    if (absl::StartsWith(value, absl::StrCat(prefix, ".")))
      found.push_back(value.substr(prefix.size()));
  }
  return found;
}

V1Reading ReadAsFlyteidlV1(absl::string_view closure_bytes) {
  static const V1Layout* const layout = new V1Layout();
  V1Reading reading;
  Read(closure_bytes, layout->closure, "", &reading);
  return reading;
}

TaskNodeOverrides Normalized(TaskNodeOverrides effective) {
  if (effective.has_cache() && !effective.cache()) effective.clear_cache();
  if (effective.has_cache_serializable() && !effective.cache_serializable())
    effective.clear_cache_serializable();
  if (effective.has_retries() && effective.retries() == 0)
    effective.clear_retries();
  if (effective.has_cache_version() && effective.cache_version().empty())
    effective.clear_cache_version();
  return effective;
}

std::map<std::string, TaskNodeOverrides> BaseConfiguration(
    CompiledWorkflowClosure closure) {
  Probe(closure.mutable_primary()->mutable_template_());
  for (auto& sub : *closure.mutable_sub_workflows())
    Probe(sub.mutable_template_());
  v1::ResolveRequest request;
  *request.mutable_closure() = std::move(closure);
  request.mutable_options()->set_explain(true);
  const ResolveResult result = Resolve(request, {});
  EXPECT_TRUE(result.ok()) << Reasons(result);
  std::map<std::string, TaskNodeOverrides> base;
  for (const auto& node : result.response.nodes())
    base[node.node_path()] = Normalized(node.effective());
  return base;
}

void ExpectSameEffectiveValues(const CompiledWorkflowClosure& original,
                               const Rewritten& rewritten) {
  std::map<std::string, TaskNodeOverrides> expected =
      BaseConfiguration(original);
  for (const auto& node : rewritten.resolved.response.nodes())
    expected[node.node_path()] = Normalized(node.effective());
  const std::map<std::string, TaskNodeOverrides> actual =
      BaseConfiguration(rewritten.parsed);
  EXPECT_EQ(actual.size(), expected.size());
  for (const auto& [path, want] : expected) {
    auto it = actual.find(path);
    if (it == actual.end()) {
      ADD_FAILURE() << "the rewritten closure has no instance " << path;
      continue;
    }
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(it->second, want))
        << "at " << path << "\nrewritten closure gives "
        << DeterministicJson(it->second, false) << "\noriginal resolve gave  "
        << DeterministicJson(want, false);
  }
}

}  // namespace flyteoverride::pipeline::testing
