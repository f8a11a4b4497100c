#include "flyte_v1/workflow_edit.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "encoding/wire.h"

namespace flyteoverride::flyte_v1 {

using encoding::DeterministicBytes;

namespace wire = encoding::wire;

namespace {

using flyteidl::core::ArrayNode;
using flyteidl::core::BranchNode;
using flyteidl::core::CompiledWorkflow;
using flyteidl::core::Identifier;
using flyteidl::core::IfBlock;
using flyteidl::core::IfElseBlock;
using flyteidl::core::Node;
using flyteidl::core::WorkflowTemplate;
using Groups = std::initializer_list<std::initializer_list<int>>;

bool HasHook(const Node& node) {
  return node.has_runtime_override() ||
         (node.has_task_node() &&
          !node.task_node().runtime_override_name().empty());
}

// Calls `visit` on each node nested directly in `node`: branch arms and an
// array node's node. Sub-workflows are other templates.
template <typename Visit>
void ForEachChild(const Node& node, Visit visit) {
  if (node.has_branch_node()) {
    const IfElseBlock& if_else = node.branch_node().if_else();
    if (if_else.case_().has_then_node()) visit(if_else.case_().then_node());
    for (const IfBlock& other : if_else.other()) {
      if (other.has_then_node()) visit(other.then_node());
    }
    if (if_else.has_else_node()) visit(if_else.else_node());
  } else if (node.has_array_node() && node.array_node().has_node()) {
    visit(node.array_node().node());
  }
}

// Recursion follows message nesting, which the protobuf parser that built
// the subset message already bounded (100 levels by default).
class Editor {
 public:
  explicit Editor(const NodeChanges& changes) : changes_(changes) {}

  // Marks the nodes that change or hold nodes that do; true when `node` is
  // one of them.
  bool Mark(const Node& node) {
    bool dirty = HasHook(node) || changes_.contains(&node);
    ForEachChild(node, [&](const Node& child) { dirty |= Mark(child); });
    if (dirty) dirty_.insert(&node);
    return dirty;
  }

  absl::Status Workflow(absl::string_view bytes, const CompiledWorkflow& wf,
                        const Identifier* new_id, std::string* out) {
    std::string storage;
    auto fields = Fields(bytes, wf, {{1}}, {}, &storage);
    if (!fields.ok()) return fields.status();
    for (const wire::Field& f : *fields) {
      if (f.number != 1) {
        out->append(f.whole.data(), f.whole.size());
        continue;
      }
      std::string payload;
      if (auto s = Template(f.payload, wf.template_(), new_id, &payload);
          !s.ok())
        return s;
      wire::AppendLengthDelimited(1, payload, out);
    }
    return absl::OkStatus();
  }

 private:
  // The fields of `bytes`, or of `message` re-serialized when `bytes`
  // repeats a singular field (each group: one field or one oneof) or holds
  // another count of the repeated field `repeated` than `message` does.
  absl::StatusOr<std::vector<wire::Field>> Fields(
      absl::string_view bytes, const google::protobuf::Message& message,
      Groups singular, std::pair<int, int> repeated, std::string* storage) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto fields = wire::Split(bytes);
      if (!fields.ok()) return fields.status();
      bool regular = repeated.first == 0 ||
                     wire::Count(*fields, {repeated.first}) == repeated.second;
      for (const auto& group : singular)
        regular = regular && wire::Count(*fields, group) <= 1;
      if (regular) return fields;
      *storage = DeterministicBytes(message);
      bytes = *storage;
    }
    return absl::InternalError(
        absl::StrCat("the closure bytes disagree with the parsed closure at a ",
                     message.GetDescriptor()->name()));
  }

