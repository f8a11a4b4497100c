// Resolve: launch-plan and execution override maps, by hook name, into
// per-node overrides (docs/design.md section 4). Pure: no I/O, no clocks, no
// randomness; the same request always gives the same result.
#ifndef FLYTEOVERRIDE_RESOLVER_RESOLVE_H_
#define FLYTEOVERRIDE_RESOLVER_RESOLVE_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"

#include "flyteoverride/v1/record.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/closure_walk.h"
#include "resolver/platform_layer.h"
#include "resolver/validate.h"
#include "resolver/work_budget.h"

namespace flyteoverride::resolver {

// Bounds on one call (docs/operations.md): each, when passed, is a
// LIMIT_EXCEEDED violation with its own reason.
struct ResolveLimits {
  WalkLimits walk;
  DocumentLimits documents;
  // Violations beyond this many are summed up in one last violation.
  size_t max_violations = 100;
  // Hooks named in one override map (TOO_MANY_MAP_ENTRIES).
  size_t max_map_entries = 10'000;
  // Units of work one call may spend: a node visited, a leaf merged
  // (WORK_BUDGET_EXCEEDED).
  uint64_t max_work_units = 200'000'000;
  // The serialized answer, rewritten closure included (OUTPUT_TOO_LARGE):
  // an answer too large to send is refused before anything is recorded.
  size_t max_output_bytes = 64 << 20;
};

// Where the closure sits and what to collect besides the response.
struct ResolveContext {
  // For ResolveDynamic: the node path of the dynamic task that produced the
  // closure, and its hooks as recorded (outermost first). They cover every
  // instance as outer hooks; node paths start with `parent_path` + "/". The
  // override maps were judged when recorded, so they are not judged again
  // (hooks they name that this closure lacks are simply unused).
  std::string parent_path;
  google::protobuf::RepeatedPtrField<v1::AppliedHook> parent_hooks;
  // Fill ResolveResult::applied_hooks and uncovered_task_nodes, for
  // recording.
  bool collect_applied_hooks = false;
  // Explain whatever the request's options say (records keep the
  // explanation).
  bool explain = false;
  // The PLATFORM layer: the operator's rules for the execution's project
  // and domain. Null: none. Must outlive the call.
  PlatformLayer* platform = nullptr;
  // Hooks named after task nodes' names (closure_walk.h).
  ImplicitHooks implicit_hooks = ImplicitHooks::kOff;
  // Asked now and then while the core works: true ends the call early (its
  // deadline passed, the server is shutting down). May be empty.
  std::function<bool()> stop;
};

// The outcome of a resolve. Violations are the caller's or the closure's
// problems, not failures of the resolver: each is a value to show a user.
struct ResolveResult {
  // Nodes (sorted by node path) and warnings. input_digest is left to the
  // caller (see digest.h): not every caller needs it.
  v1::ResolveResponse response;
  // Empty when the request resolved; otherwise every problem found, closure
  // problems first.
  std::vector<v1::Violation> violations;
  // With ResolveContext::collect_applied_hooks: per node, in response order,
  // the hooks that applied and their DECORATOR documents.
  std::vector<std::vector<v1::AppliedHook>> applied_hooks;
  // With collect_applied_hooks: the task node instances no hook covers,
  // sorted.
  std::vector<std::string> uncovered_task_nodes;

  // OK, or CANCELLED when `stop` ended the call before it finished: then
  // nothing else in the result is meaningful.
  absl::Status stopped;

  bool ok() const { return violations.empty(); }
};

// Keeps the first `max` violations and sums the rest up in one more, so a
// response stays readable (and bounded) whatever the input.
void CapViolations(size_t max, std::vector<v1::Violation>* violations);

// Uses request.closure, the two override maps and options.explain and
// options.unknown_hooks; execution_id, dry_run and rewrite_closure are the
// caller's concern.
ResolveResult Resolve(const v1::ResolveRequest& request,
                      const ResolveLimits& limits,
                      const ResolveContext& context = {});

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_RESOLVE_H_
