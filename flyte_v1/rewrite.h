// The rewritten closure (docs/design.md section 5, ResolveOptions.rewrite_closure):
// the closure a resolve was made on, changed so that an unmodified Flyte v1
// runs the resolved overrides. FlyteAdmin swaps it in before it builds the
// workflow CRD. docs/flyte-v1.md is the user's account of it.
//
// - Each covered task node instance carries its resolved values where
//   flyteidl v1 honours them per node (v1_placement.h).
// - Call sites of one sub-workflow template that resolve differently get a
//   copy each; call sites that resolve alike share one. The primary is
//   edited in place; a sub-workflow template is never changed under its own
//   id (except that its hook declarations go).
// - What v1 cannot carry per node goes into a copy of the task template.
// - Copies are named `<name>-ro-<hex>`: the first 10 hex digits (more if
//   that name is taken) of the SHA-256 of the copy's content under its
//   original id. The same inputs give the same ids.
// - Every hook declaration is removed: the result is plain flyteidl v1.
// - It works on the closure's bytes: a template no instance changes and that
//   declares no hook keeps its bytes exactly, as do launch plans and every
//   field outside the subset; in a template that changes, only the changed
//   messages are re-encoded.
//
// Pure: no I/O, no clocks; the same inputs give the same bytes.
#ifndef FLYTEOVERRIDE_FLYTE_V1_REWRITE_H_
#define FLYTEOVERRIDE_FLYTE_V1_REWRITE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/closure_walk.h"

namespace flyteoverride::flyte_v1 {

struct RewriteOptions {
  // An operator's switch: overrides that need a copy of a task template
  // (environment, task_config, removing what the template sets) are errors
  // instead, since a new task id changes Flyte's cache identity.
  bool forbid_task_copies = false;
  resolver::WalkLimits walk;
  // As the resolve had them: the covered instances must be the same.
  resolver::ImplicitHooks implicit_hooks = resolver::ImplicitHooks::kOff;
};

struct RewrittenClosure {
  // A serialized flyteidl.core.CompiledWorkflowClosure; empty on violations.
  std::string closure;
  // Every template copy: workflows first, then tasks, each by first node
  // path.
  std::vector<v1::TemplateCopy> copies;
  // Overrides flyteidl v1 cannot carry (NOT_EXPRESSIBLE_IN_V1), or could
  // only carry in a forbidden task copy (TASK_COPY_FORBIDDEN); each names
  // the node and the field.
  std::vector<v1::Violation> violations;

  bool ok() const { return violations.empty(); }
};

// `closure_bytes` is the closure as received and `closure` those bytes
// parsed into the subset; `resolved` is what Resolve returned for it without
// violations (only node paths and overrides are read). A non-OK status means
// the inputs disagree with each other, not that the overrides are bad.
absl::StatusOr<RewrittenClosure> RewriteClosure(
    absl::string_view closure_bytes,
    const flyteidl::core::CompiledWorkflowClosure& closure,
    const v1::ResolveResponse& resolved, const RewriteOptions& options = {});

}  // namespace flyteoverride::flyte_v1

#endif  // FLYTEOVERRIDE_FLYTE_V1_REWRITE_H_
