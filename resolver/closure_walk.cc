#include "resolver/closure_walk.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "resolver/key_sort.h"
#include "resolver/names.h"
#include "resolver/violations.h"

namespace flyteoverride::resolver {
namespace {

using flyteidl::core::CompiledWorkflowClosure;
using flyteidl::core::Identifier;
using flyteidl::core::Node;
using flyteidl::core::TaskTemplate;
using flyteidl::core::WorkflowTemplate;

using IdKey =
    std::tuple<absl::string_view, absl::string_view, absl::string_view,
               absl::string_view, absl::string_view>;

IdKey KeyOf(const Identifier& id) {
  return {id.project(), id.domain(), id.name(), id.version(), id.org()};
}

struct Pending {
  const Node* node;
  int scope;
  int chain;
  int depth;
};

class Walker {
 public:
  Walker(const CompiledWorkflowClosure& closure, const WalkLimits& limits,
         const WalkRoot& root, ImplicitHooks implicit, WorkBudget* budget)
      : closure_(closure),
        limits_(limits),
        root_(root),
        implicit_(implicit),
        budget_(budget) {
    for (const auto& task : closure.tasks()) {
      tasks_.try_emplace(KeyOf(task.template_().id()), &task.template_());
    }
    for (const auto& sub : closure.sub_workflows()) {
      workflows_.try_emplace(KeyOf(sub.template_().id()), &sub.template_());
    }
  }

  ClosureWalk Run() && {
    if (!closure_.has_primary()) {
      Fail("closure.primary", "the closure has no primary workflow");
      return std::move(walk_);
    }
    walk_.scopes.push_back({&closure_.primary().template_(), -1, root_.prefix});
    int chain = -1;
    if (root_.hooks != nullptr) {
      for (const v1::AppliedHook& hook : *root_.hooks) {
        // Declared outside this closure: a declaration here of the same name
        // must carry the same node-level defaults, as in a static closure.
        // (An implicit hook is no declaration.)
        if (!hook.implicit()) first_declaration_.try_emplace(
            hook.name(),
            FirstDeclaration{
                static_cast<int>(walk_.links.size()),
                hook.has_node_defaults() && hook.decorator_size() > 0
                    ? encoding::DeterministicBytes(hook.decorator(0))
                    : ""});
        walk_.links.push_back({hook.name(), nullptr, nullptr, &hook,
                               hook.declared_at(), -1, chain});
        walk_.links.back().implicit = hook.implicit();
        chain = static_cast<int>(walk_.links.size()) - 1;
      }
    }
    PushWorkflow(0, chain, 0);
    while (!stack_.empty() && !stopped_) {
      const Pending item = stack_.back();
      stack_.pop_back();
      Visit(item);
    }
    CheckInstancePaths();
    return std::move(walk_);
  }

 private:
  void Fail(std::string field, std::string description,
            v1::Violation::Category category = v1::Violation::BAD_CLOSURE,
            std::string node_path = "") {
    Collect(MakeViolation(std::move(field), std::move(description),
                          "BAD_CLOSURE", category, std::move(node_path)),
            &walk_.violations);
  }

  // A limit passed: the walk stops, since what follows could cost without
  // bound.
  void Limit(std::string field, std::string description, std::string reason,
             std::string node_path = "") {
    walk_.violations.push_back(MakeViolation(
        std::move(field), std::move(description), std::move(reason),
        v1::Violation::LIMIT_EXCEEDED, std::move(node_path)));
    stopped_ = true;
  }

  void PushWorkflow(int scope, int chain, int depth) {
    const WorkflowTemplate& wf = *walk_.scopes[scope].workflow;
    if (wf.has_failure_node())
      stack_.push_back({&wf.failure_node(), scope, chain, depth});
    for (int i = wf.nodes_size() - 1; i >= 0; --i) {
      stack_.push_back({&wf.nodes(i), scope, chain, depth});
    }
  }

  std::string PathOf(const Pending& item) const {
    return absl::StrCat(walk_.scopes[item.scope].prefix, item.node->id());
  }

