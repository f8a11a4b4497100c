#include "auth/jwt.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/test_credentials.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::auth {
namespace {

using google::protobuf::Struct;
using testing::Base64Url;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Header;
using ::testing::IsEmpty;
using testing::Json;
using testing::SignJwt;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : rsa_(testing::NewRsaKey()),
        ec_(testing::NewEcKey()),
        jwks_(Jwks::Parse(
                  testing::JwksJson({testing::PublicJwk(rsa_.get(), "rsa-1"),
                                     testing::PublicJwk(ec_.get(), "ec-1")}))
                  .value()) {
    settings_.issuer = "https://idp.example.com";
    settings_.audience = "flyteoverride";
  }

  Struct Claims() const { return testing::StandardClaims(kNow); }

  void SetClaim(Struct* claims, const std::string& name, double seconds) {
    (*claims->mutable_fields())[name].set_number_value(seconds);
  }

  std::string Rs256(const Struct& claims) const {
    return SignJwt(Header("RS256", "rsa-1"), claims, rsa_.get());
  }

  absl::StatusOr<VerifiedToken> Verify(absl::string_view token) const {
    return VerifyJwt(token, jwks_, settings_, kNow);
  }

  // The refusal is UNAUTHENTICATED, says which check failed, and quotes
  // neither the claims nor the signature.
  void ExpectRefused(const std::string& token, const std::string& want) {
    absl::StatusOr<VerifiedToken> verified = Verify(token);
    ASSERT_FALSE(verified.ok()) << want;
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
    const std::string message(verified.status().message());
    EXPECT_THAT(message, HasSubstr(want));
    EXPECT_THAT(message, ::testing::StartsWith("jwt: "));
    for (absl::string_view segment : absl::StrSplit(token, '.')) {
      if (segment.size() > 8) {
        EXPECT_THAT(message, ::testing::Not(HasSubstr(segment)));
      }
    }
  }

  UniquePkey rsa_, ec_;
  Jwks jwks_;
  JwtSettings settings_;
};

TEST_F(JwtTest, GoodRs256TokenNamesSubjectAndGroups) {
  absl::StatusOr<VerifiedToken> verified = Verify(Rs256(Claims()));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_THAT(verified->groups, ElementsAre("ml-engineers"));
  EXPECT_EQ(verified->expires, kNow + absl::Hours(1));
}

TEST_F(JwtTest, GoodEs256Token) {
  absl::StatusOr<VerifiedToken> verified =
      Verify(SignJwt(Header("ES256", "ec-1"), Claims(), ec_.get()));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "alice");
}

TEST_F(JwtTest, WithoutKidTheOnlyKeyOfTheAlgorithmVerifies) {
  EXPECT_TRUE(Verify(SignJwt(Header("ES256", ""), Claims(), ec_.get())).ok());
  Struct empty_kid = Header("ES256", "");
  (*empty_kid.mutable_fields())["kid"].set_string_value("");
  EXPECT_TRUE(Verify(SignJwt(empty_kid, Claims(), ec_.get())).ok());
  UniquePkey second = testing::NewEcKey();
  jwks_ =
      Jwks::Parse(testing::JwksJson({testing::PublicJwk(ec_.get(), "ec-1"),
                                     testing::PublicJwk(second.get(), "ec-2")}))
          .value();
  ExpectRefused(SignJwt(Header("ES256", ""), Claims(), ec_.get()),
                "the token names no kid, and 2 ES256 keys could have signed");
  ExpectRefused(SignJwt(Header("RS256", ""), Claims(), rsa_.get()),
                "no RS256 key in the key set");
}

TEST_F(JwtTest, ExpiredTokenIsRefused) {
  Struct claims = Claims();
  SetClaim(&claims, "exp", absl::ToUnixSeconds(kNow - absl::Seconds(31)));
  ExpectRefused(Rs256(claims),
                "the token expired at 2023-11-14T22:12:49Z (30s of clock "
                "skew allowed)");
}

TEST_F(JwtTest, NotYetValidTokenIsRefused) {
  Struct claims = Claims();
  SetClaim(&claims, "nbf", absl::ToUnixSeconds(kNow + absl::Seconds(31)));
  ExpectRefused(Rs256(claims), "the token is not valid before");
}

