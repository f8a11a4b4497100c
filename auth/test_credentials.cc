#include "auth/test_credentials.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace flyteoverride::auth::testing {
namespace {

using google::protobuf::Struct;

// Test set-up failing is a broken test, not a case to report.
template <typename T>
T Must(T value, absl::string_view what) {
  if (!value) {
    std::cerr << what << ": " << TakeOpenSslError() << "\n";
    std::abort();
  }
  return value;
}

std::string BigEndian(EVP_PKEY* key, const char* param, int pad_to) {
  BIGNUM* raw = nullptr;
  Must(EVP_PKEY_get_bn_param(key, param, &raw) == 1, param);
  UniqueBignum number(raw);
  const int size = pad_to > 0 ? pad_to : BN_num_bytes(number.get());
  std::string bytes(size, '\0');
  Must(
      BN_bn2binpad(number.get(), reinterpret_cast<unsigned char*>(bytes.data()),
                   size) == size,
      "BN_bn2binpad");
  return bytes;
}

std::string Sign(EVP_PKEY* key, absl::string_view input) {
  UniqueMdCtx context(Must(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  Must(EVP_DigestSignInit_ex(context.get(), nullptr, "SHA256", nullptr, nullptr,
                             key, nullptr) == 1,
       "EVP_DigestSignInit_ex");
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t size = 0;
  Must(EVP_DigestSign(context.get(), nullptr, &size, data, input.size()) == 1,
       "EVP_DigestSign");
  std::string signature(size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(signature.data());
  Must(EVP_DigestSign(context.get(), out, &size, data, input.size()) == 1,
       "EVP_DigestSign");
  signature.resize(size);
  if (EVP_PKEY_is_a(key, "RSA")) return signature;
  // DER to r || s.
  const unsigned char* der = out;
  ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &der, size);
  UniqueEcdsaSig ecdsa(Must(parsed, "d2i_ECDSA_SIG"));
  std::string raw(64, '\0');
  auto* r = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa.get()), r, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa.get()), r + 32, 32);
  return raw;
}

std::string SigningInput(const Struct& header, const Struct& claims) {
  return absl::StrCat(Base64Url(Json(header)), ".", Base64Url(Json(claims)));
}

}  // namespace

UniquePkey NewRsaKey(int bits) {
  return UniquePkey(Must(EVP_RSA_gen(bits), "EVP_RSA_gen"));
}

UniquePkey NewEcKey() {
  return UniquePkey(
      Must(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), "keygen"));
}

Struct PublicJwk(EVP_PKEY* key, absl::string_view kid) {
  Struct jwk;
  auto& fields = *jwk.mutable_fields();
  if (EVP_PKEY_is_a(key, "RSA")) {
    fields["kty"].set_string_value("RSA");
    fields["n"].set_string_value(
        Base64Url(BigEndian(key, OSSL_PKEY_PARAM_RSA_N, 0)));
    fields["e"].set_string_value(
        Base64Url(BigEndian(key, OSSL_PKEY_PARAM_RSA_E, 0)));
  } else {
    fields["kty"].set_string_value("EC");
    fields["crv"].set_string_value("P-256");
    fields["x"].set_string_value(
        Base64Url(BigEndian(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)));
    fields["y"].set_string_value(
        Base64Url(BigEndian(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)));
  }
  if (!kid.empty()) fields["kid"].set_string_value(std::string(kid));
  return jwk;
}

std::string JwksJson(const std::vector<Struct>& jwks) {
  Struct document;
  auto* keys = (*document.mutable_fields())["keys"].mutable_list_value();
  for (const Struct& jwk : jwks) {
    *keys->add_values()->mutable_struct_value() = jwk;
  }
  return Json(document);
}

std::string Json(const Struct& object) {
  std::string json;
  Must(google::protobuf::util::MessageToJsonString(object, &json).ok(),
       "MessageToJsonString");
  return json;
}

std::string Base64Url(absl::string_view bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

Struct StandardClaims(absl::Time now) {
  Struct claims;
  auto& fields = *claims.mutable_fields();
  fields["iss"].set_string_value("https://idp.example.com");
  fields["aud"].set_string_value("flyteoverride");
  fields["sub"].set_string_value("alice");
  fields["groups"].mutable_list_value()->add_values()->set_string_value(
      "ml-engineers");
  fields["iat"].set_number_value(absl::ToUnixSeconds(now));
  fields["exp"].set_number_value(absl::ToUnixSeconds(now + absl::Hours(1)));
  return claims;
}

Struct Header(absl::string_view alg, absl::string_view kid) {
  Struct header;
  auto& fields = *header.mutable_fields();
  fields["alg"].set_string_value(std::string(alg));
  fields["typ"].set_string_value("JWT");
  if (!kid.empty()) fields["kid"].set_string_value(std::string(kid));
  return header;
}

std::string SignJwt(const Struct& header, const Struct& claims, EVP_PKEY* key) {
  const std::string input = SigningInput(header, claims);
  return absl::StrCat(input, ".", Base64Url(Sign(key, input)));
}

std::string SignHs256(const Struct& header, const Struct& claims,
                      absl::string_view secret) {
  const std::string input = SigningInput(header, claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t size = 0;
  Must(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(),
                 secret.size(),
                 reinterpret_cast<const unsigned char*>(input.data()),
                 input.size(), mac, sizeof(mac), &size),
       "EVP_Q_mac");
  return absl::StrCat(
      input, ".",
      Base64Url(absl::string_view(reinterpret_cast<char*>(mac), size)));
}

UniqueX509 SelfSignedCertificate(
    EVP_PKEY* key, absl::string_view common_name,
    const std::vector<std::pair<int, std::string>>& alt_names) {
  UniqueX509 certificate(Must(X509_new(), "X509_new"));
  X509* cert = certificate.get();
  Must(X509_set_version(cert, X509_VERSION_3) == 1, "X509_set_version");
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  Must(X509_set_pubkey(cert, key) == 1, "X509_set_pubkey");
  X509_NAME* subject = X509_get_subject_name(cert);
  if (!common_name.empty()) {
    Must(X509_NAME_add_entry_by_NID(
             subject, NID_commonName, MBSTRING_UTF8,
             reinterpret_cast<const unsigned char*>(common_name.data()),
             static_cast<int>(common_name.size()), -1, 0) == 1,
         "X509_NAME_add_entry_by_NID");
  }
  Must(X509_set_issuer_name(cert, subject) == 1, "X509_set_issuer_name");
  if (!alt_names.empty()) {
    UniqueGeneralNames names(Must(GENERAL_NAMES_new(), "GENERAL_NAMES_new"));
    for (const auto& [type, value] : alt_names) {
      ASN1_IA5STRING* text = Must(ASN1_IA5STRING_new(), "ASN1_IA5STRING_new");
      ASN1_STRING_set(text, value.data(), static_cast<int>(value.size()));
      GENERAL_NAME* name = Must(GENERAL_NAME_new(), "GENERAL_NAME_new");
      GENERAL_NAME_set0_value(name, type, text);
      sk_GENERAL_NAME_push(names.get(), name);
    }
    Must(X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0,
                           X509V3_ADD_DEFAULT) == 1,
         "X509_add1_ext_i2d");
  }
  Must(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");
  return certificate;
}

std::string CertificatePem(const X509& certificate) {
  UniqueBio bio(Must(BIO_new(BIO_s_mem()), "BIO_new"));
  Must(PEM_write_bio_X509(bio.get(), &certificate) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size);
}

}  // namespace flyteoverride::auth::testing
