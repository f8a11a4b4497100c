#include "auth/rules.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "encoding/glob.h"

namespace flyteoverride::auth {
namespace {

bool AnyMatches(absl::Span<const std::string> patterns,
                absl::string_view text) {
  return std::any_of(
      patterns.begin(), patterns.end(),
      [text](const std::string& p) { return encoding::GlobMatches(p, text); });
}

// An empty list places no condition.
bool InScope(absl::Span<const std::string> patterns, absl::string_view text) {
  return patterns.empty() || AnyMatches(patterns, text);
}

bool NamesCaller(const AuthRule& rule, const Caller& caller) {
  if (AnyMatches(rule.principals, caller.principal)) return true;
  return std::any_of(caller.groups.begin(), caller.groups.end(),
                     [&rule](const std::string& group) {
                       return AnyMatches(rule.groups, group);
                     });
}

bool Allows(const AuthRule& rule, absl::string_view rpc, bool dry_run) {
  for (const std::string& grant : rule.allow) {
    if (grant == rpc) return true;
    if (dry_run && rpc == "Resolve" && grant == "Resolve:dry_run") return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Decision> Authorize(const AuthConfig& config,
                                   const Caller& caller, absl::string_view rpc,
                                   bool dry_run, absl::string_view project,
                                   absl::string_view domain) {
  if (!config.enabled) return Decision{"", true};
  if (caller.principal.empty()) {
    return absl::UnauthenticatedError(
        "no credentials: present a client certificate or a bearer token");
  }
  std::vector<absl::string_view> naming;  // rules that name the caller
  for (const AuthRule& rule : config.rules) {
    if (!NamesCaller(rule, caller)) continue;
    naming.push_back(rule.name);
    if (Allows(rule, rpc, dry_run) && InScope(rule.projects, project) &&
        InScope(rule.domains, domain)) {
      return Decision{rule.name, rule.reveal_secrets};
    }
  }
  const std::string call =
      absl::StrCat(rpc, dry_run && rpc == "Resolve" ? " (dry run)" : "",
                   " on project \"", absl::CHexEscape(project), "\", domain \"",
                   absl::CHexEscape(domain), "\"");
  if (naming.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "no auth rule names caller \"", absl::CHexEscape(caller.principal),
        "\" or its groups, so it may not call ", call));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "the auth rules for caller \"", absl::CHexEscape(caller.principal),
      "\" (", absl::StrJoin(naming, ", "), ") do not grant ", call));
}

bool IsSecretKey(absl::Span<const std::string> patterns,
                 absl::string_view key) {
  return AnyMatches(patterns, key);
}

}  // namespace flyteoverride::auth
