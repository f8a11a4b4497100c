#include "flyte_v1/rewrite.h"

#include <openssl/evp.h>

#include <algorithm>
#include <deque>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "encoding/json_format.h"
#include "flyte_v1/placement.h"
#include "resolver/violations.h"
#include "encoding/wire.h"
#include "flyte_v1/workflow_edit.h"

namespace flyteoverride::flyte_v1 {

using encoding::DeterministicBytes;

using resolver::ClosureWalk;
using resolver::IdentifierString;
using resolver::Instance;
using resolver::MakeViolation;
using resolver::Scope;
using resolver::WalkClosure;
namespace wire = encoding::wire;

namespace {

using flyteidl::core::CompiledTask;
using flyteidl::core::CompiledWorkflowClosure;
using flyteidl::core::Identifier;
using flyteidl::core::TaskTemplate;
using flyteidl::core::WorkflowTemplate;

constexpr size_t kDigits = 10;  // hex digits of a derived id, at least

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), hash, &size, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), size));
}

// Every id the closure holds or a copy took; resource types aside, so a
// copy's name is new in every namespace of its project and domain.
class IdRegistry {
 public:
  void Add(const Identifier& id) { taken_.insert(Key(id)); }

  // `<name>-ro-<hex>`, with more digits of `digest` while that id is taken
  // (then a counter, past the whole digest).
  Identifier Derive(const Identifier& original, absl::string_view digest) {
    Identifier id = original;
    for (size_t n = kDigits;; n += 2) {
      const size_t digits = std::min(n, digest.size());
      std::string name =
          absl::StrCat(original.name(), "-ro-", digest.substr(0, digits));
      if (n > digest.size())
        absl::StrAppend(&name, "-", (n - digest.size()) / 2);
      id.set_name(std::move(name));
      if (taken_.insert(Key(id)).second) return id;
    }
  }

 private:
  static std::string Key(const Identifier& id) {
    return absl::StrJoin(
        {id.project(), id.domain(), id.name(), id.version(), id.org()},
        absl::string_view("\0", 1));
  }
  absl::flat_hash_set<std::string> taken_;
};

struct Copy {
  v1::TemplateCopy record;
  std::string bytes;  // a CompiledWorkflow or a CompiledTask
  std::set<std::string> reasons;
};

class Rewriter {
 public:
  Rewriter(absl::string_view bytes, const CompiledWorkflowClosure& closure,
           const v1::ResolveResponse& resolved, const RewriteOptions& options)
      : bytes_(bytes),
        closure_(closure),
        resolved_(resolved),
        options_(options),
        walk_(WalkClosure(closure, options.walk, {}, options.implicit_hooks)) {}

  absl::StatusOr<RewrittenClosure> Run() && {
    for (auto step : {&Rewriter::IndexClosure, &Rewriter::PlaceInstances,
                      &Rewriter::ChooseVariants}) {
      if (absl::Status status = (this->*step)(); !status.ok()) return status;
    }
    if (!result_.violations.empty()) return std::move(result_);
    if (absl::Status status = Assemble(); !status.ok()) return status;
    return std::move(result_);
  }

 private:
  absl::Status IndexClosure() {
    auto fields = wire::Split(bytes_);
    if (!fields.ok()) return fields.status();
    fields_ = *std::move(fields);
    ids_.Add(closure_.primary().template_().id());
    for (const wire::Field& f : fields_) {
      if (f.number == 2) sub_bytes_.push_back(f.payload);
      if (f.number == 3) task_count_++;
      if (f.number == 4) AddLaunchPlanId(f.payload);
    }
    if (static_cast<int>(sub_bytes_.size()) != closure_.sub_workflows_size() ||
        task_count_ != closure_.tasks_size()) {
      return absl::InvalidArgumentError(
          "the closure bytes disagree with the parsed closure");
    }
    for (int i = 0; i < closure_.sub_workflows_size(); ++i) {
      sub_index_.try_emplace(&closure_.sub_workflows(i).template_(), i);
      ids_.Add(closure_.sub_workflows(i).template_().id());
    }
    for (int i = 0; i < closure_.tasks_size(); ++i) {
      task_index_.try_emplace(&closure_.tasks(i).template_(), i);
      ids_.Add(closure_.tasks(i).template_().id());
    }
    return absl::OkStatus();
  }

