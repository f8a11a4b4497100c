#include "server/override_service.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "google/protobuf/util/time_util.h"
#include "resolver/violations.h"
#include "server/execution_listing.h"
#include "server/recorded_answers.h"

namespace flyteoverride::server {
namespace {

using flyteidl::core::WorkflowExecutionIdentifier;

bool HasExecutionId(const WorkflowExecutionIdentifier& id) {
  return !id.project().empty() || !id.domain().empty() || !id.name().empty();
}

// The record key of `id`, or the refusal naming each missing part.
Answer<storage::ExecutionKey> KeyOf(const WorkflowExecutionIdentifier& id) {
  std::vector<v1::Violation> violations;
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"execution_id.project",
                                                   &id.project()},
        {"execution_id.domain", &id.domain()},
        {"execution_id.name", &id.name()}}) {
    if (value->empty()) {
      violations.push_back(
          resolver::MissingField(field, absl::StrCat(field, " is required")));
    }
  }
  if (!violations.empty()) {
    return Outcome(absl::InvalidArgumentError(
                       "an execution id needs a project, a domain and a name"),
                   std::move(violations));
  }
  return storage::ExecutionKey{id.project(), id.domain(), id.name(), id.org()};
}

// The rules for the execution's project and domain, taken from its id, or
// from the closure's primary workflow id when there is none
// (docs/design.md section 7). Nullopt without a policy.
std::optional<policy::Policy> PolicyFor(
    const PolicyHolder* holder, const WorkflowExecutionIdentifier& id,
    const flyteidl::core::CompiledWorkflowClosure& closure) {
  if (holder == nullptr) return std::nullopt;
  const std::shared_ptr<const policy::PolicySet> set = holder->Get();
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

// What ends a call's core work early, and how that is answered.
struct Stop {
  absl::Time deadline;
  const storage::Clock& clock;
  const std::atomic<bool>* stop_all;

  bool operator()() const {
    return clock.Now() >= deadline ||
           (stop_all != nullptr && stop_all->load(std::memory_order_relaxed));
  }
  absl::Status Why() const {
    if (clock.Now() >= deadline) {
      return absl::DeadlineExceededError(
          "the call's deadline passed before it could finish");
    }
    return absl::UnavailableError(
        "the server is shutting down; the call was stopped: retry");
  }
};

absl::Status CheckDeadline(absl::Time deadline, const storage::Clock& clock) {
  if (clock.Now() < deadline) return absl::OkStatus();
  return absl::DeadlineExceededError(
      "the call's deadline passed before it could finish");
}

// `path` and each node path it lies beneath, longest first ("a/b/c",
// "a/b", "a").
std::vector<absl::string_view> PathAndAncestors(absl::string_view path) {
  std::vector<absl::string_view> paths;
  for (size_t end = path.size(); end > 0 && end != absl::string_view::npos;
       end = path.rfind('/', end - 1)) {
    paths.push_back(path.substr(0, end));
  }
  return paths;
}

template <typename Response>
int CountHooks(const Response& response) {
  int hooks = 0;
  for (const auto& node : response.nodes()) hooks += node.hooks_size();
  return hooks;
}

// What `stats` count of an answer: its nodes, hooks and warnings. An answer
// taken from the record counts as what it holds, not as the fresh resolution
// it replaced (whose clamps, say, were never answered).
template <typename Response>
void CountAnswer(const Response& response, CallStats* stats) {
  stats->nodes = response.nodes_size();
  stats->hooks = CountHooks(response);
  stats->warnings.assign(response.warnings().begin(),
                         response.warnings().end());
}

// The pipeline as Resolve and ResolveDynamic run it: a stopped call answers
// why it was stopped, a refusal keeps its warnings (an answer's go to
// `stats` too), and `stats` counts the nodes and hooks resolved either way.
Answer<pipeline::ResolveOutcome> RunPipeline(
    const v1::ResolveRequest& request,
    const pipeline::ExecutionContext& context,
    const pipeline::PipelineOptions& options,
    const Stop& stop, CallStats* stats) {
  absl::StatusOr<pipeline::ResolveOutcome> result =
      pipeline::ResolveExecution(request, context, options);
  if (absl::IsCancelled(result.status())) return stop.Why();
  if (!result.ok()) return result.status();
  CountAnswer(result->response, stats);
  if (!result->ok()) {
    return Outcome::Refused(std::move(result->violations),
                            std::exchange(stats->warnings, {}));
  }
  return *std::move(result);
}

}  // namespace

