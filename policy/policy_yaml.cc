#include "policy/policy_yaml.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "flyteidl/core/tasks.pb.h"
#include "resolver/names.h"

namespace flyteoverride::policy {


namespace {

using flyteidl::core::Resources;
using policy::Policy;
using policy::PolicyAction;
using policy::PolicyPattern;

int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string Kind(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "no value";
  return absl::StrCat("\"", node.Scalar(), "\"");
}

// A resource as the YAML names it ("ephemeral_storage"), or 0.
int ResourceNamed(absl::string_view name) {
  for (int r = Resources::CPU; r <= Resources::EPHEMERAL_STORAGE; ++r) {
    if (resolver::ResourcePathName(r) == name) return r;
  }
  return 0;
}

class PolicyReader {
 public:
  void Read(const YAML::Node& node, policy::PolicySet* out) {
    const std::string path = "policy";
    if (node.IsNull()) return;
    Mapping(
        node, path, {"global", "domains", "projects", "project_domains"},
        [&](const std::string& key, const YAML::Node& v,
            const std::string& at) {
          if (key == "global") {
            Rules(v, at, "global", &out->global);
            return;
          }
          Mapping(
              v, at, {},
              [&](const std::string& name, const YAML::Node& rules,
                  const std::string& rules_at) {
                std::optional<std::string> scope = ScopeName(key, name);
                if (!scope) {
                  Add(rules, rules_at,
                      key == "project_domains"
                          ? "must be named \"project/domain\""
                          : "must be named by a non-empty name without \"/\"");
                  return;
                }
                auto& scopes = key == "domains"    ? out->domains
                               : key == "projects" ? out->projects
                                                   : out->project_domains;
                Rules(rules, rules_at, *scope, &scopes[name]);
              });
        });
  }

  std::vector<PolicyProblem> problems;

 private:
  using Visitor =
      std::function<void(const std::string& key, const YAML::Node& value,
                         const std::string& path)>;

  void Add(const YAML::Node& at, const std::string& path,
           absl::string_view message) {
    problems.push_back({LineOf(at), absl::StrCat(path, ": ", message)});
  }

  static std::optional<std::string> ScopeName(const std::string& kind,
                                              const std::string& name) {
    if (kind == "project_domains") {
      std::vector<std::string> parts = absl::StrSplit(name, '/');
      if (parts.size() != 2 || parts[0].empty() || parts[1].empty())
        return std::nullopt;
      return absl::StrCat("project ", parts[0], ", domain ", parts[1]);
    }
    if (name.empty() || name.find('/') != std::string::npos)
      return std::nullopt;
    return absl::StrCat(kind == "domains" ? "domain " : "project ", name);
  }

  // Visits a mapping's entries in order. With `known` keys, any other key is
  // an error with the closest known one suggested. A null is an empty
  // mapping. Repeated keys are errors.
  void Mapping(const YAML::Node& map, const std::string& path,
               const std::vector<std::string>& known, const Visitor& visit) {
    if (map.IsNull()) return;
    if (!map.IsMap()) {
      Add(map, path, absl::StrCat("must be a mapping, got ", Kind(map)));
      return;
    }
    absl::flat_hash_map<std::string, int> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies: the iterator hands out a temporary pair.
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        Add(key, path, absl::StrCat("keys must be strings, got ", Kind(key)));
        continue;
      }
      const std::string& name = key.Scalar();
      const std::string at = absl::StrCat(path, ".", name);
      if (!known.empty() &&
          std::find(known.begin(), known.end(), name) == known.end()) {
        std::vector<std::string> near = resolver::ClosestNames(name, known, 1);
        problems.push_back(
            {LineOf(key),
             near.empty()
                 ? absl::StrCat("unknown key \"", at, "\"; expected ", path,
                                ".{", absl::StrJoin(known, ", "), "}")
                 : absl::StrCat("unknown key \"", at, "\" (did you mean \"",
                                path, ".", near[0], "\"?)")});
        continue;
      }
      auto [first, inserted] = seen.emplace(name, LineOf(key));
      if (!inserted) {
        Add(key, at,
            absl::StrCat("duplicate key (first at line ", first->second, ")"));
        continue;
      }
      visit(name, value, at);
    }
  }

