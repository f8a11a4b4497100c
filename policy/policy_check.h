// The PLATFORM layer (docs/design.md sections 4 and 7): an operator's Policy applied
// to one instance's merged leaves. Only values runtime layers set (DECORATOR,
// LAUNCH_PLAN, EXECUTION) are judged; what registration fixed (TASK,
// COMPILED) passes untouched. A rule either rejects (a violation naming the
// rule, its scope, the hook, the layer and the value) or clamps (the value
// is lowered to the maximum and set again by PLATFORM, so provenance shows
// the runtime value it shadowed, and a warning says so).
#ifndef FLYTEOVERRIDE_POLICY_POLICY_CHECK_H_
#define FLYTEOVERRIDE_POLICY_POLICY_CHECK_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/leaf_set.h"
#include "resolver/platform_layer.h"
#include "policy/policy.h"

namespace flyteoverride::policy {

// Violation and warning reasons, one per rule.
inline constexpr char kPolicyMaxRequest[] = "POLICY_MAX_REQUEST";
inline constexpr char kPolicyMaxLimit[] = "POLICY_MAX_LIMIT";
inline constexpr char kPolicyMaxRetries[] = "POLICY_MAX_RETRIES";
inline constexpr char kPolicyImage[] = "POLICY_IMAGE";
inline constexpr char kPolicyProtectedEnv[] = "POLICY_PROTECTED_ENV";
inline constexpr char kPolicyFixedField[] = "POLICY_FIXED_FIELD";

// The rule a policy violation or warning came from, as the config names it:
// "resources.memory.max_limit", "retries.max", "images.allowed",
// "environment.protected", "fixed_fields"; "" for any other violation. A
// bounded set (two per resource, four more), fit for a metric label.
std::string PolicyRuleName(const v1::Violation& violation);

// One per resolve; not thread-safe. Holds `policy` by reference: it must
// outlive this object and every LeafSet passed to Apply, since clamped
// values borrow the maxima's text.
class PolicyCheck : public resolver::PlatformLayer {
 public:
  explicit PolicyCheck(const Policy& policy) : policy_(policy) {}

  // Judges the runtime leaves of the instance at `node_path`: rejections go
  // to `violations`, clamps are applied to `leaves` and reported in
  // `warnings`. A runtime removal counts as a change when a value was
  // there before it: removing a limit is above any maximum, removing a
  // protected or fixed value is refused. Each problem is reported once per
  // PolicyCheck (at the first instance that shows it), however many
  // instances share the offending value. Call before ValidateMergedResources,
  // so that request <= limit is judged on clamped values.
  void Apply(const std::string& node_path, resolver::LeafSet* leaves,
             std::vector<v1::Violation>* violations,
             std::vector<v1::Violation>* warnings) override;

 private:
  const Policy& policy_;
  absl::flat_hash_set<std::string> reported_;  // field + reason
};

}  // namespace flyteoverride::policy

#endif  // FLYTEOVERRIDE_POLICY_POLICY_CHECK_H_
