#include "tools/table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "encoding/json_format.h"
#include "resolver/violations.h"

namespace flyteoverride::tools {
std::string ShowValue(const v1::Assignment& assignment) {
  if (assignment.removed()) return "(removed)";
  const google::protobuf::Value& value = assignment.value();
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case google::protobuf::Value::kNumberValue:
      return absl::StrCat(value.number_value());
    default:
      return CompactJson(value);
  }
}

namespace {

std::string ShowSource(const v1::Assignment& assignment) {
  std::string source = resolver::LayerName(assignment.layer());
  if (!assignment.hook().empty()) {
    absl::StrAppend(&source, assignment.implicit_hook() ? " implicit hook "
                                                        : " hook ",
                    assignment.hook());
  }
  if (!assignment.declared_at().empty())
    absl::StrAppend(&source, " @ ", assignment.declared_at());
  return source;
}

// What the operator's policy lets runtime layers do with a hook.
std::string PolicyLines(const v1::PolicyView& policy) {
  std::string out =
      absl::StrCat("  may set      ",
                   absl::StrJoin(policy.overridable_fields(), ", "), "\n");
  if (!policy.fixed_fields().empty()) {
    absl::StrAppend(&out, "  fixed        ",
                    absl::StrJoin(policy.fixed_fields(), ", "), "\n");
  }
  for (const v1::LimitView& limit : policy.limits()) {
    absl::StrAppend(&out, "  at most      ", limit.field(), " ", limit.max(),
                    " (", limit.action(), ")\n");
  }
  if (!policy.allowed_images().empty()) {
    absl::StrAppend(&out, "  images       ",
                    absl::StrJoin(policy.allowed_images(), "  "), "\n");
  }
  if (!policy.protected_environment().empty()) {
    absl::StrAppend(&out, "  protected    environment ",
                    absl::StrJoin(policy.protected_environment(), ", "), "\n");
  }
  return out;
}

}  // namespace

std::string CompactJson(const google::protobuf::Message& message) {
  return encoding::DeterministicJson(message, false);
}

std::string ResolveTable(const v1::ResolveResponse& response, bool shadowed) {
  std::string out;
  if (response.nodes().empty()) return "no task node is covered by a hook\n";
  for (const v1::ResolvedNode& node : response.nodes()) {
    absl::StrAppend(&out, node.node_path(), "  task ",
                    resolver::IdentifierString(node.task_id()), "  hooks ",
                    absl::StrJoin(node.hooks(), ", "), "\n");
    size_t field_width = 5, value_width = 5;
    for (const auto& entry : node.provenance()) {
      field_width = std::max(field_width, entry.field().size());
      value_width = std::max(value_width, ShowValue(entry.assignment()).size());
    }
    value_width = std::min<size_t>(value_width, 48);
    absl::StrAppend(&out,
                    absl::StrFormat("  %-*s  %-*s  %s\n", field_width, "FIELD",
                                    value_width, "VALUE", "FROM"));
    for (const auto& entry : node.provenance()) {
      absl::StrAppend(&out, absl::StrFormat("  %-*s  %-*s  %s\n", field_width,
                                            entry.field(), value_width,
                                            ShowValue(entry.assignment()),
                                            ShowSource(entry.assignment())));
      if (!shadowed) continue;
      for (auto it = entry.shadowed().rbegin(); it != entry.shadowed().rend();
           ++it) {
        absl::StrAppend(
            &out, absl::StrFormat(
                      "  %-*s  %-*s  %s\n", field_width, "", value_width,
                      absl::StrCat("^ ", ShowValue(*it)), ShowSource(*it)));
      }
    }
    out += "\n";
  }
  return out;
}

std::string InspectTable(const v1::InspectWorkflowResponse& response) {
  std::string out;
  if (response.hooks().empty()) out = "no hooks are declared\n";
  for (const v1::Hook& hook : response.hooks()) {
    absl::StrAppend(&out, hook.implicit() ? "implicit hook " : "hook ",
                    hook.name(), "\n");
    absl::StrAppend(&out, "  covers       ",
                    hook.node_paths().empty()
                        ? "(no task node)"
                        : absl::StrJoin(hook.node_paths(), ", "),
                    "\n");
    std::vector<std::string> tasks;
    for (const auto& id : hook.task_ids())
      tasks.push_back(resolver::IdentifierString(id));
    if (!tasks.empty())
      absl::StrAppend(&out, "  tasks        ", absl::StrJoin(tasks, ", "),
                      "\n");
    for (const auto& declaration : hook.declarations()) {
      absl::StrAppend(
          &out, "  declared at  ", declaration.node_path(), "  defaults ",
          declaration.has_defaults() ? CompactJson(declaration.defaults())
                                     : "(none)",
          "\n");
    }
    std::vector<std::string> workflows;
    for (const auto& [at, defaults] : hook.workflow_defaults())
      workflows.push_back(at);
    std::sort(workflows.begin(), workflows.end());
    for (const std::string& at : workflows) {
      absl::StrAppend(&out, "  set by workflow ", at.empty() ? "(primary)" : at,
                      "  ", CompactJson(hook.workflow_defaults().at(at)), "\n");
    }
    if (hook.has_policy()) out += PolicyLines(hook.policy());
  }
  return out;
}

std::string ViolationLines(const std::vector<v1::Violation>& violations,
                           const char* kind) {
  std::string out;
  for (const v1::Violation& v : violations) {
    absl::StrAppend(&out, kind, ": ", v.reason(), v.field().empty() ? "" : " ",
                    v.field(), ": ", v.description(), "\n");
  }
  return out;
}

}  // namespace flyteoverride::tools
