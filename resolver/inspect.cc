#include "resolver/inspect.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "resolver/validate.h"
#include "resolver/violations.h"

namespace flyteoverride::resolver {

v1::InspectWorkflowResponse Inspect(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    const WalkLimits& limits, const v1::PolicyView* policy,
    ImplicitHooks implicit) {
  const ClosureWalk walk = WalkClosure(closure, limits, {}, implicit);
  std::map<absl::string_view, v1::Hook> hooks;  // ordered by name
  // Implicit while no node declares the name.
  for (const HookLink& link : walk.links) {
    if (!link.implicit) continue;
    v1::Hook& hook = hooks[link.name];
    hook.set_name(std::string(link.name));
    hook.set_implicit(true);
  }
  for (const HookLink& link : walk.links) {
    if (link.implicit) continue;
    v1::Hook& hook = hooks[link.name];
    hook.set_name(std::string(link.name));
    hook.set_implicit(false);
    v1::HookDeclaration* declaration = hook.add_declarations();
    declaration->set_node_path(link.declared_at);
    if (link.defaults != nullptr)
      *declaration->mutable_defaults() = *link.defaults;
    for (int s = link.scope; s >= 0; s = walk.scopes[s].parent) {
      const Scope& scope = walk.scopes[s];
      auto it = scope.workflow->runtime_override_defaults().find(
          std::string(link.name));
      if (it == scope.workflow->runtime_override_defaults().end()) continue;
      const std::string at =
          scope.prefix.empty()
              ? ""
              : scope.prefix.substr(0, scope.prefix.size() - 1);
      (*hook.mutable_workflow_defaults())[at] = it->second;
    }
  }
  std::map<absl::string_view, std::set<std::string>> task_ids;
  for (const Instance& instance : walk.instances) {
    for (const HookLink* link : walk.HookChain(instance)) {
      v1::Hook& hook = hooks[link->name];
      if (hook.node_paths_size() == 0 ||
          hook.node_paths(hook.node_paths_size() - 1) != instance.path) {
        hook.add_node_paths(instance.path);  // instances come sorted
      }
      if (task_ids[link->name]
              .insert(IdentifierString(instance.task->id()))
              .second) {
        *hook.add_task_ids() = instance.task->id();
      }
    }
  }
  v1::InspectWorkflowResponse response;
  for (auto& [name, hook] : hooks) {
    // The same rules apply to every hook of the execution.
    if (policy != nullptr) *hook.mutable_policy() = *policy;
    // Task ids in a stable order: by their printed form.
    std::sort(hook.mutable_task_ids()->begin(), hook.mutable_task_ids()->end(),
              [](const auto& a, const auto& b) {
                return IdentifierString(a) < IdentifierString(b);
              });
    *response.add_hooks() = std::move(hook);
  }
  for (const v1::Violation& violation : walk.violations)
    *response.add_diagnostics() = violation;
  for (const v1::Violation& warning : walk.warnings)
    *response.add_warnings() = warning;
  std::vector<v1::Violation> defaults;
  ValidateClosureDefaults(walk, &defaults);
  for (v1::Violation& violation : defaults)
    *response.add_diagnostics() = std::move(violation);
  return response;
}

}  // namespace flyteoverride::resolver
