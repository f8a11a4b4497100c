#include "policy/policy.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "encoding/glob.h"
#include "flyteidl/core/tasks.pb.h"
#include "re2/re2.h"

namespace flyteoverride::policy {

using resolver::Field;
using resolver::LeafKey;
using resolver::LeafPath;
using resolver::LeafSelector;
using resolver::ParseUnsetPath;

namespace {

using flyteidl::core::Resources;

absl::StatusOr<std::shared_ptr<const re2::RE2>> Compile(
    const std::string& regex, absl::string_view source) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // the error is returned, not logged
  auto compiled = std::make_shared<const re2::RE2>(regex, options);
  if (!compiled->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pattern \"", source,
                     "\" is not a valid RE2 expression: ", compiled->error()));
  }
  return compiled;
}

// A field with a single leaf, as a form lists it.
struct TopField {
  const char* path;
  LeafKey probe;  // its one leaf
};

bool Fixes(const std::vector<FixedField>& fixed, const LeafKey& key) {
  for (const FixedField& field : fixed) {
    if (field.selector.Matches(key)) return true;
  }
  return false;
}

// Environment and task_config leaves have open-ended keys: the field is fixed
// whole only by a selector for the whole field.
bool FixesWhole(const std::vector<FixedField>& fixed, Field field) {
  for (const FixedField& f : fixed) {
    if (f.selector.scope == LeafSelector::Scope::kField &&
        f.selector.key.field == field) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::string_view ActionName(PolicyAction action) {
  return action == PolicyAction::kClamp ? "clamp" : "reject";
}

absl::StatusOr<PolicyPattern> PolicyPattern::Regex(absl::string_view source) {
  auto compiled = Compile(std::string(source), source);
  if (!compiled.ok()) return compiled.status();
  return PolicyPattern(std::string(source), *std::move(compiled));
}

absl::StatusOr<PolicyPattern> PolicyPattern::Glob(absl::string_view source) {
  return PolicyPattern(std::string(source), nullptr);
}

std::string EnvironmentGlobProblem(absl::string_view pattern) {
  for (char c : pattern) {
    if (c != '*' && c != '?' && c != '_' &&
        !absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return absl::StrCat("\"", pattern,
                          "\" can never match an environment key: use "
                          "letters, digits, _ and the wildcards * and ?");
    }
  }
  return "";
}

bool PolicyPattern::Matches(absl::string_view text) const {
  if (regex_ == nullptr) return encoding::GlobMatches(source_, text);
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()),
                             *regex_);
}

absl::StatusOr<FixedField> ParseFixedField(absl::string_view path) {
  std::optional<LeafSelector> selector = ParseUnsetPath(path);
  if (!selector) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", path,
        "\" names no field (e.g. container_image, pod_template, resources, "
        "resources.limits.gpu, environment, environment.KEY, retries, "
        "task_config)"));
  }
  return FixedField{std::string(path), *selector};
}

void Policy::OverlayWith(const Policy& over) {
  for (int r = 0; r < kResourceSlots; ++r) {
    if (over.max_request[r]) max_request[r] = over.max_request[r];
    if (over.max_limit[r]) max_limit[r] = over.max_limit[r];
  }
  if (over.max_retries) max_retries = over.max_retries;
  if (over.allowed_images) allowed_images = over.allowed_images;
  if (over.protected_environment)
    protected_environment = over.protected_environment;
  if (over.fixed_fields) fixed_fields = over.fixed_fields;
  if (over.implicit_hooks) implicit_hooks = over.implicit_hooks;
}

Policy PolicySet::For(absl::string_view project,
                      absl::string_view domain) const {
  Policy policy = global;
  auto overlay = [&policy](const std::map<std::string, Policy>& scopes,
                           const std::string& key) {
    auto it = scopes.find(key);
    if (it != scopes.end()) policy.OverlayWith(it->second);
  };
  overlay(domains, std::string(domain));
  overlay(projects, std::string(project));
  overlay(project_domains, absl::StrCat(project, "/", domain));
  return policy;
}

v1::PolicyView ViewFor(const Policy& policy) {
  static const std::vector<FixedField> kNone;
  const std::vector<FixedField>& fixed =
      policy.fixed_fields ? policy.fixed_fields->fields : kNone;
  v1::PolicyView view;
  for (const FixedField& field : fixed) view.add_fixed_fields(field.path);

  // Resources: "resources" when no leaf is fixed, else the free leaves.
  std::vector<std::string> free_resources;
  bool any_fixed = false;
  for (Field list : {Field::kRequest, Field::kLimit}) {
    for (int r = Resources::CPU; r <= Resources::EPHEMERAL_STORAGE; ++r) {
      const LeafKey key{list, r};
      if (Fixes(fixed, key)) {
        any_fixed = true;
      } else {
        free_resources.push_back(LeafPath(key));
      }
    }
  }
  if (!any_fixed) {
    view.add_overridable_fields("resources");
  } else {
    for (std::string& path : free_resources)
      view.add_overridable_fields(std::move(path));
  }
  const TopField kScalars[] = {
      {"extended_resources", {Field::kExtendedResources}},
      {"pod_template", {Field::kPodTemplate}},
      {"container_image", {Field::kContainerImage}},
      {"cache", {Field::kCache}},
      {"cache_serializable", {Field::kCacheSerializable}},
      {"cache_version", {Field::kCacheVersion}},
      {"retries", {Field::kRetries}},
      {"interruptible", {Field::kInterruptible}},
  };
  for (const TopField& field : kScalars) {
    if (!Fixes(fixed, field.probe)) view.add_overridable_fields(field.path);
  }
  if (!FixesWhole(fixed, Field::kEnvironment))
    view.add_overridable_fields("environment");
  if (!FixesWhole(fixed, Field::kTaskConfig))
    view.add_overridable_fields("task_config");

  for (Field list : {Field::kRequest, Field::kLimit}) {
    const auto& rules =
        list == Field::kRequest ? policy.max_request : policy.max_limit;
    for (int r = Resources::CPU; r <= Resources::EPHEMERAL_STORAGE; ++r) {
      if (!rules[r]) continue;
      v1::LimitView* limit = view.add_limits();
      limit->set_field(LeafPath({list, r}));
      limit->set_max(rules[r]->text);
      limit->set_action(std::string(ActionName(rules[r]->action)));
    }
  }
  if (policy.max_retries) {
    v1::LimitView* limit = view.add_limits();
    limit->set_field("retries");
    limit->set_max(absl::StrCat(policy.max_retries->max));
    limit->set_action(std::string(ActionName(policy.max_retries->action)));
  }
  if (policy.allowed_images) {
    for (const PolicyPattern& p : policy.allowed_images->patterns)
      view.add_allowed_images(p.source());
  }
  if (policy.protected_environment) {
    for (const PolicyPattern& p : policy.protected_environment->patterns)
      view.add_protected_environment(p.source());
  }
  return view;
}

}  // namespace flyteoverride::policy
