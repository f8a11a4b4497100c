#include "auth/jwks.h"

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>

#include <optional>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "auth/jose.h"
#include "auth/openssl.h"

namespace flyteoverride::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr int kMinRsaBits = 2048;
constexpr size_t kP256CoordinateBytes = 32;

// A key the document holds for something else than verifying our tokens.
struct Skip {
  std::string reason;
};
using KeyOrSkip = std::variant<VerificationKey, Skip>;

absl::Status Invalid(absl::string_view what, const absl::Status& why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why.message()));
}

// A required member holding base64url bytes.
absl::StatusOr<std::string> KeyBytes(const Struct& jwk,
                                     const std::string& name) {
  absl::StatusOr<std::optional<std::string>> text = StringMember(jwk, name);
  if (!text.ok()) return text.status();
  if (!text->has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is missing"));
  }
  absl::StatusOr<std::string> bytes = DecodeBase64Url(**text);
  if (!bytes.ok()) return Invalid(name, bytes.status());
  if (bytes->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is empty"));
  }
  return bytes;
}

// A public key of OpenSSL type `type` ("RSA", "EC") from `params`, checked
// as SP 800-56B / SP 800-56A ask (an RSA modulus that is odd and composite
// with a sane exponent, an EC point on the curve).
absl::StatusOr<std::shared_ptr<EVP_PKEY>> FromData(const char* type,
                                                   OSSL_PARAM_BLD* build) {
  UniqueParams params(OSSL_PARAM_BLD_to_param(build));
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    return absl::InvalidArgumentError(
        absl::StrCat("OpenSSL refused the key: ", TakeOpenSslError()));
  }
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  UniquePkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid public key: ", TakeOpenSslError()));
  }
  return key;
}

absl::StatusOr<KeyOrSkip> RsaKey(const Struct& jwk) {
  absl::StatusOr<std::string> n = KeyBytes(jwk, "n");
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = KeyBytes(jwk, "e");
  if (!e.ok()) return e.status();
  const auto* n_bytes = reinterpret_cast<const unsigned char*>(n->data());
  const auto* e_bytes = reinterpret_cast<const unsigned char*>(e->data());
  UniqueBignum modulus(BN_bin2bn(n_bytes, n->size(), nullptr));
  UniqueBignum exponent(BN_bin2bn(e_bytes, e->size(), nullptr));
  UniqueParamBld build(OSSL_PARAM_BLD_new());
  if (modulus == nullptr || exponent == nullptr || build == nullptr) {
    return absl::ResourceExhaustedError(TakeOpenSslError());
  }
  if (const int bits = BN_num_bits(modulus.get()); bits < kMinRsaBits) {
    return Skip{absl::StrCat("an RSA modulus of ", bits, " bits (at least ",
                             kMinRsaBits, " are required)")};
  }
  if (OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N,
                             modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E,
                             exponent.get()) != 1) {
    return absl::ResourceExhaustedError(TakeOpenSslError());
  }
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> key = FromData("RSA", build.get());
  if (!key.ok()) return key.status();
  return VerificationKey{"", JwsAlgorithm::kRs256, *std::move(key)};
}

absl::StatusOr<KeyOrSkip> EcKey(const Struct& jwk) {
  absl::StatusOr<std::string> x = KeyBytes(jwk, "x");
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = KeyBytes(jwk, "y");
  if (!y.ok()) return y.status();
  if (x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "x and y must be ", kP256CoordinateBytes, " bytes each on P-256, got ",
        x->size(), " and ", y->size()));
  }
  // An uncompressed point (SEC 1 section 2.3.3).
  const std::string point = absl::StrCat("\x04", *x, *y);
  UniqueParamBld build(OSSL_PARAM_BLD_new());
  if (build == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      SN_X9_62_prime256v1, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return absl::ResourceExhaustedError(TakeOpenSslError());
  }
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> key = FromData("EC", build.get());
  if (!key.ok()) return key.status();
  return VerificationKey{"", JwsAlgorithm::kEs256, *std::move(key)};
}

// The optional member `name`, or an error when it is not a string.
absl::StatusOr<std::string> Optional(const Struct& jwk,
                                     const std::string& name) {
  absl::StatusOr<std::optional<std::string>> value = StringMember(jwk, name);
  if (!value.ok()) return value.status();
  return value->value_or("");
}

