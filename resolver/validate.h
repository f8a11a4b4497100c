// Value checks: each override document as its author wrote it, and each
// instance's resources after merging (docs/design.md section 4, "Validation").
#ifndef FLYTEOVERRIDE_RESOLVER_VALIDATE_H_
#define FLYTEOVERRIDE_RESOLVER_VALIDATE_H_

#include <string>
#include <vector>

#include "flyteidl/core/workflow.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/closure_walk.h"
#include "resolver/leaf_set.h"

namespace flyteoverride::resolver {

using OverrideEntry =
    google::protobuf::MapPair<std::string, flyteidl::core::TaskNodeOverrides>;

// A map's entries in key order, so that violations come out in a stable
// order. Pointers into `map`: neither keys nor documents are copied.
std::vector<const OverrideEntry*> SortedEntries(
    const google::protobuf::Map<std::string, flyteidl::core::TaskNodeOverrides>&
        map);

// How large one override document may be (docs/operations.md). Passing one
// is a LIMIT_EXCEEDED violation with its own reason, and the rest of that
// document is not judged: its size could make that cost without bound.
struct DocumentLimits {
  size_t max_environment_keys = 1000;       // TOO_MANY_ENVIRONMENT_KEYS
  int max_task_config_depth = 32;           // TASK_CONFIG_TOO_DEEP
  size_t max_task_config_bytes = 1 << 20;   // TASK_CONFIG_TOO_LARGE
  size_t max_unset_paths = 1000;            // TOO_MANY_UNSET_PATHS
};

// Where a document sits, for violations: `field_prefix` locates it in the
// request ("execution_overrides[train]").
struct DocumentSite {
  std::string field_prefix;
  v1::Layer layer;
  std::string hook;
  std::string node_path;
};

// Appends a violation for every problem in `doc`: fields this server does not
// know (strict: never silently dropped), bad or negative quantities, unknown
// or repeated resource names, fractional GPUs, negative retries, bad
// environment keys, unset paths naming no field.
void ValidateOverrideDocument(const flyteidl::core::TaskNodeOverrides& doc,
                              const DocumentSite& site,
                              std::vector<v1::Violation>* out,
                              const DocumentLimits& limits = {});

// Checks the defaults a closure carries, once per declaration and per
// workflow: node-level hook defaults and runtime_override_defaults.
void ValidateClosureDefaults(const ClosureWalk& walk,
                             std::vector<v1::Violation>* out,
                             const DocumentLimits& limits = {});

// After merging: each request at most its limit, and a GPU request equal to
// its limit. Pairs set wholly at registration (TASK, COMPILED) are
// FlyteAdmin's to judge and are skipped. `leaves` must be sorted.
void ValidateMergedResources(const LeafSet& leaves,
                             const std::string& node_path,
                             std::vector<v1::Violation>* out);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_VALIDATE_H_