  int Declare(absl::string_view name,
              const flyteidl::core::TaskNodeOverrides* defaults,
              const Pending& item, int chain) {
    std::string path = PathOf(item);
    if (std::string problem = HookNameProblem(name); !problem.empty()) {
      Fail(absl::StrCat("node ", path, " runtime_override.name"),
           absl::StrCat("hook name \"", name, "\": ", problem),
           v1::Violation::BAD_CLOSURE, path);
    }
    const bool repeats = CheckConflict(name, defaults, item.node, path);
    walk_.links.push_back({name, defaults, item.node, nullptr, std::move(path),
                           item.scope, chain, repeats});
    return static_cast<int>(walk_.links.size()) - 1;
  }

  // Two declarations of one name must agree on their node-level defaults;
  // call sites of one reused template are the same declaration. Returns
  // whether this declaration repeats an earlier one of its name.
  bool CheckConflict(absl::string_view name,
                     const flyteidl::core::TaskNodeOverrides* defaults,
                     const Node* node, const std::string& path) {
    auto [it, inserted] = first_declaration_.try_emplace(name);
    if (inserted) {
      it->second.link = static_cast<int>(walk_.links.size());
      it->second.bytes =
          defaults ? encoding::DeterministicBytes(*defaults) : "";
      return false;
    }
    const HookLink& first = walk_.links[it->second.link];
    if (first.node == node) return true;
    // Deterministic bytes are equal exactly when the documents are.
    if ((defaults ? encoding::DeterministicBytes(*defaults) : "") ==
        it->second.bytes) {
      return true;
    }
    Fail(
        absl::StrCat("node ", path, " runtime_override"),
        absl::StrCat(
            "hook \"", name, "\" is declared at ", first.declared_at,
            " and at ", path,
            " with different defaults; one name must mean one set of defaults"),
        v1::Violation::BAD_CLOSURE, path);
    return false;
  }

  bool Deeper(const Pending& item) {
    if (item.depth + 1 <= limits_.max_depth) return true;
    const std::string path = PathOf(item);
    walk_.violations.push_back(MakeViolation(
        absl::StrCat("node ", path),
        absl::StrCat("nesting deeper than ", limits_.max_depth,
                     " sub-workflow, branch and array levels at ", path),
        "NESTING_TOO_DEEP", v1::Violation::LIMIT_EXCEEDED, path));
    return false;
  }

  void Visit(const Pending& item) {
    if (++visited_ > limits_.max_nodes) {
      Limit("closure",
            absl::StrCat("the closure expands to more than ", limits_.max_nodes,
                         " node instances"),
            "TOO_MANY_NODES");
      return;
    }
    if (budget_ != nullptr && !budget_->Spend()) {
      if (budget_->spent()) {
        Limit("closure",
              absl::StrCat("resolving this request takes more than ",
                           budget_->max_units(), " units of work"),
              "WORK_BUDGET_EXCEEDED");
      }
      stopped_ = true;  // stopped by the caller: it says why
      return;
    }
    const Node& node = *item.node;
    if (node.id().size() > limits_.max_node_id_bytes) {
      Limit(absl::StrCat("node ", node.id().substr(0, 64), "..."),
            absl::StrCat("a node id of ", node.id().size(),
                         " bytes; at most ", limits_.max_node_id_bytes),
            "NODE_ID_TOO_LONG");
      return;
    }
    int chain = item.chain;
    if (node.has_runtime_override()) {
      chain = Declare(node.runtime_override().name(),
                      node.runtime_override().has_defaults()
                          ? &node.runtime_override().defaults()
                          : nullptr,
                      item, chain);
    }
    switch (node.target_case()) {
      case Node::kTaskNode:
        VisitTask(item, chain);
        break;
      case Node::kWorkflowNode:
        VisitWorkflowNode(item, chain);
        break;
      case Node::kBranchNode: {
        if (!Deeper(item)) return;
        const auto& if_else = node.branch_node().if_else();
        const Pending inner{nullptr, item.scope, chain, item.depth + 1};
        if (if_else.has_else_node())
          stack_.push_back(
              {&if_else.else_node(), inner.scope, chain, inner.depth});
        for (int i = if_else.other_size() - 1; i >= 0; --i) {
          if (if_else.other(i).has_then_node()) {
            stack_.push_back({&if_else.other(i).then_node(), inner.scope, chain,
                              inner.depth});
          }
        }
        if (if_else.case_().has_then_node()) {
          stack_.push_back(
              {&if_else.case_().then_node(), inner.scope, chain, inner.depth});
        }
        break;
      }
      case Node::kArrayNode:
        if (!Deeper(item)) return;
        if (node.array_node().has_node()) {
          stack_.push_back(
              {&node.array_node().node(), item.scope, chain, item.depth + 1});
        }
        break;
      default:  // gate nodes, start and end nodes: no task nodes beneath
        break;
    }
  }

