#include "resolver/resolve.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resolver/leaf_set.h"
#include "resolver/merge.h"
#include "resolver/names.h"
#include "resolver/render.h"
#include "resolver/validate.h"
#include "resolver/violations.h"

namespace flyteoverride::resolver {
namespace {

using flyteidl::core::TaskNodeOverrides;
using OverrideMap = google::protobuf::Map<std::string, TaskNodeOverrides>;

class Resolver {
 public:
  Resolver(const v1::ResolveRequest& request, const ResolveLimits& limits,
           const ResolveContext& context)
      : request_(request),
        limits_(limits),
        context_(context),
        explain_(request.options().explain() || context.explain),
        budget_(limits.max_work_units, context.stop),
        walk_(WalkClosure(request.closure(), limits.walk, RootOf(context),
                          context.implicit_hooks, &budget_)) {}

  ResolveResult Run() && {
    result_.violations = walk_.violations;
    for (const v1::Violation& warning : walk_.warnings)
      *result_.response.add_warnings() = warning;
    if (!Stopped()) CheckDocuments();
    const bool interruptible = request_.closure()
                                   .primary()
                                   .template_()
                                   .metadata_defaults()
                                   .interruptible();
    // A passed limit means the rest could cost without bound: no instance
    // is resolved (the answer is the violations anyway).
    const bool limited = std::any_of(
        result_.violations.begin(), result_.violations.end(),
        [](const v1::Violation& v) {
          return v.category() == v1::Violation::LIMIT_EXCEEDED;
        });
    for (const Instance& instance : walk_.instances) {
      if (limited || Stopped()) break;
      ResolveInstance(instance, interruptible);
    }
    if (budget_.stopped()) {
      result_ = ResolveResult();
      result_.stopped =
          absl::CancelledError("the call was stopped before it finished");
      return std::move(result_);
    }
    if (budget_.spent() && !limited) {
      result_.violations.push_back(MakeViolation(
          "", absl::StrCat("resolving this request takes more than ",
                           budget_.max_units(), " units of work"),
          "WORK_BUDGET_EXCEEDED", v1::Violation::LIMIT_EXCEEDED));
    }
    CapViolations(limits_.max_violations, &result_.violations);
    if (!result_.ok()) result_.response.clear_nodes();
    if (result_.ok() && context_.collect_applied_hooks)
      result_.uncovered_task_nodes = walk_.uncovered;
    return std::move(result_);
  }

 private:
  // True once the budget is spent or the caller stopped the call.
  bool Stopped() const { return budget_.spent() || budget_.stopped(); }

  // Merges `doc` into `leaves`, first spending what that costs: an `unset`
  // path or a task_config member may look at every leaf there is, so a
  // document's weight is its entries times the leaves, not its size.
  void Apply(const TaskNodeOverrides& doc, const Origin& origin,
             LeafSet* leaves) {
    auto [it, fresh] = entries_.try_emplace(&doc, 0);
    if (fresh) it->second = doc.unset_size() + TaskConfigMembers(doc);
    const uint64_t weight = 1 + static_cast<uint64_t>(doc.environment_size()) +
                            it->second * (1 + leaves->leaves().size());
    if (!budget_.Spend(weight)) return;
    ApplyOverrides(doc, origin, leaves);
  }

  // Members of a document's task_config, at any depth.
  static size_t TaskConfigMembers(const TaskNodeOverrides& doc) {
    if (!doc.has_task_config()) return 0;
    size_t members = 0;
    std::vector<const google::protobuf::Value*> stack;
    for (const auto& [key, value] : doc.task_config().fields())
      stack.push_back(&value);
    while (!stack.empty()) {
      const google::protobuf::Value* value = stack.back();
      stack.pop_back();
      ++members;
      if (value->has_struct_value()) {
        for (const auto& [key, child] : value->struct_value().fields())
          stack.push_back(&child);
      } else if (value->has_list_value()) {
        for (const auto& child : value->list_value().values())
          stack.push_back(&child);
      }
    }
    return members;
  }

  void CheckDocuments() {
    ValidateClosureDefaults(walk_, &result_.violations, limits_.documents);
    for (const HookLink& link : walk_.links) declared_.insert(link.name);
    if (!context_.parent_path.empty()) return;  // judged when recorded
    CheckMap(request_.launch_plan_overrides(), "launch_plan_overrides",
             v1::LAUNCH_PLAN);
    CheckMap(request_.execution_overrides(), "execution_overrides",
             v1::EXECUTION);
  }

