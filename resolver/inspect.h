// InspectWorkflow: the hooks a closure declares, what each covers, its
// defaults, and the closure's diagnostics. FlyteConsole builds its form here.
#ifndef FLYTEOVERRIDE_RESOLVER_INSPECT_H_
#define FLYTEOVERRIDE_RESOLVER_INSPECT_H_

#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/closure_walk.h"

namespace flyteoverride::resolver {

// Hooks sorted by name; diagnostics are the closure's problems (bad
// references, cycles, conflicts, bad names or default values). With a
// policy view (policy/policy.h), every hook's `policy` shows what it lets
// runtime layers do. Pure.
v1::InspectWorkflowResponse Inspect(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    const WalkLimits& limits, const v1::PolicyView* policy = nullptr,
    ImplicitHooks implicit = ImplicitHooks::kOff);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_INSPECT_H_
