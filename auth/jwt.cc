#include "auth/jwt.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/jose.h"
#include "auth/openssl.h"

namespace flyteoverride::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr size_t kEs256SignatureBytes = 64;  // r || s, 32 bytes each

absl::Status Refused(absl::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("jwt: ", what));
}

// A value taken from the token, safe and short enough for a message.
std::string Quoted(absl::string_view text) {
  constexpr size_t kMax = 64;
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMax)),
                      text.size() > kMax ? "...\"" : "\"");
}

std::string Utc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

// A base64url segment holding a JSON object.
absl::StatusOr<Struct> JsonSegment(absl::string_view segment,
                                   absl::string_view name) {
  absl::StatusOr<std::string> bytes = DecodeBase64Url(segment);
  if (!bytes.ok())
    return Refused(absl::StrCat(name, ": ", bytes.status().message()));
  absl::StatusOr<Struct> object = ParseJsonObject(*bytes);
  if (!object.ok()) {
    return Refused(absl::StrCat(name, ": ", object.status().message()));
  }
  return object;
}

absl::StatusOr<const VerificationKey*> SelectKey(
    const Jwks& jwks, JwsAlgorithm algorithm,
    const std::optional<std::string>& kid) {
  const absl::string_view alg = AlgorithmName(algorithm);
  if (kid.has_value()) {
    for (const VerificationKey& key : jwks.keys()) {
      if (key.kid != *kid) continue;
      if (key.algorithm == algorithm) return &key;
      return Refused(absl::StrCat("the key with kid ", Quoted(*kid), " is an ",
                                  AlgorithmName(key.algorithm),
                                  " key, but the token's alg is ", alg));
    }
    return Refused(
        absl::StrCat("no key with kid ", Quoted(*kid), " in the key set"));
  }
  const VerificationKey* only = nullptr;
  int count = 0;
  for (const VerificationKey& key : jwks.keys()) {
    if (key.algorithm != algorithm) continue;
    only = &key;
    ++count;
  }
  if (count == 0)
    return Refused(absl::StrCat("no ", alg, " key in the key set"));
  if (count > 1) {
    return Refused(absl::StrCat("the token names no kid, and ", count, " ", alg,
                                " keys could have signed it"));
  }
  return only;
}

// JWS writes an ECDSA signature as r || s; OpenSSL verifies DER
// (an ASN.1 SEQUENCE of two INTEGERs).
absl::StatusOr<std::string> EcdsaRawToDer(absl::string_view raw) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  const size_t half = raw.size() / 2;
  UniqueEcdsaSig signature(ECDSA_SIG_new());
  UniqueBignum r(BN_bin2bn(bytes, half, nullptr));
  UniqueBignum s(BN_bin2bn(bytes + half, half, nullptr));
  if (signature == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    return absl::ResourceExhaustedError(TakeOpenSslError());
  }
  r.release();  // owned by `signature` now
  s.release();
  const int size = i2d_ECDSA_SIG(signature.get(), nullptr);
  if (size <= 0) return absl::ResourceExhaustedError(TakeOpenSslError());
  std::string der(size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(signature.get(), &out);
  return der;
}

absl::Status VerifySignature(const VerificationKey& key,
                             absl::string_view signed_part,
                             std::string signature) {
  if (key.algorithm == JwsAlgorithm::kEs256) {
    if (signature.size() != kEs256SignatureBytes) {
      return Refused(absl::StrCat("an ES256 signature is ",
                                  kEs256SignatureBytes, " bytes, got ",
                                  signature.size()));
    }
    absl::StatusOr<std::string> der = EcdsaRawToDer(signature);
    if (!der.ok()) return der.status();
    signature = *std::move(der);
  }
  UniqueMdCtx context(EVP_MD_CTX_new());
  const bool verified =
      context != nullptr &&
      EVP_DigestVerifyInit_ex(context.get(), nullptr, "SHA256", nullptr,
                              nullptr, key.key.get(), nullptr) == 1 &&
      EVP_DigestVerify(
          context.get(),
          reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(),
          reinterpret_cast<const unsigned char*>(signed_part.data()),
          signed_part.size()) == 1;
  if (verified) return absl::OkStatus();
  TakeOpenSslError();
  return Refused(absl::StrCat("the signature does not verify with the ",
                              AlgorithmName(key.algorithm), " key",
                              key.kid.empty() ? "" : " with kid ",
                              key.kid.empty() ? "" : Quoted(key.kid)));
}

// A NumericDate claim: nullopt when absent.
absl::StatusOr<std::optional<absl::Time>> TimeClaim(const Struct& claims,
                                                    const std::string& name) {
  const auto it = claims.fields().find(name);
  if (it == claims.fields().end()) return std::nullopt;
  if (it->second.kind_case() != Value::kNumberValue) {
    return Refused(absl::StrCat(name, " must be a number of seconds"));
  }
  return absl::UnixEpoch() + absl::Seconds(it->second.number_value());
}

absl::StatusOr<std::vector<std::string>> Groups(const Struct& claims,
                                                const std::string& claim) {
  const auto it = claims.fields().find(claim);
  if (it == claims.fields().end()) return std::vector<std::string>();
  const Value& value = it->second;
  if (value.kind_case() == Value::kStringValue) {
    return std::vector<std::string>{value.string_value()};
  }
  std::vector<std::string> groups;
  if (value.kind_case() == Value::kListValue) {
    for (const Value& group : value.list_value().values()) {
      if (group.kind_case() != Value::kStringValue) break;
      groups.push_back(group.string_value());
    }
    if (groups.size() == value.list_value().values_size()) return groups;
  }
  return Refused(absl::StrCat("the groups claim ", Quoted(claim),
                              " must be a list of strings or one string"));
}