Answer<v1::InspectWorkflowResponse> OverrideService::InspectWorkflow(
    const v1::InspectWorkflowRequest& request, CallStats* stats) const {
  const std::optional<policy::Policy> rules =
      PolicyFor(options_.policy, ScopeOf(request), request.closure());
  v1::InspectWorkflowResponse response =
      pipeline::InspectWorkflow(request.closure(), rules ? &*rules : nullptr,
                                options_.limits.walk, request.implicit_hooks());
  if (request.include_closure()) *response.mutable_closure() = request.closure();
  stats->hooks = response.hooks_size();
  for (const auto& hook : response.hooks())
    stats->nodes += hook.node_paths_size();
  for (const v1::Violation& diagnostic : response.diagnostics()) {
    // Diagnostics are the answer, except a limit: that is the caller's to fix.
    if (diagnostic.category() == v1::Violation::LIMIT_EXCEEDED) {
      return Outcome(absl::ResourceExhaustedError(diagnostic.description()),
                     {diagnostic});
    }
  }
  return response;
}

Answer<v1::ResolveResponse> OverrideService::Resolve(
    const v1::ResolveRequest& request, absl::Time deadline, CallStats* stats,
    std::vector<v1::Violation> read_violations) const {
  const bool record =
      HasExecutionId(request.execution_id()) && !request.options().dry_run();
  storage::ExecutionKey key;
  if (HasExecutionId(request.execution_id())) {
    Answer<storage::ExecutionKey> parsed = KeyOf(request.execution_id());
    if (!parsed.ok()) return std::move(parsed).Deliver(nullptr);
    key = *std::move(parsed);
  }
  const std::optional<policy::Policy> rules =
      PolicyFor(options_.policy, request.execution_id(), request.closure());
  pipeline::ExecutionContext context;
  context.policy = rules ? &*rules : nullptr;
  context.read_violations = std::move(read_violations);
  context.collect_applied_hooks = record;
  const Stop stop{deadline, clock_, options_.stop_all};
  context.stop = stop;
  context.explain = record;  // records keep the explanation
  Answer<pipeline::ResolveOutcome> result =
      RunPipeline(request, context, options_, stop, stats);
  if (!result.ok()) return std::move(result).Deliver(nullptr);
  if (!record) return std::move(result->response);

  if (auto status = CheckDeadline(deadline, clock_); !status.ok())
    return status;
  storage::ExecutionRecord stored{key, result->response.input_digest()};
  *stored.maps.mutable_launch_plan_overrides() =
      request.launch_plan_overrides();
  *stored.maps.mutable_execution_overrides() = request.execution_overrides();
  for (const std::string& path : result->uncovered_task_nodes)
    stored.maps.add_uncovered_task_nodes(path);
  *stored.maps.mutable_warnings() = result->response.warnings();
  for (int i = 0; i < result->response.nodes_size(); ++i) {
    stored.nodes.push_back(ToStored(result->response.nodes(i),
                                    std::move(result->applied_hooks[i])));
  }
  if (!request.options().explain()) DropExplanation(&result->response);
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
  if (outcome->created) return std::move(result->response);
  // Same inputs: the answer is the recorded one. Resolution is deterministic,
  // so the fresh result matches it unless the operator policy changed since;
  // then the record wins, as FlyteAdmin may already have acted on it.
  return ReplayRecorded(key, request.options().explain(),
                        std::move(result->response),
                        result->uncovered_task_nodes, stats);
}

Answer<v1::ResolveResponse> OverrideService::ReplayRecorded(
    const storage::ExecutionKey& key, bool explain, v1::ResolveResponse fresh,
    const std::vector<std::string>& uncovered, CallStats* stats) const {
  auto recorded = RecordedInstead(*store_, key, fresh.nodes(), uncovered);
  if (!recorded.ok()) return recorded.status();
  if (!recorded->has_value()) return fresh;
  v1::ResolveResponse replay;
  replay.set_input_digest(fresh.input_digest());
  AnswerFromRecord(key, **std::move(recorded), explain, &replay);
  CountAnswer(replay, stats);
  return replay;
}

