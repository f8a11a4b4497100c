// An issuer's public keys, from a JWKS document (RFC 7517): RSA keys (`n`,
// `e`) verify RS256 tokens, EC keys on P-256 (`crv`, `x`, `y`) verify ES256.
// The keys become OpenSSL EVP_PKEYs once, when the document is parsed.
#ifndef FLYTEOVERRIDE_AUTH_JWKS_H_
#define FLYTEOVERRIDE_AUTH_JWKS_H_

#include <openssl/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::auth {

// The only signature algorithms accepted; each key serves exactly one.
enum class JwsAlgorithm { kRs256, kEs256 };

// "RS256" or "ES256".
absl::string_view AlgorithmName(JwsAlgorithm algorithm);

struct VerificationKey {
  std::string kid;  // empty when the JWK has none
  JwsAlgorithm algorithm;
  std::shared_ptr<EVP_PKEY> key;  // public only; shared by copies
};

// Immutable once parsed, so one Jwks may verify tokens on many threads at
// once (OpenSSL 3 keys are safe to share read-only).
class Jwks {
 public:
  // Largest document read, in bytes.
  static constexpr size_t kMaxBytes = 1 << 20;

  // Parses {"keys": [...]}. A key the server cannot use is skipped, and said
  // so in skipped(): another `kty` ("oct", "OKP"), another curve, `use`
  // other than "sig", an `alg` other than RS256 or ES256 for its type, an
  // RSA modulus under 2048 bits. A malformed key is an error, since it
  // means the document is not what the issuer published: a missing or
  // ill-typed member, bad base64url, a point not on the curve. So is a `kid`
  // two usable keys share, and a document with no usable key.
  // INVALID_ARGUMENT starting "jwks: ", naming the key by index and kid.
  static absl::StatusOr<Jwks> Parse(absl::string_view json);

  const std::vector<VerificationKey>& keys() const { return keys_; }
  // One line per skipped key, for the server's log:
  // `keys[2] (kid "enc-1"): use "enc" is not for signatures`.
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  Jwks() = default;

  std::vector<VerificationKey> keys_;
  std::vector<std::string> skipped_;
};

}  // namespace flyteoverride::auth

#endif  // FLYTEOVERRIDE_AUTH_JWKS_H_