absl::StatusOr<KeyOrSkip> ReadKey(const Struct& jwk) {
  absl::StatusOr<std::string> kty = Optional(jwk, "kty");
  if (!kty.ok()) return kty.status();
  absl::StatusOr<std::string> use = Optional(jwk, "use");
  if (!use.ok()) return use.status();
  absl::StatusOr<std::string> alg = Optional(jwk, "alg");
  if (!alg.ok()) return alg.status();
  if (kty->empty()) return absl::InvalidArgumentError("kty is missing");
  if (!use->empty() && *use != "sig") {
    return Skip{absl::StrCat("use \"", absl::CHexEscape(*use),
                             "\" is not for signatures")};
  }
  const auto wrong_alg = [&alg](absl::string_view want) {
    return Skip{absl::StrCat("alg \"", absl::CHexEscape(*alg),
                             "\" is not accepted (", want, " only)")};
  };
  if (*kty == "RSA") {
    if (!alg->empty() && *alg != "RS256") return wrong_alg("RS256");
    return RsaKey(jwk);
  }
  if (*kty == "EC") {
    absl::StatusOr<std::string> crv = Optional(jwk, "crv");
    if (!crv.ok()) return crv.status();
    if (crv->empty()) return absl::InvalidArgumentError("crv is missing");
    if (*crv != "P-256") {
      return Skip{absl::StrCat("curve \"", absl::CHexEscape(*crv),
                               "\" is not accepted (P-256 only)")};
    }
    if (!alg->empty() && *alg != "ES256") return wrong_alg("ES256");
    return EcKey(jwk);
  }
  return Skip{absl::StrCat("kty \"", absl::CHexEscape(*kty),
                           "\" is not accepted (RSA and EC only)")};
}

absl::Status Refused(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("jwks: ", what));
}

}  // namespace

absl::string_view AlgorithmName(JwsAlgorithm algorithm) {
  return algorithm == JwsAlgorithm::kRs256 ? "RS256" : "ES256";
}

absl::StatusOr<Jwks> Jwks::Parse(absl::string_view json) {
  if (json.size() > kMaxBytes) {
    return Refused(absl::StrCat("the document is ", json.size(),
                                " bytes, more than the ", kMaxBytes,
                                " accepted"));
  }
  absl::StatusOr<Struct> document = ParseJsonObject(json);
  if (!document.ok()) return Refused(document.status().message());
  const auto keys = document->fields().find("keys");
  if (keys == document->fields().end() ||
      keys->second.kind_case() != Value::kListValue) {
    return Refused("\"keys\" must be a list of keys");
  }
  Jwks jwks;
  absl::flat_hash_set<std::string> kids;
  const auto& list = keys->second.list_value().values();
  for (int i = 0; i < list.size(); ++i) {
    std::string label = absl::StrCat("keys[", i, "]");
    if (list[i].kind_case() != Value::kStructValue) {
      return Refused(absl::StrCat(label, " must be an object"));
    }
    const Struct& jwk = list[i].struct_value();
    absl::StatusOr<std::string> kid = Optional(jwk, "kid");
    if (!kid.ok())
      return Refused(absl::StrCat(label, ": ", kid.status().message()));
    if (!kid->empty()) {
      absl::StrAppend(&label, " (kid \"", absl::CHexEscape(*kid), "\")");
    }
    absl::StatusOr<KeyOrSkip> key = ReadKey(jwk);
    if (!key.ok()) {
      return Refused(absl::StrCat(label, ": ", key.status().message()));
    }
    if (const Skip* skip = std::get_if<Skip>(&*key)) {
      jwks.skipped_.push_back(absl::StrCat(label, ": ", skip->reason));
      continue;
    }
    if (!kid->empty() && !kids.insert(*kid).second) {
      return Refused(absl::StrCat(label, ": another usable key has this kid"));
    }
    VerificationKey& usable = std::get<VerificationKey>(*key);
    usable.kid = *std::move(kid);
    jwks.keys_.push_back(std::move(usable));
  }
  if (jwks.keys_.empty()) {
    return Refused(absl::StrCat("no key can verify RS256 or ES256 tokens (",
                                list.size(), " keys, ", jwks.skipped_.size(),
                                " skipped)"));
  }
  return jwks;
}

}  // namespace flyteoverride::auth