absl::Status CheckAudience(const Struct& claims, const std::string& audience) {
  const auto it = claims.fields().find("aud");
  if (it == claims.fields().end()) return Refused("aud is missing");
  const Value& aud = it->second;
  if (aud.kind_case() == Value::kStringValue &&
      aud.string_value() == audience) {
    return absl::OkStatus();
  }
  if (aud.kind_case() == Value::kListValue) {
    for (const Value& one : aud.list_value().values()) {
      if (one.kind_case() == Value::kStringValue &&
          one.string_value() == audience) {
        return absl::OkStatus();
      }
    }
  }
  return Refused(
      absl::StrCat("aud does not hold the audience ", Quoted(audience)));
}

absl::StatusOr<VerifiedToken> CheckClaims(const Struct& claims,
                                          const JwtSettings& settings,
                                          absl::Time now) {
  absl::StatusOr<std::optional<std::string>> iss = StringMember(claims, "iss");
  if (!iss.ok()) return Refused(iss.status().message());
  if (!iss->has_value()) return Refused("iss is missing");
  if (**iss != settings.issuer) {
    return Refused(absl::StrCat("iss ", Quoted(**iss), " is not the issuer ",
                                Quoted(settings.issuer)));
  }
  if (absl::Status aud = CheckAudience(claims, settings.audience); !aud.ok()) {
    return aud;
  }
  absl::StatusOr<std::optional<absl::Time>> exp = TimeClaim(claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Refused("exp is missing");
  const absl::Duration skew = settings.clock_skew;
  if (now >= **exp + skew) {
    return Refused(absl::StrCat("the token expired at ", Utc(**exp), " (",
                                absl::FormatDuration(skew),
                                " of clock skew allowed)"));
  }
  absl::StatusOr<std::optional<absl::Time>> nbf = TimeClaim(claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (nbf->has_value() && now + skew < **nbf) {
    return Refused(absl::StrCat("the token is not valid before ", Utc(**nbf),
                                " (", absl::FormatDuration(skew),
                                " of clock skew allowed)"));
  }
  absl::StatusOr<std::optional<std::string>> sub = StringMember(claims, "sub");
  if (!sub.ok()) return Refused(sub.status().message());
  if (!sub->has_value() || (*sub)->empty()) return Refused("sub is missing");
  absl::StatusOr<std::vector<std::string>> groups =
      Groups(claims, settings.groups_claim);
  if (!groups.ok()) return groups.status();
  return VerifiedToken{**std::move(sub), *std::move(groups), **exp};
}

}  // namespace

absl::StatusOr<VerifiedToken> VerifyJwt(absl::string_view token,
                                        const Jwks& keys,
                                        const JwtSettings& settings,
                                        absl::Time now) {
  if (token.size() > kMaxTokenBytes) {
    return Refused(absl::StrCat("the token is ", token.size(),
                                " bytes, more than the ", kMaxTokenBytes,
                                " accepted"));
  }
  const std::vector<absl::string_view> segments = absl::StrSplit(token, '.');
  if (segments.size() != 3) {
    return Refused(absl::StrCat(
        segments.size() > 3 ? "too many segments" : "too few segments", " (",
        segments.size(),
        "; a signed token has 3, and encrypted ones are not "
        "accepted)"));
  }
  absl::StatusOr<Struct> header = JsonSegment(segments[0], "header");
  if (!header.ok()) return header.status();
  absl::StatusOr<std::optional<std::string>> alg = StringMember(*header, "alg");
  if (!alg.ok())
    return Refused(absl::StrCat("header: ", alg.status().message()));
  if (!alg->has_value()) return Refused("header: alg is missing");
  JwsAlgorithm algorithm;
  if (**alg == "RS256") {
    algorithm = JwsAlgorithm::kRs256;
  } else if (**alg == "ES256") {
    algorithm = JwsAlgorithm::kEs256;
  } else {
    return Refused(absl::StrCat(
        "alg ", Quoted(**alg), " is refused",
        absl::AsciiStrToLower(**alg) == "none" ? ": tokens must be signed" : "",
        " (RS256 and ES256 only)"));
  }
  if (header->fields().contains("crit")) {
    return Refused("header: crit names extensions this server does not know");
  }
  absl::StatusOr<std::optional<std::string>> kid = StringMember(*header, "kid");
  if (!kid.ok())
    return Refused(absl::StrCat("header: ", kid.status().message()));
  // An empty kid names nothing; it must not pick the keys that have none.
  if (kid->has_value() && (*kid)->empty()) kid->reset();
  absl::StatusOr<const VerificationKey*> key =
      SelectKey(keys, algorithm, *kid);
  if (!key.ok()) return key.status();

  absl::StatusOr<std::string> signature = DecodeBase64Url(segments[2]);
  if (!signature.ok()) {
    return Refused(absl::StrCat("signature: ", signature.status().message()));
  }
  const absl::string_view signed_part =
      token.substr(0, segments[0].size() + 1 + segments[1].size());
  if (absl::Status verified =
          VerifySignature(**key, signed_part, *std::move(signature));
      !verified.ok()) {
    return verified;
  }
  absl::StatusOr<Struct> claims = JsonSegment(segments[1], "claims");
  if (!claims.ok()) return claims.status();
  return CheckClaims(*claims, settings, now);
}

absl::StatusOr<absl::string_view> BearerToken(absl::string_view value) {
  constexpr absl::string_view kScheme = "bearer ";
  if (!absl::StartsWithIgnoreCase(value, kScheme)) {
    return absl::UnauthenticatedError(
        "jwt: the authorization value must be \"Bearer <token>\"");
  }
  const absl::string_view token =
      absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) return absl::UnauthenticatedError("jwt: no token");
  return token;
}

}  // namespace flyteoverride::auth
