// The whole pure work of each call the service answers, in one function per
// call: the service adds only what needs I/O (records, deadlines, metrics),
// and overridectl and the tests call the same functions, so every surface
// answers alike (docs/design.md section 9).
#ifndef FLYTEOVERRIDE_PIPELINE_RESOLVE_EXECUTION_H_
#define FLYTEOVERRIDE_PIPELINE_RESOLVE_EXECUTION_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "flyte_v1/rewrite.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/record.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "policy/policy.h"
#include "resolver/resolve.h"

namespace flyteoverride::pipeline {

struct PipelineOptions {
  resolver::ResolveLimits limits;
  // For ResolveOptions.rewrite_closure; its walk limits are `limits.walk`.
  flyte_v1::RewriteOptions rewrite;
};

// What a resolve works with besides the request.
struct ExecutionContext {
  // The operator's rules for the execution's project and domain (the
  // PLATFORM layer). Null: none. Must outlive the call.
  const policy::Policy* policy = nullptr;
  // The closure as received, for rewrite_closure: a template nothing changes
  // keeps these bytes exactly. Empty: the request's closure re-encoded.
  absl::string_view closure_bytes;
  // Problems found while reading the request (unknown members of user
  // documents), reported first, with the resolve's own.
  std::vector<v1::Violation> read_violations;
  // For ResolveDynamic: where the closure sits (resolver::ResolveContext).
  std::string parent_path;
  google::protobuf::RepeatedPtrField<v1::AppliedHook> parent_hooks;
  // Fill ResolveOutcome::applied_hooks, for recording.
  bool collect_applied_hooks = false;
  // Explain whatever the request's options say, for a record.
  bool explain = false;
  // Asked now and then while the work goes on: true ends it early, and the
  // pipeline answers CANCELLED (resolver::ResolveContext::stop). May be
  // empty.
  std::function<bool()> stop;
};

// A resolve's answer, as values: violations are the caller's or the
// closure's problems, never failures of the pipeline.
struct ResolveOutcome {
  // Nodes sorted by node path, warnings, the input digest, and with
  // rewrite_closure the rewritten closure and its template copies. Holds no
  // nodes when there are violations.
  v1::ResolveResponse response;
  // Every problem, at most limits.max_violations of them plus one that
  // counts the rest; empty when the request resolved.
  std::vector<v1::Violation> violations;
  // With collect_applied_hooks: per node, in response order, the hooks that
  // applied and their DECORATOR documents.
  std::vector<std::vector<v1::AppliedHook>> applied_hooks;
  // With collect_applied_hooks: task node instances no hook covers, sorted.
  std::vector<std::string> uncovered_task_nodes;
  // With rewrite_closure: the rewritten closure's bytes exactly as the
  // rewrite made them (response.rewritten_closure is those bytes parsed,
  // and re-encoding it may reorder what it does not know).
  std::string rewritten_closure_bytes;

  bool ok() const { return violations.empty(); }
};

// Resolves `request` (its closure, both maps, options.explain,
// unknown_hooks and rewrite_closure; execution_id and dry_run are the
// caller's concern), judges it under the policy, caps the violations, sets
// the input digest and, when asked, rewrites the closure for Flyte v1.
// A non-OK status means the pipeline did not finish: CANCELLED when `stop`
// ended it, INTERNAL when it broke (a bug); never bad input.
absl::StatusOr<ResolveOutcome> ResolveExecution(
    const v1::ResolveRequest& request, const ExecutionContext& context,
    const PipelineOptions& options);

// The hooks a closure declares and its diagnostics; with a policy, what it
// lets each hook's runtime layers do and which author defaults it refuses.
// Implicit hooks are listed when `implicit_hooks` asks for them or the
// policy turns them on.
v1::InspectWorkflowResponse InspectWorkflow(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    const policy::Policy* policy, const resolver::WalkLimits& limits,
    bool implicit_hooks = false);

}  // namespace flyteoverride::pipeline

#endif  // FLYTEOVERRIDE_PIPELINE_RESOLVE_EXECUTION_H_