TEST_F(JwtTest, ClockSkewIsAllowedOnBothEnds) {
  Struct claims = Claims();
  SetClaim(&claims, "exp", absl::ToUnixSeconds(kNow - absl::Seconds(29)));
  SetClaim(&claims, "nbf", absl::ToUnixSeconds(kNow + absl::Seconds(29)));
  EXPECT_TRUE(Verify(Rs256(claims)).ok());
  settings_.clock_skew = absl::ZeroDuration();
  ExpectRefused(Rs256(claims), "the token expired");
}

TEST_F(JwtTest, WrongIssuerIsRefused) {
  Struct claims = Claims();
  (*claims.mutable_fields())["iss"].set_string_value("https://evil.example");
  ExpectRefused(Rs256(claims),
                "iss \"https://evil.example\" is not the issuer "
                "\"https://idp.example.com\"");
}

TEST_F(JwtTest, WrongAudienceIsRefused) {
  Struct claims = Claims();
  (*claims.mutable_fields())["aud"].set_string_value("flyteadmin");
  ExpectRefused(Rs256(claims), "aud does not hold the audience");
  claims.mutable_fields()->erase("aud");
  ExpectRefused(Rs256(claims), "aud is missing");
}

TEST_F(JwtTest, AudienceMayBeAList) {
  Struct claims = Claims();
  auto* list = (*claims.mutable_fields())["aud"].mutable_list_value();
  list->add_values()->set_string_value("flyteadmin");
  list->add_values()->set_string_value("flyteoverride");
  EXPECT_TRUE(Verify(Rs256(claims)).ok());
  list->mutable_values()->RemoveLast();
  ExpectRefused(Rs256(claims), "aud does not hold the audience");
}

TEST_F(JwtTest, SignatureByAnotherKeyWithTheSameKidIsRefused) {
  UniquePkey impostor = testing::NewRsaKey();
  ExpectRefused(SignJwt(Header("RS256", "rsa-1"), Claims(), impostor.get()),
                "the signature does not verify with the RS256 key with kid "
                "\"rsa-1\"");
  UniquePkey ec_impostor = testing::NewEcKey();
  ExpectRefused(SignJwt(Header("ES256", "ec-1"), Claims(), ec_impostor.get()),
                "the signature does not verify with the ES256 key");
}

TEST_F(JwtTest, UnknownKidIsRefused) {
  ExpectRefused(SignJwt(Header("RS256", "rotated"), Claims(), rsa_.get()),
                "no key with kid \"rotated\" in the key set");
}

TEST_F(JwtTest, KidOfAKeyForAnotherAlgorithmIsRefused) {
  ExpectRefused(SignJwt(Header("ES256", "rsa-1"), Claims(), ec_.get()),
                "the key with kid \"rsa-1\" is an RS256 key, but the token's "
                "alg is ES256");
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  const std::string unsigned_token = absl::StrCat(
      Base64Url(Json(Header("none", ""))), ".", Base64Url(Json(Claims())), ".");
  ExpectRefused(unsigned_token,
                "alg \"none\" is refused: tokens must be signed");
  ExpectRefused(absl::StrCat(Base64Url(Json(Header("nOnE", ""))), ".",
                             Base64Url(Json(Claims())), "."),
                "tokens must be signed");
}

TEST_F(JwtTest, Hs256IsRefusedEvenKeyedWithThePublicKey) {
  // The classic confusion: an HMAC keyed with the verifier's public key.
  const std::string public_jwk = Json(testing::PublicJwk(rsa_.get(), ""));
  ExpectRefused(
      testing::SignHs256(Header("HS256", "rsa-1"), Claims(), public_jwk),
      "alg \"HS256\" is refused (RS256 and ES256 only)");
  ExpectRefused(SignJwt(Header("RS512", "rsa-1"), Claims(), rsa_.get()),
                "alg \"RS512\" is refused");
  ExpectRefused(SignJwt(Header("PS256", "rsa-1"), Claims(), rsa_.get()),
                "alg \"PS256\" is refused");
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  const std::vector<std::string> good = absl::StrSplit(Rs256(Claims()), '.');
  Struct claims = Claims();
  (*claims.mutable_fields())["sub"].set_string_value("admin");
  ExpectRefused(
      absl::StrCat(good[0], ".", Base64Url(Json(claims)), ".", good[2]),
      "the signature does not verify");
}

