#include "auth/jose.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::auth {
namespace {

using ::testing::HasSubstr;

TEST(Jose, DecodesUnpaddedUrlAlphabet) {
  EXPECT_EQ(DecodeBase64Url("").value(), "");
  EXPECT_EQ(DecodeBase64Url("Zg").value(), "f");
  EXPECT_EQ(DecodeBase64Url("Zm8").value(), "fo");
  EXPECT_EQ(DecodeBase64Url("Zm9v").value(), "foo");
  EXPECT_EQ(DecodeBase64Url("-_8").value(), "\xfb\xff");
}

TEST(Jose, RefusesPaddingAndOtherAlphabets) {
  EXPECT_THAT(DecodeBase64Url("Zg==").status().message(), HasSubstr("padding"));
  EXPECT_THAT(DecodeBase64Url("+/8").status().message(),
              HasSubstr("outside base64url at offset 0"));
  EXPECT_THAT(DecodeBase64Url("Zm9v Zg").status().message(),
              HasSubstr("offset 4"));
  EXPECT_FALSE(DecodeBase64Url("Zm9vZ").ok());  // a lone last character
}

TEST(Jose, RefusesStrayBits) {
  // "Zh" decodes to "f" too, with bits set that "Zg" leaves clear.
  EXPECT_THAT(DecodeBase64Url("Zh").status().message(),
              HasSubstr("not canonical"));
}

TEST(Jose, ReadsJsonObjectsOnly) {
  auto object = ParseJsonObject(R"({"alg": "ES256", "n": 1})");
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(StringMember(*object, "alg").value(), "ES256");
  EXPECT_EQ(StringMember(*object, "kid").value(), std::nullopt);
  EXPECT_THAT(StringMember(*object, "n").status().message(),
              HasSubstr("n must be a string"));
  EXPECT_FALSE(ParseJsonObject("[1]").ok());
  EXPECT_FALSE(ParseJsonObject("{\"a\": ").ok());
  EXPECT_FALSE(ParseJsonObject("").ok());
}

TEST(Jose, RefusesDeepNesting) {
  const std::string deep =
      "{\"a\":" + std::string(20, '[') + std::string(20, ']') + "}";
  EXPECT_THAT(ParseJsonObject(deep).status().message(),
              HasSubstr("nested too deeply"));
}

}  // namespace
}  // namespace flyteoverride::auth
