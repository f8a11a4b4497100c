// Resolve: launch-plan and execution override maps, by hook name, into
// per-node overrides (DESIGN section 4). Pure: no I/O, no clocks, no
// randomness; the same request always gives the same result.
#ifndef FLYTEOVERRIDE_RESOLVER_RESOLVE_H_
#define FLYTEOVERRIDE_RESOLVER_RESOLVE_H_

#include <vector>

#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/closure_walk.h"

namespace flyteoverride::resolver {

struct ResolveLimits {
  WalkLimits walk;
  // Violations beyond this many are summed up in one last violation.
  size_t max_violations = 100;
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

  bool ok() const { return violations.empty(); }
};

// Keeps the first `max` violations and sums the rest up in one more, so a
// response stays readable (and bounded) whatever the input.
void CapViolations(size_t max, std::vector<v1::Violation>* violations);

// Uses request.closure, the two override maps and options.explain and
// options.unknown_hooks; execution_id, dry_run and rewrite_closure are the
// caller's concern.
ResolveResult Resolve(const v1::ResolveRequest& request,
                      const ResolveLimits& limits);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_RESOLVE_H_
