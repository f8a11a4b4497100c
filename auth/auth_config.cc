#include "auth/auth_config.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flyteoverride::auth {
namespace {

bool IsGrant(absl::string_view name) {
  return std::find(std::begin(kGrantNames), std::end(kGrantNames), name) !=
         std::end(kGrantNames);
}

// gRPC refuses uppercase keys, and a "-bin" key carries bytes, not text.
bool IsMetadataKey(absl::string_view key) {
  if (key.empty() || absl::EndsWith(key, "-bin")) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' ||
           c == '_' || c == '.';
  });
}

class Validator {
 public:
  void Run(const AuthConfig& config) {
    if (!config.enabled) return;
    if (config.jwt) Jwt(*config.jwt);
    if (config.rules.empty()) {
      Add("auth.rules",
          "must list at least one rule: with an auth section, calls no rule "
          "grants are refused, so none would be served");
    }
    absl::flat_hash_map<std::string, size_t> names;  // name -> first index
    for (size_t i = 0; i < config.rules.size(); ++i) {
      Rule(config.rules[i], absl::StrCat("auth.rules[", i, "]"),
           config.jwt.has_value(), &names, i);
    }
  }

  std::vector<AuthProblem> problems;

 private:
  void Add(std::string key, std::string message) {
    problems.push_back({std::move(key), std::move(message)});
  }

  void Jwt(const JwtSettings& jwt) {
    const std::pair<const char*, const std::string*> required[] = {
        {"issuer", &jwt.issuer},
        {"audience", &jwt.audience},
        {"jwks_file", &jwt.jwks_file},
        {"groups_claim", &jwt.groups_claim}};
    for (const auto& [key, value] : required) {
      if (value->empty()) Add(absl::StrCat("auth.jwt.", key), "must be set");
    }
    if (jwt.headers.empty()) {
      Add("auth.jwt.header", "must name at least one metadata key");
    }
    for (size_t i = 0; i < jwt.headers.size(); ++i) {
      if (IsMetadataKey(jwt.headers[i])) continue;
      Add(jwt.headers.size() == 1 ? "auth.jwt.header"
                                  : absl::StrCat("auth.jwt.header[", i, "]"),
          absl::StrCat("\"", jwt.headers[i],
                       "\" is not a gRPC metadata key: lowercase letters, "
                       "digits, \"-\", \"_\" and \".\", not ending in -bin"));
    }
    if (jwt.clock_skew < absl::ZeroDuration() ||
        jwt.clock_skew > absl::Minutes(5)) {
      Add("auth.jwt.clock_skew",
          absl::StrCat("must be 0s..5m, got ",
                       absl::FormatDuration(jwt.clock_skew)));
    }
  }

  void Rule(const AuthRule& rule, const std::string& at, bool has_jwt,
            absl::flat_hash_map<std::string, size_t>* names, size_t index) {
    if (rule.name.empty()) {
      Add(at + ".name", "must be set: refusals and audit lines name the rule");
    } else if (auto [first, inserted] = names->emplace(rule.name, index);
               !inserted) {
      Add(at + ".name",
          absl::StrCat("\"", rule.name, "\" is already the name of auth.rules[",
                       first->second, "]"));
    }
    if (rule.principals.empty() && rule.groups.empty()) {
      Add(at,
          "must name principals, groups or both: a rule for nobody "
          "grants nothing");
    }
    if (!rule.groups.empty() && !has_jwt) {
      Add(at + ".groups",
          "groups come only from a JWT's groups claim: set auth.jwt");
    }
    if (rule.allow.empty()) Add(at + ".allow", "must grant at least one RPC");
    for (size_t i = 0; i < rule.allow.size(); ++i) {
      if (IsGrant(rule.allow[i])) continue;
      Add(absl::StrCat(at, ".allow[", i, "]"),
          absl::StrCat("unknown RPC \"", rule.allow[i], "\"; expected one of ",
                       absl::StrJoin(kGrantNames, ", ")));
    }
  }
};

}  // namespace

std::vector<AuthProblem> ValidateAuth(const AuthConfig& config) {
  Validator validator;
  validator.Run(config);
  return std::move(validator.problems);
}

}  // namespace flyteoverride::auth