absl::StatusOr<bool> OverrideService::IsTaskNodeOrBeneath(
    const storage::ExecutionKey& key, const v1::StoredMaps& maps,
    absl::string_view path) const {
  const auto& uncovered = maps.uncovered_task_nodes();
  for (absl::string_view candidate : PathAndAncestors(path)) {
    // Bounded by the path's levels (checked by the caller).
    if (std::binary_search(uncovered.begin(), uncovered.end(), candidate))
      return true;
    auto recorded = store_->GetNodes(key, std::string(candidate));
    if (recorded.ok()) return true;
    if (recorded.status().code() != absl::StatusCode::kNotFound)
      return recorded.status();
  }
  return false;
}

Answer<v1::GetResolvedResponse> OverrideService::GetResolved(
    const v1::GetResolvedRequest& request, CallStats* stats) const {
  Answer<storage::ExecutionKey> key = KeyOf(request.execution_id());
  if (!key.ok()) return std::move(key).Deliver(nullptr);
  auto header = store_->GetHeader(*key);
  if (!header.ok()) return header.status();
  auto nodes = store_->GetNodes(*key, request.node_path());
  if (!nodes.ok()) return nodes.status();
  v1::GetResolvedResponse response;
  response.set_input_digest(header->input_digest);
  *response.mutable_warnings() = header->maps.warnings();
  for (v1::StoredNode& node : *nodes) {
    stats->hooks += node.node().hooks_size();
    *response.add_nodes() = std::move(*node.mutable_node());
  }
  if (!request.explain()) DropExplanation(&response);
  stats->nodes = response.nodes_size();
  return response;
}

Answer<v1::ListExecutionsResponse> OverrideService::ListExecutions(
    const v1::ListExecutionsRequest& request, CallStats* stats) const {
  Answer<storage::ListQuery> query = ListQueryOf(request, clock_.Now());
  if (!query.ok()) return std::move(query).Deliver(nullptr);
  // One more than the page: whether another page follows, without a last
  // empty one.
  const int page_size = query->limit;
  ++query->limit;
  auto listed = store_->ListRecords(*query);
  if (!listed.ok()) return listed.status();
  v1::ListExecutionsResponse response = PageOf(*std::move(listed), page_size);
  for (const v1::ExecutionSummary& summary : response.executions())
    stats->hooks += summary.overridden_hooks_size();
  return response;
}

