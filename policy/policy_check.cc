#include "policy/policy_check.h"

#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resolver/quantity.h"
#include "resolver/violations.h"

namespace flyteoverride::policy {

using resolver::Field;
using resolver::LayerName;
using resolver::Leaf;
using resolver::LeafKey;
using resolver::LeafPath;
using resolver::LeafSet;
using resolver::LeafValue;
using resolver::MakeViolation;
using resolver::Origin;
using resolver::Quantity;
using resolver::ResourcePathName;

namespace {

bool IsRuntime(v1::Layer layer) {
  return layer == v1::DECORATOR || layer == v1::LAUNCH_PLAN ||
         layer == v1::EXECUTION;
}

// "LAUNCH_PLAN, hook train at n1/n0".
std::string Who(const Origin& origin) {
  std::string who(LayerName(origin.layer));
  if (!origin.hook.empty()) absl::StrAppend(&who, ", hook ", origin.hook);
  if (!origin.declared_at.empty())
    absl::StrAppend(&who, " at ", origin.declared_at);
  return who;
}

// Where the offending value sits, in request terms where it has them.
std::string FieldOf(const Origin& origin, const std::string& leaf) {
  switch (origin.layer) {
    case v1::LAUNCH_PLAN:
      return absl::StrCat("launch_plan_overrides[", origin.hook, "].", leaf);
    case v1::EXECUTION:
      return absl::StrCat("execution_overrides[", origin.hook, "].", leaf);
    default:
      return absl::StrCat("node ", origin.declared_at,
                          " runtime_override.defaults.", leaf);
  }
}

// A leaf value for a message; messages and JSON are left out (a pod
// template is too long to quote, and environment values may be secrets).
std::string Shown(const Leaf& leaf) {
  const std::string path = LeafPath(leaf.key);
  if (leaf.current.removed) return absl::StrCat(path, " removed");
  const LeafValue& value = leaf.current.value;
  switch (value.kind) {
    case LeafValue::Kind::kString:
      if (leaf.key.field == Field::kEnvironment) return path;
      return absl::StrCat(path, " = ", absl::CHexEscape(value.text));
    case LeafValue::Kind::kInt:
      return absl::StrCat(path, " = ", value.number);
    case LeafValue::Kind::kBool:
      return absl::StrCat(path, " = ", value.flag ? "true" : "false");
    default:
      return path;
  }
}

// "resources.memory.max_limit": the rule as the YAML names it.
std::string QuantityRuleName(const LeafKey& key) {
  return absl::StrCat(
      "resources.", ResourcePathName(key.resource),
      key.field == Field::kRequest ? ".max_request" : ".max_limit");
}

std::string Patterns(const PatternRule& rule) {
  std::vector<std::string> sources;
  for (const PolicyPattern& p : rule.patterns) sources.push_back(p.source());
  return absl::StrJoin(sources, ", ");
}

const PolicyPattern* FirstMatch(const PatternRule& rule,
                                absl::string_view text) {
  for (const PolicyPattern& p : rule.patterns) {
    if (p.Matches(text)) return &p;
  }
  return nullptr;
}

// What one leaf breaks, and what a clamp sets instead (unset: reject).
struct Finding {
  const char* reason;
  std::string description;
  std::optional<LeafValue> clamp_to;
};

// "resources.limits.memory = 160Gi (LAUNCH_PLAN, hook train at n1/n0)".
std::string Offender(const Leaf& leaf) {
  return absl::StrCat(Shown(leaf), " (", Who(leaf.current.origin), ")");
}

std::optional<Finding> JudgeFixed(const FixedFieldsRule& rule,
                                  const Leaf& leaf) {
  for (const FixedField& field : rule.fields) {
    if (!field.selector.Matches(leaf.key)) continue;
    return Finding{
        kPolicyFixedField,
        absl::StrCat(Offender(leaf), ": policy fixes ", field.path,
                     " (rule fixed_fields, ", rule.scope,
                     "); runtime overrides may not set or remove it")};
  }
  return std::nullopt;
}

// A removed limit asks for "no limit": above any maximum. A removed request
// falls back to its limit, which has its own rule.
std::optional<Finding> JudgeQuantity(const Policy& policy, const Leaf& leaf) {
  const bool is_limit = leaf.key.field == Field::kLimit;
  const std::optional<QuantityRule>& rule =
      is_limit ? policy.max_limit[leaf.key.resource]
               : policy.max_request[leaf.key.resource];
  if (!rule || (leaf.current.removed && !is_limit)) return std::nullopt;
  const std::string name = QuantityRuleName(leaf.key);
  Finding finding{is_limit ? kPolicyMaxLimit : kPolicyMaxRequest};
  if (leaf.current.removed) {
    finding.description =
        absl::StrCat(Offender(leaf), ": policy rule ", name, " (", rule->scope,
                     ") caps it at ", rule->text);
  } else {
    auto quantity = Quantity::Parse(leaf.current.value.text);
    // A bad quantity is reported with its document.
    if (!quantity.ok() || *quantity <= rule->max) return std::nullopt;
    finding.description =
        absl::StrCat(Offender(leaf), " is above the maximum ", rule->text,
                     " of policy rule ", name, " (", rule->scope, ")");
  }
  if (rule->action == PolicyAction::kClamp) {
    finding.clamp_to = LeafValue::String(rule->text);
    absl::StrAppend(&finding.description, "; clamped to ", rule->text,
                    " (PLATFORM)");
  }
  return finding;
}

std::optional<Finding> JudgeRetries(const RetriesRule& rule, const Leaf& leaf) {
  if (leaf.current.removed || leaf.current.value.number <= rule.max)
    return std::nullopt;
  Finding finding{
      kPolicyMaxRetries,
      absl::StrCat(Offender(leaf), " is above the maximum ", rule.max,
                   " of policy rule retries.max (", rule.scope, ")")};
  if (rule.action == PolicyAction::kClamp) {
    finding.clamp_to = LeafValue::Int(rule.max);
    absl::StrAppend(&finding.description, "; clamped to ", rule.max,
                    " (PLATFORM)");
  }
  return finding;
}

std::optional<Finding> JudgeImage(const PatternRule& rule, const Leaf& leaf) {
  if (rule.patterns.empty() || leaf.current.removed ||
      FirstMatch(rule, leaf.current.value.text) != nullptr) {
    return std::nullopt;
  }
  return Finding{kPolicyImage,
                 absl::StrCat(Offender(leaf),
                              " is not an allowed image: policy rule "
                              "images.allowed (",
                              rule.scope, ") allows only ", Patterns(rule))};
}

std::optional<Finding> JudgeEnvironment(const PatternRule& rule,
                                        const Leaf& leaf) {
  const PolicyPattern* match = FirstMatch(rule, leaf.key.key);
  if (match == nullptr) return std::nullopt;
  return Finding{
      kPolicyProtectedEnv,
      absl::StrCat(Offender(leaf), ": the key is protected by pattern \"",
                   match->source(), "\" of policy rule environment.protected (",
                   rule.scope,
                   "); runtime overrides may not set or remove it")};
}

// The first rule `leaf` breaks; a fixed field is judged by nothing else.
std::optional<Finding> Judge(const Policy& policy, const Leaf& leaf) {
  if (policy.fixed_fields) {
    if (auto finding = JudgeFixed(*policy.fixed_fields, leaf)) return finding;
  }
  switch (leaf.key.field) {
    case Field::kRequest:
    case Field::kLimit:
      return JudgeQuantity(policy, leaf);
    case Field::kRetries:
      if (policy.max_retries) return JudgeRetries(*policy.max_retries, leaf);
      break;
    case Field::kContainerImage:
      if (policy.allowed_images)
        return JudgeImage(*policy.allowed_images, leaf);
      break;
    case Field::kEnvironment:
      if (policy.protected_environment)
        return JudgeEnvironment(*policy.protected_environment, leaf);
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::string PolicyRuleName(const v1::Violation& violation) {
  const std::string& reason = violation.reason();
  if (reason == kPolicyMaxRetries) return "retries.max";
  if (reason == kPolicyImage) return "images.allowed";
  if (reason == kPolicyProtectedEnv) return "environment.protected";
  if (reason == kPolicyFixedField) return "fixed_fields";
  const bool request = reason == kPolicyMaxRequest;
  if (!request && reason != kPolicyMaxLimit) return "";
  // The field ends in the leaf's path, "resources.limits.memory".
  const absl::string_view field = violation.field();
  const absl::string_view resource = field.substr(field.rfind('.') + 1);
  for (int slot = 1; slot < kResourceSlots; ++slot) {
    if (ResourcePathName(slot) != resource) continue;
    LeafKey key;
    key.resource = slot;
    key.field = request ? Field::kRequest : Field::kLimit;
    return QuantityRuleName(key);
  }
  return "";
}

void PolicyCheck::Apply(const std::string& node_path, LeafSet* leaves,
                        std::vector<v1::Violation>* violations,
                        std::vector<v1::Violation>* warnings) {
  // Judged first, clamped after: a clamp must not move leaves being read.
  std::vector<std::pair<const Leaf*, Finding>> findings;
  for (const Leaf& leaf : leaves->leaves()) {
    if (!IsRuntime(leaf.current.origin.layer)) continue;  // registration's
    // Removing what no lower layer set changes nothing.
    if (leaf.current.removed && !leaf.base_present) continue;
    if (auto finding = Judge(policy_, leaf))
      findings.emplace_back(&leaf, *std::move(finding));
  }
  for (auto& [leaf, finding] : findings) {
    const Origin origin = leaf->current.origin;  // before a clamp shadows it
    v1::Violation violation = MakeViolation(
        FieldOf(origin, LeafPath(leaf->key)), std::move(finding.description),
        finding.reason, v1::Violation::INVALID_VALUE, node_path);
    violation.set_hook(std::string(origin.hook));
    violation.set_layer(origin.layer);
    if (finding.clamp_to) {
      // PLATFORM sets the maximum over the runtime value it lowers.
      leaves->Set(leaf->key, *finding.clamp_to,
                  {v1::PLATFORM, origin.hook, origin.declared_at});
    }
    if (!reported_.insert(absl::StrCat(violation.field(), " ", finding.reason))
             .second) {
      continue;
    }
    (finding.clamp_to ? warnings : violations)->push_back(std::move(violation));
  }
}

}  // namespace flyteoverride::policy
