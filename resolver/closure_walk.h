// The closure walk: every task node instance a runtime-override hook covers,
// with its node path and the chain of hooks covering it (docs/design.md section 4).
#ifndef FLYTEOVERRIDE_RESOLVER_CLOSURE_WALK_H_
#define FLYTEOVERRIDE_RESOLVER_CLOSURE_WALK_H_

#include <deque>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/record.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/work_budget.h"

namespace flyteoverride::resolver {

// Each limit, when passed, is a LIMIT_EXCEEDED violation with its own
// reason (docs/operations.md lists them with their defaults).
struct WalkLimits {
  // Sub-workflow, branch and array nesting, counted together
  // (NESTING_TOO_DEEP).
  int max_depth = 64;
  // Nodes visited, counting each instance of a reused sub-workflow: bounds
  // the work a closure can ask for (reuse can multiply instances)
  // (TOO_MANY_NODES).
  int max_nodes = 2'000'000;
  // One node id (NODE_ID_TOO_LONG).
  size_t max_node_id_bytes = 1024;
  // The node paths of every task node instance together: a path repeats
  // every id above it, so long ids nested deep multiply
  // (PATH_BYTES_EXCEEDED).
  size_t max_path_bytes = 32 << 20;
};

// A workflow template as instantiated at one place in the execution.
struct Scope {
  const flyteidl::core::WorkflowTemplate* workflow;
  int parent;          // index into ClosureWalk::scopes; -1 for the primary
  std::string prefix;  // node path of the instance plus "/", "" for primary
  // The workflow node that instantiates it; null for the primary.
  const flyteidl::core::Node* call = nullptr;
};

// One declaration of a hook, as instantiated (a hook in a reused sub-workflow
// has one per call site). Links form a tree: `parent` is the next hook out.
struct HookLink {
  absl::string_view name;
  // Node-level defaults; null when the node declares none (draft IDL form).
  const flyteidl::core::TaskNodeOverrides* defaults;
  const flyteidl::core::Node*
      node;  // null for a hook covering a dynamic parent
  // Set for a hook covering the dynamic task whose closure is walked: its
  // DECORATOR documents as recorded, instead of defaults and scopes.
  const v1::AppliedHook* applied = nullptr;
  std::string declared_at;  // node path of the declaring node
  int scope;                // the scope the declaring node sits in
  int parent;               // index into ClosureWalk::links; -1 at the top
  // Its defaults equal an earlier declaration's of the same name: they need
  // checking once.
  bool repeats_earlier = false;
  // Named after the node's NodeMetadata.name, not declared: no defaults,
  // outermost in its instance's chain, in no other chain.
  bool implicit = false;
};

// A task node instance covered by at least one hook.
struct Instance {
  std::string path;
  const flyteidl::core::Node* node;
  const flyteidl::core::TaskTemplate* task;
  int innermost_hook;  // index into ClosureWalk::links; -1: none declared
  int scope;
  int implicit_hook = -1;  // index into ClosureWalk::links; -1: none
};

// Everything the walk found. Pointers point into the walked closure, which
// must outlive this. Immutable once built; safe to share across threads.
struct ClosureWalk {
  std::vector<Scope> scopes;
  std::vector<HookLink> links;
  // Sorted by node path.
  std::vector<Instance> instances;
  // Task node instances no hook covers, sorted by node path.
  std::vector<std::string> uncovered;
  // BAD_CLOSURE and LIMIT_EXCEEDED problems: missing references, cycles,
  // nesting, bad or conflicting hook declarations, duplicate node paths.
  std::vector<v1::Violation> violations;
  // Node names no implicit hook could be named after.
  std::vector<v1::Violation> warnings;
  // The names of implicit hooks, which their links view. A deque keeps each
  // where it is, also when the walk is moved.
  std::deque<std::string> implicit_names;

  // The hooks covering `instance`, outermost first.
  std::vector<const HookLink*> HookChain(const Instance& instance) const;
};

// Which hooks cover task nodes besides those declared.
enum class ImplicitHooks {
  kOff,
  // Every task node instance also gets a hook named after its
  // NodeMetadata.name (NormalizeHookName), unless a hook of that name
  // covers it already.
  kNodeName,
};

// Where a walked closure sits: at the top of an execution (the default), or
// beneath the node of a dynamic task, whose hooks then cover every instance
// as outer hooks. `hooks` (outermost first) must outlive the walk.
struct WalkRoot {
  std::string prefix;  // "" or the dynamic task's node path plus "/"
  const google::protobuf::RepeatedPtrField<v1::AppliedHook>* hooks = nullptr;
};

// Walks the primary workflow of `closure` (nodes and failure node, into
// sub-workflows, branches and array nodes). Never recurses on input depth.
// Each node visited spends a unit of `budget` (when given); a spent or
// stopped budget ends the walk (a spent one with a WORK_BUDGET_EXCEEDED
// violation).
ClosureWalk WalkClosure(const flyteidl::core::CompiledWorkflowClosure& closure,
                        const WalkLimits& limits, const WalkRoot& root = {},
                        ImplicitHooks implicit = ImplicitHooks::kOff,
                        WorkBudget* budget = nullptr);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_CLOSURE_WALK_H_