  void CheckMap(const OverrideMap& map, absl::string_view name,
                v1::Layer layer) {
    if (map.size() > limits_.max_map_entries) {
      result_.violations.push_back(MakeViolation(
          std::string(name),
          absl::StrCat(map.size(), " hooks in ", name, "; at most ",
                       limits_.max_map_entries),
          "TOO_MANY_MAP_ENTRIES", v1::Violation::LIMIT_EXCEEDED));
      return;
    }
    std::vector<std::string> known;
    for (const OverrideEntry* entry : SortedEntries(map)) {
      const std::string& hook = entry->first;
      const std::string prefix = absl::StrCat(name, "[", hook, "]");
      if (std::string problem = HookNameProblem(hook); !problem.empty()) {
        AddMapViolation(
            prefix, "BAD_HOOK_NAME",
            absl::StrCat("hook name \"", absl::CEscape(hook), "\": ", problem),
            hook, layer, false);
      } else if (!declared_.contains(hook)) {
        // Suggestions come ordered by distance, then name: the
        // candidates' order does not matter.
        if (known.empty()) {
          for (absl::string_view name : declared_) known.emplace_back(name);
        }
        // Each suggestion compares the name with every declared one: only
        // the first few unknown names get one, so that a request of many
        // unknown names against many hooks stays linear in its size.
        std::vector<std::string> close;
        if (suggested_ < kMaxSuggestedNames) {
          ++suggested_;
          close = ClosestNames(hook, known);
        }
        std::string description = absl::StrCat(
            "no hook named \"", hook, "\" is declared in this workflow");
        if (!close.empty()) {
          absl::StrAppend(&description, "; did you mean '",
                          absl::StrJoin(close, "', '"), "'?");
        }
        AddMapViolation(
            prefix, "UNKNOWN_HOOK", std::move(description), hook, layer,
            request_.options().unknown_hooks() == v1::UNKNOWN_HOOKS_WARN);
      }
      ValidateOverrideDocument(entry->second, {prefix, layer, hook, ""},
                               &result_.violations, limits_.documents);
    }
  }

  void AddMapViolation(const std::string& field, std::string reason,
                       std::string description, const std::string& hook,
                       v1::Layer layer, bool warning) {
    v1::Violation violation =
        MakeViolation(field, std::move(description), std::move(reason),
                      v1::Violation::INVALID_VALUE);
    violation.set_hook(hook);
    violation.set_layer(layer);
    if (warning) {
      *result_.response.add_warnings() = std::move(violation);
    } else {
      result_.violations.push_back(std::move(violation));
    }
  }

  // The chain outermost first, a name that recurs kept at its innermost place.
  std::vector<const HookLink*> Chain(const Instance& instance) const {
    std::vector<const HookLink*> chain = walk_.HookChain(instance);
    for (size_t i = 0; i < chain.size(); ++i) {
      for (size_t j = i + 1; j < chain.size(); ++j) {
        if (chain[j]->name == chain[i]->name) {
          chain.erase(chain.begin() + i--);
          break;
        }
      }
    }
    return chain;
  }

  void ApplyLayer(const OverrideMap& map, v1::Layer layer,
                  const std::vector<const HookLink*>& chain, LeafSet* leaves) {
    if (map.empty()) return;
    for (const HookLink* hook : chain) {
      auto it = map.find(std::string(hook->name));
      if (it != map.end())
        Apply(it->second,
              {layer, hook->name, hook->declared_at, hook->implicit}, leaves);
    }
  }

  static WalkRoot RootOf(const ResolveContext& context) {
    if (context.parent_path.empty()) return {};
    return {absl::StrCat(context.parent_path, "/"), &context.parent_hooks};
  }

  // A hook's DECORATOR documents in order: its node-level defaults, then
  // enclosing workflows' defaults innermost to primary (an outer author can
  // set defaults for hooks of a workflow it cannot edit); for a dynamic
  // parent's hook, the documents recorded for it.
  std::vector<const TaskNodeOverrides*> DecoratorDocuments(
      const HookLink& hook) const {
    std::vector<const TaskNodeOverrides*> docs;
    if (hook.implicit) return docs;  // no author wrote it, so no defaults
    if (hook.applied != nullptr) {
      for (const auto& doc : hook.applied->decorator()) docs.push_back(&doc);
      return docs;
    }
    if (hook.defaults != nullptr) docs.push_back(hook.defaults);
    for (int s = hook.scope; s >= 0; s = walk_.scopes[s].parent) {
      const auto& defaults =
          walk_.scopes[s].workflow->runtime_override_defaults();
      if (defaults.empty()) continue;
      auto it = defaults.find(std::string(hook.name));
      if (it != defaults.end()) docs.push_back(&it->second);
    }
    // A dynamic closure sits beneath its parent as a sub-workflow would: a
    // name the parent's hooks declare too is one group (the walk checked
    // that the node-level defaults agree), so the workflows enclosing the
    // parent add their defaults after the dynamic closure's own.
    for (const v1::AppliedHook& outer : context_.parent_hooks) {
      if (outer.name() != hook.name || outer.implicit()) continue;
      const int skip = outer.has_node_defaults() ? 1 : 0;
      for (int i = skip; i < outer.decorator_size(); ++i)
        docs.push_back(&outer.decorator(i));
    }
    return docs;
  }