  absl::Status Template(absl::string_view bytes, const WorkflowTemplate& wf,
                        const Identifier* new_id, std::string* out) {
    std::string storage;
    auto fields = Fields(bytes, wf, {{1}, {6}}, {4, wf.nodes_size()}, &storage);
    if (!fields.ok()) return fields.status();
    int next = 0;
    bool wrote_id = false;
    for (const wire::Field& f : *fields) {
      absl::Status status;
      if (f.number == 1 && new_id != nullptr) {
        wire::AppendLengthDelimited(1, DeterministicBytes(*new_id), out);
        wrote_id = true;
      } else if (f.number == 4) {
        status = EditNode(f, wf.nodes(next++), out);
      } else if (f.number == 6) {
        status = EditNode(f, wf.failure_node(), out);
      } else if (f.number != 100) {  // 100: runtime_override_defaults
        out->append(f.whole.data(), f.whole.size());
      }
      if (!status.ok()) return status;
    }
    if (new_id != nullptr && !wrote_id)
      wire::AppendLengthDelimited(1, DeterministicBytes(*new_id), out);
    return absl::OkStatus();
  }

  // Appends the node field `f` (tag included), edited where it is dirty.
  absl::Status EditNode(const wire::Field& f, const Node& node,
                        std::string* out) {
    if (!dirty_.contains(&node)) {
      out->append(f.whole.data(), f.whole.size());
      return absl::OkStatus();
    }
    std::string storage;
    auto fields =
        Fields(f.payload, node, {{2}, {6, 7, 8, 9, 10}}, {}, &storage);
    if (!fields.ok()) return fields.status();
    auto it = changes_.find(&node);
    const NodeChange* change = it == changes_.end() ? nullptr : &it->second;
    std::string payload;
    bool wrote_metadata = false;
    for (const wire::Field& field : *fields) {
      absl::Status status;
      if (field.number == 2 && change && change->metadata) {
        wire::AppendLengthDelimited(2, *change->metadata, &payload);
        wrote_metadata = true;
      } else if (field.number == 6 && change && change->task_node) {
        wire::AppendLengthDelimited(6, *change->task_node, &payload);
      } else if (field.number == 6) {
        status = Drop(field, 3, &payload);  // the draft IDL's hook name
      } else if (field.number == 7 && change && change->sub_workflow_ref) {
        status = Reference(field, node, *change->sub_workflow_ref, &payload);
      } else if (field.number == 8) {
        status = Branch(field, node.branch_node(), &payload);
      } else if (field.number == 10) {
        status = Array(field, node.array_node(), &payload);
      } else if (field.number != 100) {  // 100: runtime_override
        payload.append(field.whole.data(), field.whole.size());
      }
      if (!status.ok()) return status;
    }
    if (change && change->metadata && !wrote_metadata)
      wire::AppendLengthDelimited(2, *change->metadata, &payload);
    wire::AppendLengthDelimited(f.number, payload, out);
    return absl::OkStatus();
  }

  static absl::Status Drop(const wire::Field& f, int number, std::string* out) {
    auto fields = wire::Split(f.payload);
    if (!fields.ok()) return fields.status();
    if (wire::Count(*fields, {number}) == 0) {
      out->append(f.whole.data(), f.whole.size());
      return absl::OkStatus();
    }
    std::string payload;
    for (const wire::Field& field : *fields) {
      if (field.number != number)
        payload.append(field.whole.data(), field.whole.size());
    }
    wire::AppendLengthDelimited(f.number, payload, out);
    return absl::OkStatus();
  }

  absl::Status Reference(const wire::Field& f, const Node& node,
                         const Identifier& ref, std::string* out) {
    std::string storage;
    auto fields =
        Fields(f.payload, node.workflow_node(), {{1, 2}}, {}, &storage);
    if (!fields.ok()) return fields.status();
    std::string payload;
    for (const wire::Field& field : *fields) {
      if (field.number == 2) {
        wire::AppendLengthDelimited(2, DeterministicBytes(ref), &payload);
      } else {
        payload.append(field.whole.data(), field.whole.size());
      }
    }
    wire::AppendLengthDelimited(f.number, payload, out);
    return absl::OkStatus();
  }