  bool Scalar(const YAML::Node& v, const std::string& path, std::string* out) {
    if (!v.IsScalar()) {
      Add(v, path, absl::StrCat("must be a single value, got ", Kind(v)));
      return false;
    }
    *out = v.Scalar();
    return true;
  }

  // A list of strings; `item` reads one, returning why it is bad or "".
  void List(const YAML::Node& v, const std::string& path,
            const std::function<std::string(const std::string&)>& item) {
    if (!v.IsSequence()) {
      Add(v, path, absl::StrCat("must be a list, got ", Kind(v)));
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string at = absl::StrCat(path, "[", i, "]");
      std::string text;
      if (!Scalar(v[i], at, &text)) continue;
      std::string bad = item(text);
      if (!bad.empty()) Add(v[i], at, bad);
    }
  }

  // Reads `action` into `out`; false, with a problem, when it is neither
  // reject nor clamp.
  bool Action(const YAML::Node& v, const std::string& path, PolicyAction* out) {
    std::string text;
    if (!Scalar(v, path, &text)) return false;
    if (text == "reject" || text == "clamp") {
      *out = text == "clamp" ? PolicyAction::kClamp : PolicyAction::kReject;
      return true;
    }
    Add(v, path, absl::StrCat("must be reject or clamp, got ", Kind(v)));
    return false;
  }

  void Rules(const YAML::Node& node, const std::string& path,
             const std::string& scope, Policy* out) {
    Mapping(
        node, path,
        {"resources", "retries", "images", "environment", "fixed_fields",
         "implicit_hooks"},
        [&](const std::string& key, const YAML::Node& v,
            const std::string& at) {
          if (key == "resources") {
            Mapping(
                v, at, {"cpu", "memory", "gpu", "storage", "ephemeral_storage"},
                [&](const std::string& name, const YAML::Node& limits,
                    const std::string& limits_at) {
                  Resource(limits, limits_at, ResourceNamed(name), scope, out);
                });
          } else if (key == "retries") {
            Retries(v, at, scope, out);
          } else if (key == "images") {
            Patterns(v, at, "allowed", &PolicyPattern::Regex, scope,
                     &out->allowed_images);
          } else if (key == "environment") {
            Patterns(v, at, "protected", &PolicyPattern::Glob, scope,
                     &out->protected_environment);
          } else if (key == "implicit_hooks") {
            if (v.IsScalar() && (v.Scalar() == "node_name" || v.Scalar() == "off")) {
              out->implicit_hooks = v.Scalar() == "node_name";
            } else {
              Add(v, at, absl::StrCat("must be node_name or off, got ", Kind(v)));
            }
          } else {
            FixedFields(v, at, scope, out);
          }
        });
  }

  void Resource(const YAML::Node& node, const std::string& path, int resource,
                const std::string& scope, Policy* out) {
    std::optional<policy::QuantityRule> request, limit;
    PolicyAction action = PolicyAction::kReject;
    bool bad = false;
    Mapping(node, path, {"max_request", "max_limit", "action"},
            [&](const std::string& key, const YAML::Node& v,
                const std::string& at) {
              if (key == "action") {
                bad |= !Action(v, at, &action);
                return;
              }
              std::optional<policy::QuantityRule> rule =
                  Maximum(v, at, resource, scope);
              bad |= !rule;
              (key == "max_request" ? request : limit) = std::move(rule);
            });
    if (bad || !(node.IsMap() || node.IsNull())) return;
    if (!request && !limit) {
      Add(node, path, "sets no maximum: give max_request, max_limit or both");
      return;
    }
    if (request && limit && request->max > limit->max) {
      Add(node, path,
          absl::StrCat("max_request ", request->text, " is above max_limit ",
                       limit->text, "; a request above its limit is refused"));
      return;
    }
    if (request) {
      request->action = action;
      out->max_request[resource] = std::move(request);
    }
    if (limit) {
      limit->action = action;
      out->max_limit[resource] = std::move(limit);
    }
  }