  void ResolveInstance(const Instance& instance, bool workflow_interruptible) {
    LeafSet leaves(explain_);
    // Room for a task's few dozen leaves at once, not grown by doubling.
    leaves.Reserve(32);
    ApplyTaskTemplate(*instance.task, {v1::TASK, {}, {}}, &leaves);
    ApplyCompiledNode(*instance.node, workflow_interruptible,
                      {v1::COMPILED, {}, instance.path}, &leaves);
    leaves.MarkBase();
    const std::vector<const HookLink*> chain = Chain(instance);
    std::vector<v1::AppliedHook>* applied = nullptr;
    if (context_.collect_applied_hooks) {
      applied = &result_.applied_hooks.emplace_back();
    }
    for (const HookLink* hook : chain) {
      const Origin origin{v1::DECORATOR, hook->name, hook->declared_at,
                          hook->implicit};
      v1::AppliedHook* record = nullptr;
      if (applied != nullptr) {
        record = &applied->emplace_back();
        record->set_name(std::string(hook->name));
        record->set_declared_at(hook->declared_at);
        record->set_has_node_defaults(
            hook->applied != nullptr ? hook->applied->has_node_defaults()
                                     : hook->defaults != nullptr);
        record->set_implicit(hook->implicit);
      }
      for (const TaskNodeOverrides* doc : DecoratorDocuments(*hook)) {
        Apply(*doc, origin, &leaves);
        if (record != nullptr) *record->add_decorator() = *doc;
      }
    }
    ApplyLayer(request_.launch_plan_overrides(), v1::LAUNCH_PLAN, chain,
               &leaves);
    ApplyLayer(request_.execution_overrides(), v1::EXECUTION, chain, &leaves);
    // Every leaf merged is a unit; so is rendering it, which follows.
    if (!budget_.Spend(1 + leaves.leaves().size())) return;
    if (context_.platform != nullptr) {
      std::vector<v1::Violation> clamped;
      context_.platform->Apply(instance.path, &leaves, &result_.violations, &clamped);
      for (v1::Violation& warning : clamped)
        *result_.response.add_warnings() = std::move(warning);
    }
    leaves.Sort();
    ValidateMergedResources(leaves, instance.path, &result_.violations);
    if (!result_.ok()) {  // the nodes would be dropped anyway
      result_.applied_hooks.clear();
      return;
    }

    v1::ResolvedNode* node = result_.response.add_nodes();
    node->set_node_path(instance.path);
    node->set_node_id(instance.node->id());
    *node->mutable_task_id() = instance.task->id();
    for (const HookLink* hook : chain) node->add_hooks(std::string(hook->name));
    RenderRuntimeOverrides(leaves, node->mutable_overrides());
    if (explain_) {
      RenderEffective(leaves, node->mutable_effective());
      RenderProvenance(leaves, node->mutable_provenance());
    }
  }

  const v1::ResolveRequest& request_;
  const ResolveLimits& limits_;
  const ResolveContext& context_;
  const bool explain_;
  WorkBudget budget_;  // before walk_, which spends it
  // Per document: unset paths and task_config members (counted once).
  absl::flat_hash_map<const TaskNodeOverrides*, uint64_t> entries_;
  const ClosureWalk walk_;
  absl::flat_hash_set<absl::string_view> declared_;
  // Unknown hook names given "did you mean" so far.
  static constexpr int kMaxSuggestedNames = 16;
  int suggested_ = 0;
  ResolveResult result_;
};

}  // namespace

void CapViolations(size_t max, std::vector<v1::Violation>* violations) {
  if (violations->size() <= max) return;
  const size_t more = violations->size() - max;
  const v1::Violation::Category category = (*violations)[max].category();
  violations->resize(max);
  violations->push_back(
      MakeViolation("", absl::StrCat(more, " more violations not shown"),
                    "MORE_VIOLATIONS", category));
}

ResolveResult Resolve(const v1::ResolveRequest& request,
                      const ResolveLimits& limits,
                      const ResolveContext& context) {
  return Resolver(request, limits, context).Run();
}

}  // namespace flyteoverride::resolver
