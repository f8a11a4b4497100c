// The `policy:` section of the server's YAML config (docs/design.md section 7), read
// into the pure core's PolicySet. The layout, every key and its meaning are
// in docs/policy.md:
//
//   policy:
//     global: RULES
//     domains: {production: RULES}
//     projects: {flytesnacks: RULES}
//     project_domains: {"flytesnacks/production": RULES}
//
//   RULES:
//     resources: {memory: {max_request: 64Gi, max_limit: 128Gi,
//                          action: clamp}, ...}
//     retries: {max: 5, action: reject}
//     images: {allowed: ['ghcr\.io/acme/.*']}
//     environment: {protected: ["FLYTE_*", "AWS_*"]}
//     fixed_fields: [container_image, pod_template]
//
// Read as strictly as the rest of the file: unknown or repeated keys, values
// of the wrong type, bad quantities, regexes that do not compile and paths
// that name no field are errors naming the key path and the line. Pure.
#ifndef FLYTEOVERRIDE_POLICY_POLICY_YAML_H_
#define FLYTEOVERRIDE_POLICY_POLICY_YAML_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "policy/policy.h"

namespace flyteoverride::policy {

// A problem's line (1-based; 0 when unknown) and its text, which starts with
// the key path ("policy.global.resources.memory.max_limit: ...").
using PolicyProblem = std::pair<int, std::string>;

// Reads the value of the `policy` key (a mapping, or null for no policy)
// into `out`. Returns every problem found; `out` is meaningful only when
// there are none. yaml-cpp exceptions do not escape.
std::vector<PolicyProblem> ReadPolicy(const YAML::Node& policy,
                                      policy::PolicySet* out);

}  // namespace flyteoverride::policy

#endif  // FLYTEOVERRIDE_POLICY_POLICY_YAML_H_
