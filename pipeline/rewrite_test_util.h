// Shared by the tests of the Flyte v1 rewrite, which run it through the
// pipeline as the service does: resolving and rewriting in one call, a reader
// of closure bytes that knows only flyteidl v1's field numbers (written from
// docs/design.md appendix A, never from the subset), and the round-trip check.
#ifndef FLYTEOVERRIDE_PIPELINE_REWRITE_TEST_UTIL_H_
#define FLYTEOVERRIDE_PIPELINE_REWRITE_TEST_UTIL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyte_v1/rewrite.h"
#include "resolver/resolve.h"

namespace flyteoverride::pipeline::testing {

struct Rewritten {
  resolver::ResolveResult resolved;  // with explain
  flyte_v1::RewrittenClosure rewritten;
  flyteidl::core::CompiledWorkflowClosure parsed;  // rewritten.closure
};

// ResolveExecution of `request` with explain and rewrite_closure on, the
// closure rewritten from `bytes` (its deterministic bytes when empty). Fails
// the test when the resolve has violations or the pipeline an error status;
// rewrite violations (NOT_EXPRESSIBLE_IN_V1, TASK_COPY_FORBIDDEN) are left
// to the caller in `rewritten.violations`.
Rewritten ResolveAndRewrite(v1::ResolveRequest request,
                            const flyte_v1::RewriteOptions& options = {},
                            std::string bytes = "");
// The same, with maps as JSON objects keyed by hook name.
Rewritten RewriteJson(const flyteidl::core::CompiledWorkflowClosure& closure,
                      absl::string_view launch_plan = "{}",
                      absl::string_view execution = "{}",
                      const flyte_v1::RewriteOptions& options = {});

// What a reader knowing only flyteidl v1 sees in closure bytes: one
// "path=value" per leaf in wire order (varints as numbers; messages outside
// the resolver's concern as "<N bytes>"), with repeated messages indexed
// ("primary.template.nodes[2].id=n0").
struct V1Reading {
  std::vector<std::string> values;
  // Fields flyteidl v1 does not declare on messages whose v1 layout the
  // reader knows completely (Node, TaskNode, TaskNodeOverrides,
  // NodeMetadata, WorkflowTemplate, ...), by path.
  std::vector<std::string> foreign;

  // The path prefix ("primary.template.nodes[2]") of the node `id` found
  // under `under` ("primary.template"), or "" when there is none.
  std::string NodePrefix(absl::string_view under, absl::string_view id) const;
  // Values under `prefix`, the prefix removed: {".metadata.retries.retries=5"}.
  std::vector<std::string> Under(absl::string_view prefix) const;
};
V1Reading ReadAsFlyteidlV1(absl::string_view closure_bytes);

// `effective` with the v1 meaning of absence: false, 0 and "" for cache,
// cache_serializable, retries and cache_version cleared.
flyteidl::core::TaskNodeOverrides Normalized(
    flyteidl::core::TaskNodeOverrides effective);

// Every task node instance's TASK + COMPILED configuration, normalized, by
// node path: the closure resolved with a hook "probe" (no defaults) added to
// every task node that declares none, and no override maps.
std::map<std::string, flyteidl::core::TaskNodeOverrides> BaseConfiguration(
    flyteidl::core::CompiledWorkflowClosure closure);

// The round trip: resolving the rewritten closure with no hooks gives every
// instance the effective configuration the original resolve gave it, and
// every instance it did not cover the configuration it had.
void ExpectSameEffectiveValues(
    const flyteidl::core::CompiledWorkflowClosure& original,
    const Rewritten& rewritten);

}  // namespace flyteoverride::pipeline::testing

#endif  // FLYTEOVERRIDE_PIPELINE_REWRITE_TEST_UTIL_H_
