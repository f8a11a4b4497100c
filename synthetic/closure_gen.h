// Synthetic workflow closures shaped like flytekit's, for benchmarks (and,
// later, tests): a primary workflow of task nodes n0..nM with start and end
// nodes, upstream ids and realistic NodeMetadata; a pool of task templates
// (containers with image, resources, env, args; custom config; metadata); a
// few sub-workflow templates called many times (instances "n5/n0"); branch
// nodes; runtime-override hooks on one task node in `hook_every`, named from a
// pool, one set of defaults per name. Fields the subset does not declare
// (node input bindings, interfaces, connections, branch conditions, runtime
// metadata) are carried as unknown fields, so the serialized closure has the
// size per node real closures have. Deterministic: the same shape gives the
// same bytes.
#ifndef FLYTEOVERRIDE_SYNTHETIC_CLOSURE_GEN_H_
#define FLYTEOVERRIDE_SYNTHETIC_CLOSURE_GEN_H_

#include <string>
#include <vector>

#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::synthetic {

struct ClosureShape {
  // Task node instances in the execution, those inside sub-workflow instances
  // and branches included.
  int task_nodes = 100;
  // One task node in this many declares a hook (so do sub-workflow templates,
  // on their first task node).
  int hook_every = 10;
  int task_templates = 20;
  int hook_names = 50;
  int sub_workflows = 3;
  int sub_workflow_tasks = 10;
  // One primary node in this many calls a sub-workflow, and one in
  // `branch_every` is a branch node with two task nodes (then and else).
  int sub_workflow_every = 50;
  int branch_every = 20;
};

struct GeneratedClosure {
  flyteidl::core::CompiledWorkflowClosure closure;
  int task_instances = 0;
  // Task node instances covered by a hook: the nodes a resolve returns.
  int covered_instances = 0;
  // Distinct hook names the closure declares, in order of first declaration.
  std::vector<std::string> hooks;
};

GeneratedClosure GenerateClosure(const ClosureShape& shape);

// Fills the launch-plan and execution maps of `request` with values for
// several of `hooks` (resources, environment, retries, cache, image, GPU,
// task config, an unset), every value valid for the closures generated here.
void AddOverrideMaps(const std::vector<std::string>& hooks,
                     v1::ResolveRequest* request);

// A request of a closure of `shape` and the maps AddOverrideMaps gives its
// hooks; no execution id, no options.
v1::ResolveRequest GenerateRequest(const ClosureShape& shape);

}  // namespace flyteoverride::synthetic

#endif  // FLYTEOVERRIDE_SYNTHETIC_CLOSURE_GEN_H_
