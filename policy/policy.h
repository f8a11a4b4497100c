// Operator policy (docs/design.md section 7): the rules the PLATFORM layer applies
// to what runtime layers set, per project and domain. The rules are values
// built once (from YAML in server/policy_config.h, or by tests) and shared
// read-only: every type here is immutable after construction and safe to read
// from many threads. Judging an instance is policy_check.h's job.
#ifndef FLYTEOVERRIDE_POLICY_POLICY_H_
#define FLYTEOVERRIDE_POLICY_POLICY_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/leaf_set.h"
#include "resolver/quantity.h"

namespace re2 {
class RE2;
}

namespace flyteoverride::policy {

// What a rule does with a runtime value beyond it. Image, environment and
// fixed-field rules can only reject.
enum class PolicyAction : uint8_t { kReject, kClamp };

// "reject" or "clamp", as the YAML and PolicyView write it.
absl::string_view ActionName(PolicyAction action);

// A pattern that must match a whole string (anchored at both ends).
class PolicyPattern {
 public:
  // An RE2 pattern, as written: `ghcr\.io/acme/.*`. INVALID_ARGUMENT when it
  // does not compile, quoting RE2's reason.
  static absl::StatusOr<PolicyPattern> Regex(absl::string_view source);
  // A glob over environment keys: `*` matches any run of characters, `?`
  // one; everything else is literal (`FLYTE_*`, `AWS_?ECRET*`). Always OK:
  // every text is a glob (encoding/glob.h).
  static absl::StatusOr<PolicyPattern> Glob(absl::string_view source);

  bool Matches(absl::string_view text) const;
  // As written in the config.
  const std::string& source() const { return source_; }

 private:
  PolicyPattern(std::string source, std::shared_ptr<const re2::RE2> regex)
      : source_(std::move(source)), regex_(std::move(regex)) {}

  std::string source_;
  // Compiled once, shared by copies; null for a glob.
  std::shared_ptr<const re2::RE2> regex_;
};

// Why the glob `pattern` can never match an environment key (letters,
// digits and "_"), or "" when it can. Protected and secret keys both use it.
std::string EnvironmentGlobProblem(absl::string_view pattern);

// Where a rule was set, for messages: "global", "domain production",
// "project flytesnacks", "project flytesnacks, domain production".
using PolicyScopeName = std::string;

// A maximum for one resource's request or limit.
struct QuantityRule {
  resolver::Quantity max;
  std::string text;  // the maximum as written; a clamped value is this text
  PolicyAction action = PolicyAction::kReject;
  PolicyScopeName scope;
};

struct RetriesRule {
  int32_t max = 0;
  PolicyAction action = PolicyAction::kReject;
  PolicyScopeName scope;
};

struct PatternRule {
  std::vector<PolicyPattern> patterns;  // empty: the rule allows anything
  PolicyScopeName scope;
};

// A field runtime layers may not set or remove, named as `unset` names it:
// "container_image", "resources.limits", "environment.DEBUG", ...
struct FixedField {
  std::string path;
  resolver::LeafSelector selector;
};

// Parses a fixed-field path; INVALID_ARGUMENT when it names no field.
absl::StatusOr<FixedField> ParseFixedField(absl::string_view path);

struct FixedFieldsRule {
  std::vector<FixedField> fields;
  PolicyScopeName scope;
};

// Resource rules are indexed by flyteidl's Resources::ResourceName (CPU = 1
// ... EPHEMERAL_STORAGE = 5); index 0 (UNKNOWN) is never set.
constexpr int kResourceSlots = 6;

// The rules of one scope, or the rules in force for one project and domain.
// Every rule is optional: an absent rule says nothing (and, in a scope, keeps
// the less specific scope's rule).
struct Policy {
  std::array<std::optional<QuantityRule>, kResourceSlots> max_request;
  std::array<std::optional<QuantityRule>, kResourceSlots> max_limit;
  std::optional<RetriesRule> max_retries;
  // Images a runtime layer may set; one of the patterns must match.
  std::optional<PatternRule> allowed_images;
  // Environment keys runtime layers may neither set nor remove.
  std::optional<PatternRule> protected_environment;
  std::optional<FixedFieldsRule> fixed_fields;
  // `implicit_hooks: node_name` (true) or `off` (false): every task node
  // also gets a hook named after its NodeMetadata.name.
  std::optional<bool> implicit_hooks;

  // `over`'s rules replace this one's, rule by rule: a resource's request
  // maximum and its limit maximum are separate rules; a pattern or field list
  // is one rule, replaced as a whole.
  void OverlayWith(const Policy& over);
};

// Policies by scope, as FlyteAdmin's matchable attributes: global < domain <
// project < project+domain, the more specific replacing the less specific
// rule by rule.
struct PolicySet {
  Policy global;
  std::map<std::string, Policy> domains;   // by domain
  std::map<std::string, Policy> projects;  // by project
  // By "project/domain".
  std::map<std::string, Policy> project_domains;

  // The rules in force for an execution in `project` and `domain`.
  Policy For(absl::string_view project, absl::string_view domain) const;
};

// What a form shows before anyone submits: the fields runtime layers may
// set, the fixed ones, the maxima, image and environment patterns.
v1::PolicyView ViewFor(const Policy& policy);

}  // namespace flyteoverride::policy

#endif  // FLYTEOVERRIDE_POLICY_POLICY_H_