Answer<v1::ResolveDynamicResponse> OverrideService::ResolveDynamic(
    const v1::ResolveDynamicRequest& request, absl::Time deadline,
    CallStats* stats) const {
  Answer<storage::ExecutionKey> key = KeyOf(request.execution_id());
  if (!key.ok()) return std::move(key).Deliver(nullptr);
  if (request.parent_node_path().empty()) {
    v1::Violation violation =
        resolver::MissingField("parent_node_path",
                "parent_node_path is required: the dynamic task's node path");
    return Outcome(absl::InvalidArgumentError(violation.description()),
                   {violation});
  }
  // A path of more levels than a closure may nest, or longer than its ids
  // allow, names no node: refused before any look-up.
  const auto& walk = options_.limits.walk;
  const size_t segments = 1 + absl::c_count(request.parent_node_path(), '/');
  if (segments > static_cast<size_t>(4 * walk.max_depth) ||
      request.parent_node_path().size() > segments * walk.max_node_id_bytes) {
    v1::Violation violation = resolver::MakeViolation(
        "parent_node_path",
        absl::StrCat("a parent node path of ", segments, " levels and ",
                     request.parent_node_path().size(),
                     " bytes names no node of an execution"),
        "PARENT_PATH_TOO_LONG", v1::Violation::LIMIT_EXCEEDED);
    return Outcome(absl::ResourceExhaustedError(violation.description()),
                   {violation});
  }
  auto header = store_->GetHeader(*key);
  if (!header.ok()) return header.status();

  const std::optional<policy::Policy> rules =
      PolicyFor(options_.policy, request.execution_id(), request.closure());
  pipeline::ExecutionContext context;
  context.policy = rules ? &*rules : nullptr;
  context.parent_path = request.parent_node_path();
  context.collect_applied_hooks = true;
  const Stop stop{deadline, clock_, options_.stop_all};
  context.stop = stop;
  // A parent no hook covers has no record of its own: its new nodes are
  // covered only by hooks they declare themselves.
  auto parent = store_->GetNodes(*key, request.parent_node_path());
  if (parent.ok()) {
    context.parent_hooks = std::move(*(*parent)[0].mutable_hooks());
  } else if (parent.status().code() != absl::StatusCode::kNotFound) {
    return parent.status();
  } else if (auto known = IsTaskNodeOrBeneath(*key, header->maps,
                                               request.parent_node_path());
             !known.ok()) {
    return known.status();
  } else if (!*known) {
    // Neither a recorded node nor a task node (or beneath one): recording
    // under it would invent nodes the execution does not have.
    v1::Violation violation = resolver::MakeViolation(
        "parent_node_path",
        absl::StrCat("execution ", key->ToString(), " has no task node ",
                     request.parent_node_path(),
                     " (nor one it lies beneath) for a dynamic task to be"),
        "UNKNOWN_NODE_PATH", v1::Violation::INVALID_VALUE,
        request.parent_node_path());
    return Outcome(absl::NotFoundError(violation.description()), {violation});
  }

  v1::ResolveRequest resolve;
  *resolve.mutable_closure() = request.closure();
  *resolve.mutable_launch_plan_overrides() =
      header->maps.launch_plan_overrides();
  *resolve.mutable_execution_overrides() = header->maps.execution_overrides();
  *resolve.mutable_options() = request.options();
  // Dynamic nodes are applied by propeller as they come; there is no
  // closure for FlyteAdmin to swap. The maps were judged when recorded, so
  // unknown_hooks changes nothing. Records keep the explanation.
  resolve.mutable_options()->clear_rewrite_closure();
  resolve.mutable_options()->clear_unknown_hooks();
  context.explain = true;
  Answer<pipeline::ResolveOutcome> result =
      RunPipeline(resolve, context, options_, stop, stats);
  if (!result.ok()) return std::move(result).Deliver(nullptr);

  v1::ResolveDynamicResponse response;
  *response.mutable_nodes() = std::move(*result->response.mutable_nodes());
  *response.mutable_warnings() =
      std::move(*result->response.mutable_warnings());
  if (request.options().dry_run()) {
    if (!request.options().explain()) DropExplanation(&response);
    return response;
  }

  if (auto status = CheckDeadline(deadline, clock_); !status.ok())
    return status;
  const std::string digest = absl::StrCat(result->response.input_digest(),
                                          ":", request.parent_node_path());
  std::vector<v1::StoredNode> stored;
  for (int i = 0; i < response.nodes_size(); ++i) {
    stored.push_back(
        ToStored(response.nodes(i), std::move(result->applied_hooks[i])));
  }
  if (!request.options().explain()) DropExplanation(&response);
  auto outcome =
      store_->PutDynamic(*key, request.parent_node_path(), digest, stored);
  if (!outcome.ok()) {
    // The stores refuse a node path recorded twice (their key) as INTERNAL,
    // without saying which: find it, so that the caller learns what was
    // wrong. Any other failure stands (a lost answer may leave this very
    // call's nodes recorded).
    if (auto taken = outcome.status().code() == absl::StatusCode::kInternal
                         ? RecordedPathTaken(*store_, *key,
                                             request.parent_node_path(), stored)
                         : std::nullopt) {
      absl::Status status = absl::AlreadyExistsError(taken->description());
      return Outcome(std::move(status), {*std::move(taken)});
    }
    return outcome.status();
  }
  if (outcome->input_digest != digest) {
    return absl::AlreadyExistsError(absl::StrCat(
        "the dynamic nodes of ", request.parent_node_path(), " in execution ",
        key->ToString(), " were resolved from another closure"));
  }
  if (outcome->created) return response;
  // The same dynamic task again (propeller retries a task start): what was
  // recorded wins, as for a repeated Resolve.
  auto recorded = RecordedInstead(*store_, *key, response.nodes(),
                                  result->uncovered_task_nodes);
  if (!recorded.ok()) return recorded.status();
  if (!recorded->has_value()) return response;
  AnswerFromRecord(*key, **std::move(recorded), request.options().explain(),
                   &response);
  CountAnswer(response, stats);
  return response;
}

}  // namespace flyteoverride::server
