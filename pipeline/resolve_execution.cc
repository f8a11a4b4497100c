#include "pipeline/resolve_execution.h"

#include <optional>
#include <utility>

#include "encoding/digest.h"
#include "encoding/json_format.h"
#include "policy/policy_check.h"
#include "absl/strings/str_cat.h"
#include "resolver/inspect.h"
#include "resolver/leaf_set.h"
#include "resolver/merge.h"
#include "resolver/violations.h"

namespace flyteoverride::pipeline {
namespace {

// Implicit hooks are on when the caller asks for them or the policy in
// force turns them on for the scope.
resolver::ImplicitHooks ImplicitHooksFor(bool asked,
                                         const policy::Policy* policy) {
  const bool on = asked || (policy != nullptr && policy->implicit_hooks &&
                            *policy->implicit_hooks);
  return on ? resolver::ImplicitHooks::kNodeName : resolver::ImplicitHooks::kOff;
}

// ResolveOptions.rewrite_closure: the closure an unmodified Flyte v1 runs
// with the outcome's overrides. Rewrite violations join the outcome's.
absl::Status AddRewrittenClosure(const v1::ResolveRequest& request,
                                 absl::string_view closure_bytes,
                                 const PipelineOptions& options,
                                 resolver::ImplicitHooks implicit,
                                 ResolveOutcome* outcome) {
  flyte_v1::RewriteOptions rewrite = options.rewrite;
  rewrite.walk = options.limits.walk;
  rewrite.implicit_hooks = implicit;
  std::string reencoded;
  if (closure_bytes.empty()) {
    reencoded = encoding::DeterministicBytes(request.closure());
    closure_bytes = reencoded;
  }
  auto rewritten = flyte_v1::RewriteClosure(closure_bytes, request.closure(),
                                            outcome->response, rewrite);
  if (!rewritten.ok()) return absl::InternalError(rewritten.status().message());
  if (!rewritten->ok()) {
    outcome->violations = std::move(rewritten->violations);
    resolver::CapViolations(options.limits.max_violations,
                            &outcome->violations);
    outcome->response.clear_nodes();
    return absl::OkStatus();
  }
  if (!outcome->response.mutable_rewritten_closure()->ParseFromString(
          rewritten->closure)) {
    return absl::InternalError("the rewritten closure does not parse");
  }
  for (v1::TemplateCopy& copy : rewritten->copies)
    *outcome->response.add_template_copies() = std::move(copy);
  outcome->rewritten_closure_bytes = std::move(rewritten->closure);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ResolveOutcome> ResolveExecution(
    const v1::ResolveRequest& request, const ExecutionContext& context,
    const PipelineOptions& options) {
  std::optional<policy::PolicyCheck> platform;
  resolver::ResolveContext resolve;
  resolve.parent_path = context.parent_path;
  resolve.parent_hooks = context.parent_hooks;
  resolve.collect_applied_hooks = context.collect_applied_hooks;
  resolve.stop = context.stop;
  resolve.explain = context.explain;
  if (context.policy != nullptr) resolve.platform = &platform.emplace(*context.policy);
  resolve.implicit_hooks =
      ImplicitHooksFor(request.options().implicit_hooks(), context.policy);
  resolver::ResolveResult result =
      resolver::Resolve(request, options.limits, resolve);
  if (!result.stopped.ok()) return result.stopped;

  ResolveOutcome outcome;
  outcome.response = std::move(result.response);
  outcome.applied_hooks = std::move(result.applied_hooks);
  outcome.uncovered_task_nodes = std::move(result.uncovered_task_nodes);
  if (!context.read_violations.empty()) {
    // Read problems first: they may explain the violations that follow.
    outcome.violations = context.read_violations;
    outcome.violations.insert(outcome.violations.end(),
                              result.violations.begin(),
                              result.violations.end());
    resolver::CapViolations(options.limits.max_violations,
                            &outcome.violations);
    outcome.response.clear_nodes();
    outcome.applied_hooks.clear();
  } else {
    outcome.violations = std::move(result.violations);
  }
  if (!outcome.ok()) return outcome;
  outcome.response.set_input_digest(encoding::InputDigest(request));
  if (request.options().rewrite_closure()) {
    if (absl::Status status =
            AddRewrittenClosure(request, context.closure_bytes, options,
                                resolve.implicit_hooks, &outcome);
        !status.ok()) {
      return status;
    }
  }
  // What cannot be sent is refused here, before anyone records it.
  if (const size_t bytes = outcome.response.ByteSizeLong();
      outcome.ok() && bytes > options.limits.max_output_bytes) {
    outcome.violations.push_back(resolver::MakeViolation(
        "", absl::StrCat("the answer would be ", bytes, " bytes; at most ",
                         options.limits.max_output_bytes),
        "OUTPUT_TOO_LARGE", v1::Violation::LIMIT_EXCEEDED));
    outcome.response.clear_nodes();
    outcome.response.clear_rewritten_closure();
    outcome.response.clear_template_copies();
    outcome.applied_hooks.clear();
  }
  return outcome;
}

v1::InspectWorkflowResponse InspectWorkflow(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    const policy::Policy* policy, const resolver::WalkLimits& limits,
    bool implicit_hooks) {
  const resolver::ImplicitHooks implicit =
      ImplicitHooksFor(implicit_hooks, policy);
  if (policy == nullptr) return resolver::Inspect(closure, limits, nullptr, implicit);
  const v1::PolicyView view = policy::ViewFor(*policy);
  v1::InspectWorkflowResponse response =
      resolver::Inspect(closure, limits, &view, implicit);
  // An author's default the policy refuses would fail every Resolve that
  // leaves it in place: say so now, where the author can fix it.
  policy::PolicyCheck check(*policy);
  std::vector<v1::Violation> refused, clamped;
  auto judge = [&check, &refused, &clamped](
                   const flyteidl::core::TaskNodeOverrides& defaults,
                   const v1::Hook& hook, const std::string& declared_at) {
    resolver::LeafSet leaves(/*keep_history=*/false);
    leaves.MarkBase();
    resolver::ApplyOverrides(defaults,
                             {v1::DECORATOR, hook.name(), declared_at},
                             &leaves);
    check.Apply(declared_at, &leaves, &refused, &clamped);
  };
  for (const v1::Hook& hook : response.hooks()) {
    for (const v1::HookDeclaration& declaration : hook.declarations()) {
      if (declaration.has_defaults())
        judge(declaration.defaults(), hook, declaration.node_path());
    }
    for (const auto& [at, defaults] : hook.workflow_defaults()) {
      // A workflow's runtime_override_defaults, named as such.
      const size_t before = refused.size();
      judge(defaults, hook, at);
      for (size_t i = before; i < refused.size(); ++i) {
        const std::string& field = refused[i].field();
        const std::string leaf = field.substr(field.rfind(".defaults.") + 10);
        refused[i].set_field(absl::StrCat(
            at.empty() ? "primary workflow" : absl::StrCat("workflow node ", at),
            " runtime_override_defaults[", hook.name(), "].", leaf));
      }
    }
  }
  for (v1::Violation& violation : refused)
    *response.add_diagnostics() = std::move(violation);
  return response;
}

}  // namespace flyteoverride::pipeline