  std::optional<policy::QuantityRule> Maximum(const YAML::Node& v,
                                                const std::string& path,
                                                int resource,
                                                const std::string& scope) {
    std::string text;
    if (!Scalar(v, path, &text)) return std::nullopt;
    auto quantity = resolver::Quantity::Parse(text);
    if (!quantity.ok()) {
      Add(v, path,
          absl::StrCat("must be a Kubernetes quantity like \"128Gi\" or "
                       "\"500m\": ",
                       quantity.status().message()));
      return std::nullopt;
    }
    if (quantity->IsNegative()) {
      Add(v, path, absl::StrCat("must not be negative, got ", text));
      return std::nullopt;
    }
    if (resource == Resources::GPU && !quantity->IsWholeNumber()) {
      Add(v, path, absl::StrCat("GPUs are whole numbers, got ", text));
      return std::nullopt;
    }
    return policy::QuantityRule{*quantity, text, PolicyAction::kReject,
                                  scope};
  }

  void Retries(const YAML::Node& node, const std::string& path,
               const std::string& scope, Policy* out) {
    std::optional<int32_t> max;
    PolicyAction action = PolicyAction::kReject;
    bool bad = false;
    Mapping(node, path, {"max", "action"},
            [&](const std::string& key, const YAML::Node& v,
                const std::string& at) {
              if (key == "action") {
                bad |= !Action(v, at, &action);
                return;
              }
              std::string text;
              int32_t value = 0;
              // A quoted scalar is a string in YAML, even when it holds digits.
              if (!Scalar(v, at, &text) || v.Tag() == "!" ||
                  !absl::SimpleAtoi(text, &value) || value < 0) {
                if (v.IsScalar()) {
                  Add(v, at,
                      absl::StrCat("must be a whole number 0 or more, got ",
                                   Kind(v)));
                }
                bad = true;
                return;
              }
              max = value;
            });
    if (bad || !(node.IsMap() || node.IsNull())) return;
    if (!max) {
      Add(node, path, "sets no maximum: give max");
      return;
    }
    out->max_retries = policy::RetriesRule{*max, action, scope};
  }

  using Compile = absl::StatusOr<PolicyPattern> (*)(absl::string_view);

  void Patterns(const YAML::Node& node, const std::string& path,
                const std::string& list_key, Compile compile,
                const std::string& scope,
                std::optional<policy::PatternRule>* out) {
    Mapping(node, path, {list_key, "action"},
            [&](const std::string& key, const YAML::Node& v,
                const std::string& at) {
              if (key == "action") {  // accepted for symmetry: reject only
                PolicyAction action = PolicyAction::kReject;
                if (Action(v, at, &action) && action == PolicyAction::kClamp)
                  Add(v, at, "must be reject: this rule cannot clamp");
                return;
              }
              policy::PatternRule rule{{}, scope};
              List(v, at, [&](const std::string& source) -> std::string {
                if (compile == &PolicyPattern::Glob) {
                  std::string bad = EnvironmentGlobProblem(source);
                  if (!bad.empty()) return bad;
                }
                auto pattern = compile(source);
                if (!pattern.ok())
                  return std::string(pattern.status().message());
                rule.patterns.push_back(*std::move(pattern));
                return "";
              });
              *out = std::move(rule);
            });
  }

  void FixedFields(const YAML::Node& node, const std::string& path,
                   const std::string& scope, Policy* out) {
    policy::FixedFieldsRule rule{{}, scope};
    List(node, path, [&](const std::string& text) -> std::string {
      auto field = policy::ParseFixedField(text);
      if (!field.ok()) return std::string(field.status().message());
      rule.fields.push_back(*std::move(field));
      return "";
    });
    out->fixed_fields = std::move(rule);
  }
};

}  // namespace

std::vector<PolicyProblem> ReadPolicy(const YAML::Node& policy,
                                      policy::PolicySet* out) {
  PolicyReader reader;
  try {
    reader.Read(policy, out);
  } catch (const std::exception& e) {
    reader.problems.push_back(
        {LineOf(policy), absl::StrCat("policy: cannot read: ", e.what())});
  }
  return std::move(reader.problems);
}

}  // namespace flyteoverride::policy
