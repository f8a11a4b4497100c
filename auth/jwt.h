// Bearer tokens: a compact JWS (RFC 7515) whose claims (RFC 7519) name the
// caller, verified against an issuer's keys (auth/jwks.h). Only RS256 and
// ES256 signatures are accepted; `alg: none`, HMAC and every other
// algorithm are refused, so a public key can never serve as an HMAC secret.
// Keys are only ever taken from the key set: a header's `jku`, `jwk` or
// `x5u` is ignored.
#ifndef FLYTEOVERRIDE_AUTH_JWT_H_
#define FLYTEOVERRIDE_AUTH_JWT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/auth_config.h"
#include "auth/jwks.h"

namespace flyteoverride::auth {

// Longer tokens are refused before any decoding: no IdP issues one near it.
inline constexpr size_t kMaxTokenBytes = 16 << 10;

// Who a verified token says the caller is.
struct VerifiedToken {
  std::string subject;              // `sub`, never empty
  std::vector<std::string> groups;  // settings.groups_claim; may be empty
  absl::Time expires;               // `exp`
};

// Verifies `token` (the text after "Bearer ") as `now`: at most
// kMaxTokenBytes, three base64url segments, a header whose `alg` is RS256 or
// ES256 and which lists no `crit` extension, a key chosen by `kid` (or, with
// no kid, the only key of the token's algorithm), a signature that verifies,
// then claims: `iss` equal to settings.issuer, `aud` (a string or a list)
// holding settings.audience, `now` before `exp` + clock_skew, `nbf` (when
// present) at most `now` + clock_skew, a non-empty `sub`, and
// settings.groups_claim absent, a string or a list of strings.
//
// Claims are read only once the signature holds. Every failure is
// UNAUTHENTICATED "jwt: <the check that failed>", never quoting the token.
absl::StatusOr<VerifiedToken> VerifyJwt(absl::string_view token,
                                        const Jwks& keys,
                                        const JwtSettings& settings,
                                        absl::Time now);

// The token of an authorization value, "Bearer <token>" (the scheme in any
// case); UNAUTHENTICATED for another scheme or no token.
absl::StatusOr<absl::string_view> BearerToken(absl::string_view value);

}  // namespace flyteoverride::auth

#endif  // FLYTEOVERRIDE_AUTH_JWT_H_