  void VisitTask(const Pending& item, int chain) {
    const auto& task_node = item.node->task_node();
    const absl::string_view draft_name = task_node.runtime_override_name();
    if (!draft_name.empty() &&
        !(chain != item.chain && walk_.links[chain].name == draft_name)) {
      chain = Declare(draft_name, nullptr, item, chain);
    }
    auto it = tasks_.find(KeyOf(task_node.reference_id()));
    if (it == tasks_.end()) {
      const std::string path = PathOf(item);
      Fail(absl::StrCat("node ", path, " task_node.reference_id"),
           absl::StrCat("task node ", path, " references task ",
                        IdentifierString(task_node.reference_id()),
                        ", which is not in the closure's tasks"),
           v1::Violation::BAD_CLOSURE, path);
      return;
    }
    const int implicit = ImplicitHook(item, chain);
    std::string path = PathOf(item);
    path_bytes_ += path.size();
    if (path_bytes_ > limits_.max_path_bytes) {
      Limit("closure",
            absl::StrCat("the node paths of the task node instances add up "
                         "to more than ",
                         limits_.max_path_bytes, " bytes"),
            "PATH_BYTES_EXCEEDED", std::move(path));
      return;
    }
    if (chain < 0 && implicit < 0) {
      walk_.uncovered.push_back(std::move(path));
      return;
    }
    walk_.instances.push_back(
        {std::move(path), item.node, it->second, chain, item.scope, implicit});
  }

  // The implicit hook of a task node instance, or -1: none asked for, the
  // node has no name, or a hook of that name covers it already.
  int ImplicitHook(const Pending& item, int chain) {
    if (implicit_ != ImplicitHooks::kNodeName) return -1;
    const std::string& given = item.node->metadata().name();
    if (given.empty()) return -1;
    std::string name = NormalizeHookName(given);
    const std::string path = PathOf(item);
    if (name.empty()) {
      // Once per node, however many instances a reused template gives it.
      if (!unnamed_.insert(item.node).second) return -1;
      Collect(MakeViolation(
          absl::StrCat("node ", path, " metadata.name"),
          absl::StrCat("node name \"", absl::CEscape(given),
                       "\" makes no hook name: the node has no implicit hook"),
          "NO_IMPLICIT_HOOK", v1::Violation::INVALID_VALUE, path),
          &walk_.warnings);
      return -1;
    }
    for (int i = chain; i >= 0; i = walk_.links[i].parent) {
      if (walk_.links[i].name == name) return -1;
    }
    walk_.implicit_names.push_back(std::move(name));
    HookLink link{walk_.implicit_names.back(), nullptr, item.node, nullptr,
                  path, item.scope, -1};
    link.implicit = true;
    walk_.links.push_back(std::move(link));
    return static_cast<int>(walk_.links.size()) - 1;
  }

