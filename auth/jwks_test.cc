#include "auth/jwks.h"

#include <string>
#include <vector>

#include "auth/test_credentials.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::auth {
namespace {

using google::protobuf::Struct;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::JwksJson;
using testing::NewEcKey;
using testing::NewRsaKey;
using testing::PublicJwk;
using ::testing::StartsWith;

void Set(Struct* jwk, const std::string& name, const std::string& value) {
  (*jwk->mutable_fields())[name].set_string_value(value);
}

std::string ParseError(const std::string& json) {
  absl::StatusOr<Jwks> jwks = Jwks::Parse(json);
  EXPECT_FALSE(jwks.ok()) << json;
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(jwks.status().message());
}

TEST(Jwks, ReadsRsaAndP256Keys) {
  UniquePkey rsa = NewRsaKey(), ec = NewEcKey();
  absl::StatusOr<Jwks> jwks = Jwks::Parse(
      JwksJson({PublicJwk(rsa.get(), "rsa-1"), PublicJwk(ec.get(), "")}));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_EQ(jwks->keys().size(), 2);
  EXPECT_EQ(jwks->keys()[0].kid, "rsa-1");
  EXPECT_EQ(jwks->keys()[0].algorithm, JwsAlgorithm::kRs256);
  EXPECT_EQ(EVP_PKEY_eq(jwks->keys()[0].key.get(), rsa.get()), 1);
  EXPECT_EQ(jwks->keys()[1].kid, "");
  EXPECT_EQ(jwks->keys()[1].algorithm, JwsAlgorithm::kEs256);
  EXPECT_EQ(EVP_PKEY_eq(jwks->keys()[1].key.get(), ec.get()), 1);
  EXPECT_TRUE(jwks->skipped().empty());
}

TEST(Jwks, SkipsKeysForOtherPurposesAndSaysWhy) {
  UniquePkey rsa = NewRsaKey(), weak = NewRsaKey(1024), ec = NewEcKey();
  Struct encryption = PublicJwk(rsa.get(), "enc-1");
  Set(&encryption, "use", "enc");
  Struct rs384 = PublicJwk(rsa.get(), "rs384");
  Set(&rs384, "alg", "RS384");
  Struct p384 = PublicJwk(ec.get(), "p384");
  Set(&p384, "crv", "P-384");
  Struct symmetric;
  Set(&symmetric, "kty", "oct");
  Set(&symmetric, "k", "c2VjcmV0");
  Struct usable = PublicJwk(ec.get(), "ec-1");
  Set(&usable, "use", "sig");
  Set(&usable, "alg", "ES256");
  absl::StatusOr<Jwks> jwks =
      Jwks::Parse(JwksJson({encryption, rs384, p384, symmetric,
                            PublicJwk(weak.get(), "old"), usable}));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_EQ(jwks->keys().size(), 1);
  EXPECT_EQ(jwks->keys()[0].kid, "ec-1");
  EXPECT_THAT(
      jwks->skipped(),
      ElementsAre(
          "keys[0] (kid \"enc-1\"): use \"enc\" is not for signatures",
          "keys[1] (kid \"rs384\"): alg \"RS384\" is not accepted (RS256 "
          "only)",
          "keys[2] (kid \"p384\"): curve \"P-384\" is not accepted (P-256 "
          "only)",
          "keys[3]: kty \"oct\" is not accepted (RSA and EC only)",
          "keys[4] (kid \"old\"): an RSA modulus of 1024 bits (at least 2048 "
          "are required)"));
}

TEST(Jwks, RefusesDocumentsThatAreNotKeySets) {
  EXPECT_THAT(ParseError("not json"), StartsWith("jwks: not a JSON object"));
  EXPECT_THAT(ParseError("{}"), HasSubstr("\"keys\" must be a list"));
  EXPECT_THAT(ParseError(R"({"keys": {}})"), HasSubstr("must be a list"));
  EXPECT_THAT(ParseError(R"({"keys": [1]})"),
              HasSubstr("keys[0] must be an object"));
  EXPECT_THAT(ParseError(R"({"keys": []})"),
              HasSubstr("no key can verify RS256 or ES256 tokens"));
  EXPECT_THAT(ParseError(std::string(Jwks::kMaxBytes + 1, ' ')),
              HasSubstr("more than the 1048576 accepted"));
}

TEST(Jwks, RefusesMalformedKeysNamingThem) {
  UniquePkey rsa = NewRsaKey(), ec = NewEcKey();
  const auto error_with = [&](EVP_PKEY* key, const std::string& name,
                              const std::string& value) {
    Struct jwk = PublicJwk(key, "k1");
    if (value.empty()) {
      jwk.mutable_fields()->erase(name);
    } else {
      Set(&jwk, name, value);
    }
    return ParseError(JwksJson({jwk}));
  };
  EXPECT_EQ(error_with(rsa.get(), "n", ""),
            "jwks: keys[0] (kid \"k1\"): n is missing");
  EXPECT_EQ(error_with(rsa.get(), "e", "AQAB="),
            "jwks: keys[0] (kid \"k1\"): e: padding (\"=\") at offset 4");
  EXPECT_EQ(error_with(rsa.get(), "kty", ""),
            "jwks: keys[0] (kid \"k1\"): kty is missing");
  EXPECT_EQ(error_with(ec.get(), "crv", ""),
            "jwks: keys[0] (kid \"k1\"): crv is missing");
  EXPECT_THAT(error_with(ec.get(), "x", testing::Base64Url("short")),
              HasSubstr("x and y must be 32 bytes each on P-256, got 5"));
  // 32 bytes each, but not a point on the curve.
  const std::string off_curve = testing::Base64Url(std::string(32, '\x01'));
  EXPECT_THAT(error_with(ec.get(), "y", off_curve),
              HasSubstr("keys[0] (kid \"k1\"): OpenSSL refused the key"));
  Struct numeric_kid = PublicJwk(ec.get(), "");
  (*numeric_kid.mutable_fields())["kid"].set_number_value(7);
  EXPECT_EQ(ParseError(JwksJson({numeric_kid})),
            "jwks: keys[0]: kid must be a string");
}

TEST(Jwks, RefusesAKidTwoUsableKeysShare) {
  UniquePkey a = NewEcKey(), b = NewEcKey();
  EXPECT_EQ(ParseError(JwksJson(
                {PublicJwk(a.get(), "same"), PublicJwk(b.get(), "same")})),
            "jwks: keys[1] (kid \"same\"): another usable key has this kid");
}

}  // namespace
}  // namespace flyteoverride::auth
