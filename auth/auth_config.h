// Who may call what: the `auth:` section of the server's config
// (docs/configuration.md, "auth"; docs/design.md section 11). Plain values
// that config/ fills from YAML and the server hands to Authorize
// (auth/rules.h) and VerifyJwt (auth/jwt.h). ValidateAuth checks them
// however they were built; it reads no file.
#ifndef FLYTEOVERRIDE_AUTH_AUTH_CONFIG_H_
#define FLYTEOVERRIDE_AUTH_AUTH_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace flyteoverride::auth {

// What a rule's `allow` may name: the API's RPCs and `Resolve:dry_run`
// (only previews that record nothing).
inline constexpr absl::string_view kGrantNames[] = {
    "InspectWorkflow", "Resolve",        "Resolve:dry_run",
    "GetResolved",     "ResolveDynamic", "ListExecutions"};

// Bearer tokens: signed JWTs of one issuer, for one audience.
struct JwtSettings {
  std::string issuer;     // `iss` must equal it
  std::string audience;   // `aud` must be or contain it
  std::string jwks_file;  // the issuer's public keys, read by the server
  // The claim holding the caller's groups: a list of strings or one string.
  std::string groups_claim = "groups";
  // gRPC metadata keys (HTTP headers) a token is read from, lowercase.
  std::vector<std::string> headers = {"authorization", "flyte-authorization"};
  // Leeway for clocks that disagree, on `exp` and `nbf`; at most 5m.
  absl::Duration clock_skew = absl::Seconds(30);
};

// One grant. A rule applies to a call when the caller is one of its
// principals or in one of its groups, the RPC is allowed, and the project
// and domain match. Every list but `allow` holds glob patterns
// (encoding/glob.h); empty `projects` or `domains` means all.
struct AuthRule {
  std::string name;
  std::vector<std::string> principals;  // certificate identity or JWT `sub`
  std::vector<std::string> groups;      // from the JWT's groups claim
  std::vector<std::string> allow;       // kGrantNames
  std::vector<std::string> projects;
  std::vector<std::string> domains;
  bool reveal_secrets = false;  // the caller sees secret_environment values
};

struct AuthConfig {
  // An `auth:` section exists: every call must be granted by a rule. Off,
  // every caller may call everything.
  bool enabled = false;
  std::optional<JwtSettings> jwt;
  std::vector<AuthRule> rules;  // in order: the first that applies wins
};

// A problem with an AuthConfig: the key path it is about, as the config
// file writes it ("auth.rules[1].allow[0]", "auth.jwt.issuer"), and what is
// wrong ("unknown RPC \"Reslove\"; ...").
struct AuthProblem {
  std::string key;
  std::string message;
};

// Every problem, in rule order: rules without a name, with a repeated name,
// naming neither principals nor groups (or groups without auth.jwt),
// granting nothing or an unknown RPC; a JWT section without issuer, audience
// or jwks_file, with a bad header name, or a clock skew outside 0..5m; an
// enabled section without rules. Empty when there is nothing to fix.
std::vector<AuthProblem> ValidateAuth(const AuthConfig& config);

}  // namespace flyteoverride::auth

#endif  // FLYTEOVERRIDE_AUTH_AUTH_CONFIG_H_
