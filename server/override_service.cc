#include "server/override_service.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "resolver/digest.h"
#include "resolver/inspect.h"
#include "resolver/json_format.h"
#include "server/status.h"

namespace flyteoverride::server {
namespace {

using flyteidl::core::WorkflowExecutionIdentifier;

bool HasExecutionId(const WorkflowExecutionIdentifier& id) {
  return !id.project().empty() || !id.domain().empty() || !id.name().empty();
}

absl::StatusOr<storage::ExecutionKey> KeyOf(
    const WorkflowExecutionIdentifier& id) {
  std::vector<std::string> missing;
  if (id.project().empty()) missing.push_back("execution_id.project");
  if (id.domain().empty()) missing.push_back("execution_id.domain");
  if (id.name().empty()) missing.push_back("execution_id.name");
  if (!missing.empty()) {
    std::vector<v1::Violation> violations;
    for (const std::string& field : missing) {
      v1::Violation violation;
      violation.set_field(field);
      violation.set_description(absl::StrCat(field, " is required"));
      violation.set_reason("MISSING_FIELD");
      violations.push_back(std::move(violation));
    }
    return ViolationStatus(
        absl::StatusCode::kInvalidArgument,
        "an execution id needs a project, a domain and a name", violations);
  }
  return storage::ExecutionKey{id.project(), id.domain(), id.name(), id.org()};
}

// The rules for the execution's project and domain, taken from its id, or
// from the closure's primary workflow id when there is none (DESIGN
// section 7). Nullopt without a policy.
std::optional<resolver::Policy> PolicyFor(
    const PolicyHolder* holder, const WorkflowExecutionIdentifier& id,
    const flyteidl::core::CompiledWorkflowClosure& closure) {
  if (holder == nullptr) return std::nullopt;
  const std::shared_ptr<const resolver::PolicySet> set = holder->Get();
  if (HasExecutionId(id)) return set->For(id.project(), id.domain());
  const auto& workflow = closure.primary().template_().id();
  return set->For(workflow.project(), workflow.domain());
}

// The scope an Inspect asks for, as an execution id; empty when it names
// none (then the closure's workflow id decides).
WorkflowExecutionIdentifier ScopeOf(const v1::InspectWorkflowRequest& request) {
  WorkflowExecutionIdentifier scope;
  if (request.project().empty() && request.domain().empty()) return scope;
  const auto& workflow = request.closure().primary().template_().id();
  scope.set_project(request.project().empty() ? workflow.project()
                                              : request.project());
  scope.set_domain(request.domain().empty() ? workflow.domain()
                                            : request.domain());
  scope.set_name("inspect");  // marks the id as given
  return scope;
}

absl::Status CheckDeadline(absl::Time deadline, const storage::Clock& clock) {
  if (clock.Now() < deadline) return absl::OkStatus();
  return absl::DeadlineExceededError(
      "the call's deadline passed before it could finish");
}

absl::Status Failure(std::vector<v1::Violation> violations) {
  const absl::StatusCode code = CodeForViolations(violations);
  const std::string message = absl::StrCat(
      violations.size(),
      violations.size() == 1 ? " violation: " : " violations; first: ",
      violations.front().description());
  return ViolationStatus(code, message, violations);
}

// Records keep only what propeller reads; explain output is recomputed.
v1::StoredNode ToStored(const v1::ResolvedNode& node,
                        std::vector<v1::AppliedHook> hooks) {
  v1::StoredNode stored;
  *stored.mutable_node() = node;
  stored.mutable_node()->clear_effective();
  stored.mutable_node()->clear_provenance();
  for (auto& hook : hooks) *stored.add_hooks() = std::move(hook);
  return stored;
}

int CountHooks(const v1::ResolveResponse& response) {
  int hooks = 0;
  for (const auto& node : response.nodes()) hooks += node.hooks_size();
  return hooks;
}

// ResolveOptions.rewrite_closure: the closure an unmodified Flyte v1 runs
// with `response`'s overrides. The request was parsed already, so the
// closure is rewritten from its re-encoding: fields outside the subset are
// kept, after the known ones of their message.
absl::Status AddRewrittenClosure(const v1::ResolveRequest& request,
                                 resolver::RewriteOptions options,
                                 const resolver::WalkLimits& walk,
                                 v1::ResolveResponse* response) {
  options.walk = walk;
  auto rewritten =
      resolver::RewriteClosure(resolver::DeterministicBytes(request.closure()),
                               request.closure(), *response, options);
  if (!rewritten.ok()) return absl::InternalError(rewritten.status().message());
  if (!rewritten->ok()) return Failure(std::move(rewritten->violations));
  if (!response->mutable_rewritten_closure()->ParseFromString(
          rewritten->closure)) {
    return absl::InternalError("the rewritten closure does not parse");
  }
  for (v1::TemplateCopy& copy : rewritten->copies)
    *response->add_template_copies() = std::move(copy);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::InspectWorkflowResponse> OverrideService::InspectWorkflow(
    const v1::InspectWorkflowRequest& request, CallStats* stats) const {
  const std::optional<resolver::Policy> policy =
      PolicyFor(options_.policy, ScopeOf(request), request.closure());
  v1::InspectWorkflowResponse response = resolver::Inspect(
      request.closure(), options_.limits.walk, policy ? &*policy : nullptr);
  stats->hooks = response.hooks_size();
  for (const auto& hook : response.hooks())
    stats->nodes += hook.node_paths_size();
  for (const v1::Violation& diagnostic : response.diagnostics()) {
    // Diagnostics are the answer, except a limit: that is the caller's to fix.
    if (diagnostic.category() == v1::Violation::LIMIT_EXCEEDED) {
      return ViolationStatus(absl::StatusCode::kResourceExhausted,
                             diagnostic.description(), {diagnostic});
    }
  }
  return response;
}

absl::StatusOr<v1::ResolveResponse> OverrideService::Resolve(
    const v1::ResolveRequest& request, absl::Time deadline, CallStats* stats,
    std::vector<v1::Violation> read_violations) const {
  const bool record =
      HasExecutionId(request.execution_id()) && !request.options().dry_run();
  storage::ExecutionKey key;
  if (HasExecutionId(request.execution_id())) {
    auto parsed = KeyOf(request.execution_id());
    if (!parsed.ok()) return parsed.status();
    key = *std::move(parsed);
  }
  resolver::ResolveContext context;
  context.collect_applied_hooks = record;
  const std::optional<resolver::Policy> policy =
      PolicyFor(options_.policy, request.execution_id(), request.closure());
  if (policy) context.policy = &*policy;
  resolver::ResolveResult result =
      resolver::Resolve(request, options_.limits, context);
  stats->nodes = result.response.nodes_size();
  stats->hooks = CountHooks(result.response);
  if (!read_violations.empty()) {
    read_violations.insert(read_violations.end(), result.violations.begin(),
                           result.violations.end());
    resolver::CapViolations(options_.limits.max_violations, &read_violations);
    result.violations = std::move(read_violations);
  }
  if (!result.ok()) return Failure(std::move(result.violations));
  result.response.set_input_digest(resolver::InputDigest(request));
  if (request.options().rewrite_closure()) {
    if (auto status = AddRewrittenClosure(
            request, options_.rewrite, options_.limits.walk, &result.response);
        !status.ok())
      return status;
  }
  if (!record) return std::move(result.response);

  if (auto status = CheckDeadline(deadline, clock_); !status.ok())
    return status;
  storage::ExecutionRecord stored{key, result.response.input_digest()};
  *stored.maps.mutable_launch_plan_overrides() =
      request.launch_plan_overrides();
  *stored.maps.mutable_execution_overrides() = request.execution_overrides();
  for (int i = 0; i < result.response.nodes_size(); ++i) {
    stored.nodes.push_back(
        ToStored(result.response.nodes(i), std::move(result.applied_hooks[i])));
  }
  stored.created = clock_.Now();
  stored.expires = stored.created + options_.retention;
  auto outcome = store_->PutIfAbsent(stored);
  if (!outcome.ok()) return outcome.status();
  if (outcome->input_digest != stored.input_digest) {
    return absl::AlreadyExistsError(absl::StrCat(
        "execution ", key.ToString(),
        " was resolved with other inputs (recorded digest ",
        outcome->input_digest, ", this call's ", stored.input_digest, ")"));
  }
  if (outcome->created) return std::move(result.response);
  // Same inputs: the answer is the recorded one. Resolution is deterministic,
  // so the fresh result matches it unless the operator policy changed since;
  // then the record wins, as FlyteAdmin may already have acted on it.
  return ReplayRecorded(key, std::move(result.response));
}

absl::StatusOr<v1::ResolveResponse> OverrideService::ReplayRecorded(
    const storage::ExecutionKey& key, v1::ResolveResponse fresh) const {
  auto recorded = store_->GetNodes(key, "");
  if (!recorded.ok()) return recorded.status();
  bool same = recorded->size() == static_cast<size_t>(fresh.nodes_size());
  for (size_t i = 0; same && i < recorded->size(); ++i) {
    const v1::ResolvedNode& was = (*recorded)[i].node();
    const v1::ResolvedNode& now = fresh.nodes(static_cast<int>(i));
    same = was.node_path() == now.node_path() &&
           resolver::DeterministicBytes(was.overrides()) ==
               resolver::DeterministicBytes(now.overrides());
  }
  if (same) return fresh;
  v1::ResolveResponse replay;
  replay.set_input_digest(fresh.input_digest());
  for (v1::StoredNode& node : *recorded)
    *replay.add_nodes() = std::move(*node.mutable_node());
  v1::Violation* warning = replay.add_warnings();
  warning->set_reason("RECORDED_ANSWER");
  warning->set_description(
      absl::StrCat("execution ", key.ToString(),
                   " was recorded under an earlier operator policy; the "
                   "recorded overrides are returned"));
  return replay;
}

absl::StatusOr<v1::GetResolvedResponse> OverrideService::GetResolved(
    const v1::GetResolvedRequest& request, CallStats* stats) const {
  auto key = KeyOf(request.execution_id());
  if (!key.ok()) return key.status();
  auto header = store_->GetHeader(*key);
  if (!header.ok()) return header.status();
  auto nodes = store_->GetNodes(*key, request.node_path());
  if (!nodes.ok()) return nodes.status();
  v1::GetResolvedResponse response;
  response.set_input_digest(header->input_digest);
  for (v1::StoredNode& node : *nodes) {
    stats->hooks += node.node().hooks_size();
    *response.add_nodes() = std::move(*node.mutable_node());
  }
  stats->nodes = response.nodes_size();
  return response;
}

absl::StatusOr<v1::ResolveDynamicResponse> OverrideService::ResolveDynamic(
    const v1::ResolveDynamicRequest& request, absl::Time deadline,
    CallStats* stats) const {
  auto key = KeyOf(request.execution_id());
  if (!key.ok()) return key.status();
  if (request.parent_node_path().empty()) {
    v1::Violation violation;
    violation.set_field("parent_node_path");
    violation.set_description(
        "parent_node_path is required: the dynamic task's node path");
    violation.set_reason("MISSING_FIELD");
    return ViolationStatus(absl::StatusCode::kInvalidArgument,
                           violation.description(), {violation});
  }
  auto header = store_->GetHeader(*key);
  if (!header.ok()) return header.status();

  resolver::ResolveContext context;
  context.parent_path = request.parent_node_path();
  context.collect_applied_hooks = true;
  const std::optional<resolver::Policy> policy =
      PolicyFor(options_.policy, request.execution_id(), request.closure());
  if (policy) context.policy = &*policy;
  // A parent no hook covers has no record of its own: its new nodes are
  // covered only by hooks they declare themselves.
  auto parent = store_->GetNodes(*key, request.parent_node_path());
  if (parent.ok()) {
    context.parent_hooks = std::move(*(*parent)[0].mutable_hooks());
  } else if (parent.status().code() != absl::StatusCode::kNotFound) {
    return parent.status();
  }

  v1::ResolveRequest resolve;
  *resolve.mutable_closure() = request.closure();
  *resolve.mutable_launch_plan_overrides() =
      header->maps.launch_plan_overrides();
  *resolve.mutable_execution_overrides() = header->maps.execution_overrides();
  *resolve.mutable_options() = request.options();
  resolver::ResolveResult result =
      resolver::Resolve(resolve, options_.limits, context);
  stats->nodes = result.response.nodes_size();
  stats->hooks = CountHooks(result.response);
  if (!result.ok()) return Failure(std::move(result.violations));

  v1::ResolveDynamicResponse response;
  *response.mutable_nodes() = std::move(*result.response.mutable_nodes());
  *response.mutable_warnings() = std::move(*result.response.mutable_warnings());
  if (request.options().dry_run()) return response;

  if (auto status = CheckDeadline(deadline, clock_); !status.ok())
    return status;
  const std::string digest =
      resolver::InputDigest(resolve) + ":" + request.parent_node_path();
  std::vector<v1::StoredNode> stored;
  for (int i = 0; i < response.nodes_size(); ++i) {
    stored.push_back(
        ToStored(response.nodes(i), std::move(result.applied_hooks[i])));
  }
  auto outcome =
      store_->PutDynamic(*key, request.parent_node_path(), digest, stored);
  if (!outcome.ok()) return outcome.status();
  if (outcome->input_digest != digest) {
    return absl::AlreadyExistsError(absl::StrCat(
        "the dynamic nodes of ", request.parent_node_path(), " in execution ",
        key->ToString(), " were resolved from another closure"));
  }
  return response;
}

}  // namespace flyteoverride::server
