// Credentials made at test time with OpenSSL, for tests of this package and
// of the server: keys, their JWKs, tokens signed as an IdP signs them, and
// self-signed certificates with chosen SANs. Nothing here is secret or kept.
#ifndef FLYTEOVERRIDE_AUTH_TEST_CREDENTIALS_H_
#define FLYTEOVERRIDE_AUTH_TEST_CREDENTIALS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/openssl.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::auth::testing {

UniquePkey NewRsaKey(int bits = 2048);
UniquePkey NewEcKey();  // on P-256

// The public half of `key` as a JWK (kty, n and e or crv, x and y), with
// `kid` unless it is empty.
google::protobuf::Struct PublicJwk(EVP_PKEY* key, absl::string_view kid);

// {"keys": [jwks...]} as JSON text.
std::string JwksJson(const std::vector<google::protobuf::Struct>& jwks);

// Proto3 JSON text of a Struct.
std::string Json(const google::protobuf::Struct& object);

std::string Base64Url(absl::string_view bytes);

// Claims a token of issuer "https://idp.example.com" for audience
// "flyteoverride" carries: sub "alice", groups ["ml-engineers"], issued at
// `now`, valid for an hour.
google::protobuf::Struct StandardClaims(absl::Time now);

// {"alg": alg, "typ": "JWT"} plus "kid" unless it is empty.
google::protobuf::Struct Header(absl::string_view alg, absl::string_view kid);

// header.claims.signature, the signature made with `key` as RS256 (an RSA
// key) or ES256 (an EC key; r || s, as JWS writes it), whatever the
// header's alg says.
std::string SignJwt(const google::protobuf::Struct& header,
                    const google::protobuf::Struct& claims, EVP_PKEY* key);

// header.claims.HMAC-SHA256(secret), as an HS256 token is made.
std::string SignHs256(const google::protobuf::Struct& header,
                      const google::protobuf::Struct& claims,
                      absl::string_view secret);

// A self-signed certificate for `key`, subject CN `common_name` (none when
// empty; the bytes as given, NULs included), with the subject alternative
// names listed (GEN_URI or GEN_DNS, value), in order.
UniqueX509 SelfSignedCertificate(
    EVP_PKEY* key, absl::string_view common_name,
    const std::vector<std::pair<int, std::string>>& alt_names);

std::string CertificatePem(const X509& certificate);

}  // namespace flyteoverride::auth::testing

#endif  // FLYTEOVERRIDE_AUTH_TEST_CREDENTIALS_H_