TEST_F(JwtTest, MalformedBase64IsRefused) {
  const std::vector<std::string> good = absl::StrSplit(Rs256(Claims()), '.');
  ExpectRefused(absl::StrCat(good[0], "=.", good[1], ".", good[2]),
                "header: padding");
  ExpectRefused(absl::StrCat(good[0], ".", good[1], ".", good[2], "=="),
                "signature: padding");
  ExpectRefused(absl::StrCat(good[0], ".", good[1], ".+", good[2]),
                "signature: a character outside base64url at offset 0");
  ExpectRefused(
      absl::StrCat(Base64Url("{not json"), ".", good[1], ".", good[2]),
      "header: not a JSON object");
}

TEST_F(JwtTest, WrongNumberOfSegmentsIsRefused) {
  const std::string good = Rs256(Claims());
  ExpectRefused(absl::StrCat(good, ".e30.e30"), "too many segments (5;");
  ExpectRefused(good.substr(0, good.rfind('.')), "too few segments (2;");
  ExpectRefused("", "too few segments (1;");
}

TEST_F(JwtTest, OversizeTokenIsRefusedBeforeDecoding) {
  Struct claims = Claims();
  (*claims.mutable_fields())["pad"].set_string_value(std::string(13000, 'x'));
  ExpectRefused(Rs256(claims), "bytes, more than the 16384 accepted");
}

TEST_F(JwtTest, MissingClaimsAreRefused) {
  Struct claims = Claims();
  claims.mutable_fields()->erase("sub");
  ExpectRefused(Rs256(claims), "sub is missing");
  (*claims.mutable_fields())["sub"].set_string_value("");
  ExpectRefused(Rs256(claims), "sub is missing");
  claims = Claims();
  claims.mutable_fields()->erase("exp");
  ExpectRefused(Rs256(claims), "exp is missing");
  claims = Claims();
  (*claims.mutable_fields())["exp"].set_string_value("tomorrow");
  ExpectRefused(Rs256(claims), "exp must be a number of seconds");
  claims = Claims();
  claims.mutable_fields()->erase("iss");
  ExpectRefused(Rs256(claims), "iss is missing");
}

TEST_F(JwtTest, GroupsComeFromTheConfiguredClaim) {
  Struct claims = Claims();
  (*claims.mutable_fields())["roles"].set_string_value("admins");
  settings_.groups_claim = "roles";
  absl::StatusOr<VerifiedToken> verified = Verify(Rs256(claims));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_THAT(verified->groups, ElementsAre("admins"));
  settings_.groups_claim = "absent";
  EXPECT_THAT(Verify(Rs256(claims))->groups, IsEmpty());
  (*claims.mutable_fields())["roles"]
      .mutable_list_value()
      ->add_values()
      ->set_number_value(1);
  settings_.groups_claim = "roles";
  ExpectRefused(Rs256(claims),
                "the groups claim \"roles\" must be a list of strings or one "
                "string");
}

TEST_F(JwtTest, Es256SignatureMustBeRawRAndS) {
  const std::vector<std::string> good = absl::StrSplit(
      SignJwt(Header("ES256", "ec-1"), Claims(), ec_.get()), '.');
  ExpectRefused(absl::StrCat(good[0], ".", good[1], ".",
                             Base64Url(std::string(70, '\x30'))),
                "an ES256 signature is 64 bytes, got 70");
}

TEST_F(JwtTest, CriticalHeaderExtensionsAreRefused) {
  Struct header = Header("RS256", "rsa-1");
  (*header.mutable_fields())["crit"]
      .mutable_list_value()
      ->add_values()
      ->set_string_value("exp");
  ExpectRefused(SignJwt(header, Claims(), rsa_.get()), "header: crit");
}

TEST(BearerToken, TakesTheTokenAfterTheScheme) {
  EXPECT_EQ(BearerToken("Bearer abc.def.ghi").value(), "abc.def.ghi");
  EXPECT_EQ(BearerToken("bearer  abc ").value(), "abc");
  EXPECT_EQ(BearerToken("Basic YWxhZGRpbg==").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(BearerToken("Bearer ").ok());
  EXPECT_FALSE(BearerToken("abc.def.ghi").ok());
}

}  // namespace
}  // namespace flyteoverride::auth
