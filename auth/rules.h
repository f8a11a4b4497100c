// The authorization decision (docs/design.md section 11): given who is
// calling, which RPC, and the project and domain it concerns, the first rule
// of the AuthConfig that grants the call, or the refusal. Pure: the caller's
// identity was established before (auth/jwt.h, auth/peer_identity.h), and
// the project and domain come from the request, so a refusal never depends
// on (or reveals) whether a record exists.
#ifndef FLYTEOVERRIDE_AUTH_RULES_H_
#define FLYTEOVERRIDE_AUTH_RULES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "auth/auth_config.h"

namespace flyteoverride::auth {

// What an environment value of a secret key is replaced with.
inline constexpr absl::string_view kRedactedValue = "<redacted>";

// Who is calling, as established at the edge.
struct Caller {
  // The certificate's identity or the token's `sub`; empty when the call
  // carries no credentials.
  std::string principal;
  std::vector<std::string> groups;  // from the token; none for certificates
};

// A granted call.
struct Decision {
  std::string rule;  // the rule that granted it; empty without auth
  // The caller may see the values of secret_environment keys.
  bool reveal_secrets = false;
};

// Without an enabled AuthConfig every call is granted, secrets revealed
// (config/ refuses secret_environment without auth). Otherwise the first
// rule that names the caller (a principal pattern matching `principal`, or a
// group pattern matching one of `groups`), allows `rpc` (a kGrantNames entry;
// "Resolve" also grants dry runs, "Resolve:dry_run" only them), and whose
// project and domain patterns match, decides: later rules are not read, so
// the first one's reveal_secrets holds. Rules only grant; order them from
// narrowest to widest.
//
// UNAUTHENTICATED when `caller` has no principal; PERMISSION_DENIED when no
// rule grants the call, naming the rules that name the caller (or saying
// that none does), the RPC, project and domain.
absl::StatusOr<Decision> Authorize(const AuthConfig& config,
                                   const Caller& caller, absl::string_view rpc,
                                   bool dry_run, absl::string_view project,
                                   absl::string_view domain);

// Whether `key` matches one of the glob `patterns` (secret_environment).
bool IsSecretKey(absl::Span<const std::string> patterns, absl::string_view key);

}  // namespace flyteoverride::auth

#endif  // FLYTEOVERRIDE_AUTH_RULES_H_