  void VisitWorkflowNode(const Pending& item, int chain) {
    const auto& wf_node = item.node->workflow_node();
    // A launch plan node starts a child execution, with its own overrides.
    if (!wf_node.has_sub_workflow_ref()) return;
    const std::string path = PathOf(item);
    auto it = workflows_.find(KeyOf(wf_node.sub_workflow_ref()));
    if (it == workflows_.end()) {
      Fail(absl::StrCat("node ", path, " workflow_node.sub_workflow_ref"),
           absl::StrCat("workflow node ", path, " references sub-workflow ",
                        IdentifierString(wf_node.sub_workflow_ref()),
                        ", which is not in the closure's sub_workflows"),
           v1::Violation::BAD_CLOSURE, path);
      return;
    }
    for (int s = item.scope; s >= 0; s = walk_.scopes[s].parent) {
      if (walk_.scopes[s].workflow == it->second) {
        Fail(absl::StrCat("node ", path, " workflow_node.sub_workflow_ref"),
             absl::StrCat("workflow node ", path, " calls sub-workflow ",
                          IdentifierString(wf_node.sub_workflow_ref()),
                          ", which encloses it: a reference cycle"),
             v1::Violation::BAD_CLOSURE, path);
        return;
      }
    }
    if (!Deeper(item)) return;
    // Every scope keeps its prefix: those bytes count as paths do.
    path_bytes_ += path.size() + 1;
    if (path_bytes_ > limits_.max_path_bytes) {
      Limit("closure",
            absl::StrCat("the node paths of the instances add up to more "
                         "than ",
                         limits_.max_path_bytes, " bytes"),
            "PATH_BYTES_EXCEEDED", path);
      return;
    }
    walk_.scopes.push_back(
        {it->second, item.scope, absl::StrCat(path, "/"), item.node});
    PushWorkflow(static_cast<int>(walk_.scopes.size()) - 1, chain,
                 item.depth + 1);
  }

  static const std::string& PathOf(const std::string& path) { return path; }
  static const std::string& PathOf(const Instance& instance) {
    return instance.path;
  }

  // Sorts the paths as a compact copy of views, then moves each item once:
  // instances are large and scattered.
  template <typename T>
  static void SortByPath(std::vector<T>* items) {
    std::vector<KeyedIndex> order;
    order.reserve(items->size());
    for (uint32_t i = 0; i < items->size(); ++i)
      order.push_back({PathOf((*items)[i]), i});
    SortByKey(&order);
    std::vector<T> sorted;
    sorted.reserve(items->size());
    for (const KeyedIndex& at : order) sorted.push_back(std::move((*items)[at.index]));
    *items = std::move(sorted);
  }

  // Node paths name instances in records and look-ups, so they must be unique.
  void CheckInstancePaths() {
    SortByPath(&walk_.uncovered);
    SortByPath(&walk_.instances);
    for (size_t i = 1; i < walk_.instances.size(); ++i) {
      if (walk_.instances[i].path == walk_.instances[i - 1].path) {
        const std::string& path = walk_.instances[i].path;
        Fail(absl::StrCat("node ", path),
             absl::StrCat("two task node instances share the node path ", path,
                          "; node ids must be unique within a workflow"),
             v1::Violation::BAD_CLOSURE, path);
      }
    }
  }

  const CompiledWorkflowClosure& closure_;
  const WalkLimits limits_;
  const WalkRoot& root_;
  const ImplicitHooks implicit_;
  WorkBudget* const budget_;
  size_t path_bytes_ = 0;
  absl::flat_hash_set<const Node*> unnamed_;  // nodes warned of
  absl::flat_hash_map<IdKey, const TaskTemplate*> tasks_;
  absl::flat_hash_map<IdKey, const WorkflowTemplate*> workflows_;
  struct FirstDeclaration {
    int link;
    std::string bytes;  // its defaults, deterministically serialized
  };
  absl::flat_hash_map<absl::string_view, FirstDeclaration> first_declaration_;
  std::vector<Pending> stack_;
  int visited_ = 0;
  bool stopped_ = false;
  ClosureWalk walk_;
};

}  // namespace

std::vector<const HookLink*> ClosureWalk::HookChain(
    const Instance& instance) const {
  std::vector<const HookLink*> chain;
  for (int i = instance.innermost_hook; i >= 0; i = links[i].parent) {
    chain.push_back(&links[i]);
  }
  // The implicit hook is the least specific: outermost.
  if (instance.implicit_hook >= 0) chain.push_back(&links[instance.implicit_hook]);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

ClosureWalk WalkClosure(const CompiledWorkflowClosure& closure,
                        const WalkLimits& limits, const WalkRoot& root,
                        ImplicitHooks implicit, WorkBudget* budget) {
  return Walker(closure, limits, root, implicit, budget).Run();
}

}  // namespace flyteoverride::resolver