  // CompiledLaunchPlan{template=1 LaunchPlanTemplate{id=1}}: outside the
  // subset, read here only so that no copy takes a launch plan's name.
  void AddLaunchPlanId(absl::string_view launch_plan) {
    for (int level = 0; level < 2; ++level) {
      auto fields = wire::Split(launch_plan);
      if (!fields.ok()) return;
      auto it =
          std::find_if(fields->begin(), fields->end(),
                       [](const wire::Field& f) { return f.number == 1; });
      if (it == fields->end()) return;
      launch_plan = it->payload;
    }
    Identifier id;
    if (id.ParseFromArray(launch_plan.data(), launch_plan.size())) ids_.Add(id);
  }

  absl::Status PlaceInstances() {
    if (!walk_.violations.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the closure cannot be rewritten: ",
                       walk_.violations[0].description()));
    }
    const auto& nodes = resolved_.nodes();
    if (nodes.size() != static_cast<int>(walk_.instances.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the resolve has ", nodes.size(), " nodes where the closure has ",
          walk_.instances.size(), " covered task node instances"));
    }
    const bool workflow_interruptible =
        closure_.primary().template_().metadata_defaults().interruptible();
    changes_.resize(walk_.scopes.size());
    for (int i = 0; i < nodes.size(); ++i) {
      const Instance& instance = walk_.instances[i];
      if (nodes[i].node_path() != instance.path) {
        return absl::InvalidArgumentError(
            absl::StrCat("the resolve's node ", nodes[i].node_path(),
                         " is not the closure's instance ", instance.path));
      }
      Placement placement =
          PlaceInstance(*instance.node, *instance.task, workflow_interruptible,
                        nodes[i].overrides());
      Place(instance, std::move(placement));
    }
    return absl::OkStatus();
  }

  void Violate(const Instance& instance, const CopyReason& what,
               std::string description, std::string reason) {
    result_.violations.push_back(
        MakeViolation(absl::StrCat("node ", instance.path, " ", what.field),
                      std::move(description), std::move(reason),
                      v1::Violation::INVALID_VALUE, instance.path));
  }

  void Place(const Instance& instance, Placement placement) {
    for (const CopyReason& what : placement.inexpressible) {
      Violate(
          instance, what,
          absl::StrCat("at ", instance.path, ": ", what.field, ": ", what.why),
          "NOT_EXPRESSIBLE_IN_V1");
    }
    if (placement.task_changes && options_.forbid_task_copies) {
      for (const CopyReason& what : placement.reasons) {
        Violate(instance, what,
                absl::StrCat("at ", instance.path, ": ", what.field, ": ",
                             what.why, "; only a copy of task ",
                             IdentifierString(instance.task->id()),
                             " under a new id could carry it, and the "
                             "operator forbids task copies"),
                "TASK_COPY_FORBIDDEN");
      }
    } else if (placement.task_changes) {
      const Identifier& id = TaskCopy(*instance.task, *placement.task_changes,
                                      placement.reasons, instance.path);
      if (!placement.task_node) {
        placement.task_node = instance.node->task_node();
        placement.task_node->clear_runtime_override_name();
      }
      *placement.task_node->mutable_reference_id() = id;
    }
    if (!placement.metadata && !placement.task_node) return;
    NodeChange& change = changes_[instance.scope][instance.node];
    if (placement.metadata)
      change.metadata = DeterministicBytes(*placement.metadata);
    if (placement.task_node)
      change.task_node = DeterministicBytes(*placement.task_node);
  }

  // The copy of `original` with `changes`, shared by every instance that
  // needs the same: named by its content, built once.
  const Identifier& TaskCopy(const TaskTemplate& original,
                             const TaskChanges& changes,
                             const std::vector<CopyReason>& reasons,
                             const std::string& path) {
    const int index = task_index_.at(&original);
    auto [it, inserted] = task_changes_.try_emplace(
        absl::StrCat(index, "/", changes.Key()), tasks_.size());
    if (inserted) {
      CompiledTask compiled = closure_.tasks(index);
      changes.ApplyTo(compiled.mutable_template_());
      const std::string digest = Sha256Hex(DeterministicBytes(compiled));
      auto [same, fresh] = task_variants_.try_emplace(digest, tasks_.size());
      it->second = same->second;
      if (fresh) {
        Copy& copy = tasks_.emplace_back();
        *compiled.mutable_template_()->mutable_id() =
            ids_.Derive(original.id(), digest);
        copy.bytes = DeterministicBytes(compiled);
        copy.record.set_kind(v1::TemplateCopy::TASK);
        *copy.record.mutable_original_id() = original.id();
        *copy.record.mutable_copy_id() = compiled.template_().id();
      }
    }
    Copy& copy = tasks_[it->second];
    copy.record.add_node_paths(path);
    for (const CopyReason& reason : reasons)
      copy.reasons.insert(absl::StrCat(reason.field, ": ", reason.why));
    return copy.record.copy_id();
  }

  // Children before parents (a scope's index is above its parent's): a
  // template's variant is its node changes plus its children's variants.
  absl::Status ChooseVariants() {
    for (int s = static_cast<int>(walk_.scopes.size()) - 1; s > 0; --s) {
      if (changes_[s].empty()) continue;
      const Scope& scope = walk_.scopes[s];
      auto index = sub_index_.find(scope.workflow);
      if (index == sub_index_.end())
        return absl::InternalError(
            "a walked sub-workflow is not in the closure");
      const auto& compiled = closure_.sub_workflows(index->second);
      const absl::string_view original = sub_bytes_[index->second];
      auto edited = EditWorkflow(original, compiled, changes_[s], nullptr);
      if (!edited.ok()) return edited.status();
      const std::string digest = Sha256Hex(*edited);
      auto [it, inserted] =
          workflow_variants_.try_emplace(digest, workflows_.size());
      if (inserted) {
        Copy& copy = workflows_.emplace_back();
        copy.record.set_kind(v1::TemplateCopy::WORKFLOW);
        *copy.record.mutable_original_id() = scope.workflow->id();
        *copy.record.mutable_copy_id() =
            ids_.Derive(scope.workflow->id(), digest);
        auto bytes = EditWorkflow(original, compiled, changes_[s],
                                  &copy.record.copy_id());
        if (!bytes.ok()) return bytes.status();
        copy.bytes = *std::move(bytes);
        std::set<std::string> ids;
        for (const auto& [node, change] : changes_[s]) ids.insert(node->id());
        copy.reasons.insert(absl::StrCat(
            "Flyte v1 shares a sub-workflow template among its call sites, so "
            "call sites that resolve differently need a copy each; this one "
            "changes nodes ",
            absl::StrJoin(ids, ", ")));
      }
      Copy& copy = workflows_[it->second];
      copy.record.add_node_paths(
          scope.prefix.substr(0, scope.prefix.size() - 1));
      changes_[scope.parent][scope.call].sub_workflow_ref =
          &copy.record.copy_id();
    }
    return absl::OkStatus();
  }

  // Copies sorted by first node path, each with its node paths sorted.
  static std::vector<const Copy*> Sorted(std::deque<Copy>& copies) {
    std::vector<const Copy*> sorted;
    for (Copy& copy : copies) {
      auto* paths = copy.record.mutable_node_paths();
      std::sort(paths->begin(), paths->end());
      copy.record.set_reason(absl::StrJoin(copy.reasons, "; "));
      sorted.push_back(&copy);
    }
    std::sort(sorted.begin(), sorted.end(), [](const Copy* a, const Copy* b) {
      return a->record.node_paths(0) < b->record.node_paths(0);
    });
    return sorted;
  }

  // The last field `number`, or the field before the first higher number:
  // copies go right after the entries of their kind.
  int InsertAfter(int number) const {
    int last = -1;
    for (int i = 0; i < static_cast<int>(fields_.size()); ++i) {
      if (fields_[i].number == number) last = i;
      if (fields_[i].number > number && last < 0) return i - 1;
    }
    return last >= 0 ? last : static_cast<int>(fields_.size()) - 1;
  }

  absl::Status Assemble() {
    const std::vector<const Copy*> workflows = Sorted(workflows_);
    const std::vector<const Copy*> tasks = Sorted(tasks_);
    std::string& out = result_.closure;
    out.reserve(bytes_.size() + bytes_.size() / 8);
    const auto emit = [&out](const std::vector<const Copy*>& copies,
                             int number) {
      for (const Copy* copy : copies)
        wire::AppendLengthDelimited(number, copy->bytes, &out);
    };
    const int after_workflows = InsertAfter(2);
    const int after_tasks = InsertAfter(3);
    if (after_workflows < 0) emit(workflows, 2);
    if (after_tasks < 0) emit(tasks, 3);
    // Parsers merge repeated primaries: then the merged one is re-encoded,
    // once.
    const bool merged = wire::Count(fields_, {1}) > 1;
    bool wrote_primary = false;
    int sub = 0;
    for (int i = 0; i < static_cast<int>(fields_.size()); ++i) {
      const wire::Field& f = fields_[i];
      if (f.number == 1 && !wrote_primary) {
        wrote_primary = true;
        const std::string merged_bytes =
            merged ? DeterministicBytes(closure_.primary()) : "";
        auto edited = EditWorkflow(merged ? merged_bytes : f.payload,
                                   closure_.primary(), changes_[0], nullptr);
        if (!edited.ok()) return edited.status();
        Append(f, *edited, merged);
      } else if (f.number == 2) {
        const auto& compiled = closure_.sub_workflows(sub++);
        if (DeclaresHooks(compiled.template_())) {
          auto edited = EditWorkflow(f.payload, compiled, {}, nullptr);
          if (!edited.ok()) return edited.status();
          Append(f, *edited, false);
        } else {
          out.append(f.whole.data(), f.whole.size());
        }
      } else if (f.number != 1) {
        out.append(f.whole.data(), f.whole.size());
      }
      if (i == after_workflows) emit(workflows, 2);
      if (i == after_tasks) emit(tasks, 3);
    }
    for (const auto* list : {&workflows, &tasks}) {
      for (const Copy* copy : *list) result_.copies.push_back(copy->record);
    }
    return absl::OkStatus();
  }

  // Appends field `f` with payload `edited`: its own bytes when unchanged.
  void Append(const wire::Field& f, const std::string& edited, bool force) {
    if (!force && edited == f.payload) {
      result_.closure.append(f.whole.data(), f.whole.size());
    } else {
      wire::AppendLengthDelimited(f.number, edited, &result_.closure);
    }
  }

  const absl::string_view bytes_;
  const CompiledWorkflowClosure& closure_;
  const v1::ResolveResponse& resolved_;
  const RewriteOptions& options_;
  const ClosureWalk walk_;
  std::vector<wire::Field> fields_;
  std::vector<absl::string_view> sub_bytes_;
  int task_count_ = 0;
  absl::flat_hash_map<const WorkflowTemplate*, int> sub_index_;
  absl::flat_hash_map<const TaskTemplate*, int> task_index_;
  IdRegistry ids_;
  std::vector<NodeChanges> changes_;  // per scope
  // Stable addresses: node changes point at copy ids.
  std::deque<Copy> workflows_;
  std::deque<Copy> tasks_;
  absl::flat_hash_map<std::string, size_t> workflow_variants_;  // by digest
  absl::flat_hash_map<std::string, size_t> task_variants_;      // by digest
  absl::flat_hash_map<std::string, size_t> task_changes_;  // by changes' key
  RewrittenClosure result_;
};

}  // namespace

absl::StatusOr<RewrittenClosure> RewriteClosure(
    absl::string_view closure_bytes, const CompiledWorkflowClosure& closure,
    const v1::ResolveResponse& resolved, const RewriteOptions& options) {
  return Rewriter(closure_bytes, closure, resolved, options).Run();
}

}  // namespace flyteoverride::flyte_v1