  absl::Status Branch(const wire::Field& f, const BranchNode& branch,
                      std::string* out) {
    return Nested(f, branch, {{1}}, {}, out,
                  [&](const wire::Field& field, std::string* payload) {
                    return field.number == 1
                               ? IfElse(field, branch.if_else(), payload)
                               : Keep(field, payload);
                  });
  }

  absl::Status IfElse(const wire::Field& f, const IfElseBlock& block,
                      std::string* out) {
    int next = 0;
    return Nested(f, block, {{1}, {3, 4}}, {2, block.other_size()}, out,
                  [&](const wire::Field& field, std::string* payload) {
                    if (field.number == 1)
                      return Then(field, block.case_(), payload);
                    if (field.number == 2)
                      return Then(field, block.other(next++), payload);
                    if (field.number == 3)
                      return EditNode(field, block.else_node(), payload);
                    return Keep(field, payload);
                  });
  }

  absl::Status Then(const wire::Field& f, const IfBlock& block,
                    std::string* out) {
    return Nested(f, block, {{2}}, {}, out,
                  [&](const wire::Field& field, std::string* payload) {
                    return field.number == 2
                               ? EditNode(field, block.then_node(), payload)
                               : Keep(field, payload);
                  });
  }

  absl::Status Array(const wire::Field& f, const ArrayNode& array,
                     std::string* out) {
    return Nested(f, array, {{1}}, {}, out,
                  [&](const wire::Field& field, std::string* payload) {
                    return field.number == 1
                               ? EditNode(field, array.node(), payload)
                               : Keep(field, payload);
                  });
  }

  static absl::Status Keep(const wire::Field& f, std::string* out) {
    out->append(f.whole.data(), f.whole.size());
    return absl::OkStatus();
  }

  // Rebuilds the message field `f`, each of its fields through `edit`.
  template <typename Edit>
  absl::Status Nested(const wire::Field& f,
                      const google::protobuf::Message& message, Groups singular,
                      std::pair<int, int> repeated, std::string* out,
                      Edit edit) {
    std::string storage;
    auto fields = Fields(f.payload, message, singular, repeated, &storage);
    if (!fields.ok()) return fields.status();
    std::string payload;
    for (const wire::Field& field : *fields) {
      if (auto status = edit(field, &payload); !status.ok()) return status;
    }
    wire::AppendLengthDelimited(f.number, payload, out);
    return absl::OkStatus();
  }

  const NodeChanges& changes_;
  absl::flat_hash_set<const Node*> dirty_;
};

bool DeclaresHooksBeneath(const Node& node) {
  bool found = HasHook(node);
  ForEachChild(node, [&](const Node& child) {
    found = found || DeclaresHooksBeneath(child);
  });
  return found;
}

}  // namespace

bool DeclaresHooks(const WorkflowTemplate& workflow) {
  if (!workflow.runtime_override_defaults().empty()) return true;
  for (const Node& node : workflow.nodes()) {
    if (DeclaresHooksBeneath(node)) return true;
  }
  return workflow.has_failure_node() &&
         DeclaresHooksBeneath(workflow.failure_node());
}

absl::StatusOr<std::string> EditWorkflow(absl::string_view bytes,
                                         const CompiledWorkflow& workflow,
                                         const NodeChanges& changes,
                                         const Identifier* new_id) {
  Editor editor(changes);
  const WorkflowTemplate& wf = workflow.template_();
  bool dirty = new_id != nullptr || !wf.runtime_override_defaults().empty();
  for (const Node& node : wf.nodes()) dirty |= editor.Mark(node);
  if (wf.has_failure_node()) dirty |= editor.Mark(wf.failure_node());
  if (!dirty) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size());
  if (auto status = editor.Workflow(bytes, workflow, new_id, &out);
      !status.ok())
    return status;
  return out;
}

}  // namespace flyteoverride::flyte_v1
