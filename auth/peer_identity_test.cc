#include "auth/peer_identity.h"

#include <string>

#include "auth/test_credentials.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::auth {
namespace {

using testing::CertificatePem;
using ::testing::HasSubstr;
using testing::SelfSignedCertificate;

constexpr char kSpiffe[] = "spiffe://cluster.local/ns/flyte/sa/flyteadmin";

class PeerIdentityTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::string> PrincipalOf(
      absl::string_view common_name,
      const std::vector<std::pair<int, std::string>>& alt_names) {
    UniqueX509 cert = SelfSignedCertificate(key_.get(), common_name, alt_names);
    absl::StatusOr<std::string> direct = CertificatePrincipal(*cert);
    absl::StatusOr<std::string> pem =
        CertificatePrincipalFromPem(CertificatePem(*cert));
    EXPECT_EQ(direct.status(), pem.status());
    if (direct.ok() && pem.ok()) {
      EXPECT_EQ(*direct, *pem);
    }
    return direct;
  }

  UniquePkey key_ = testing::NewEcKey();
};

TEST_F(PeerIdentityTest, FirstUriSanWins) {
  EXPECT_EQ(PrincipalOf("flyteadmin", {{GEN_DNS, "admin.flyte.svc"},
                                       {GEN_URI, kSpiffe},
                                       {GEN_URI, "spiffe://other/ns/x"}})
                .value(),
            kSpiffe);
}

TEST_F(PeerIdentityTest, FirstDnsSanWithoutUriSan) {
  EXPECT_EQ(PrincipalOf("flyteadmin",
                        {{GEN_DNS, "admin.flyte.svc"}, {GEN_DNS, "admin"}})
                .value(),
            "admin.flyte.svc");
}

TEST_F(PeerIdentityTest, CommonNameWithoutSans) {
  EXPECT_EQ(PrincipalOf("flytepropeller", {}).value(), "flytepropeller");
}

TEST_F(PeerIdentityTest, CertificateNamingNoOneIsRefused) {
  absl::StatusOr<std::string> principal = PrincipalOf("", {});
  EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(principal.status().message(),
              HasSubstr("it names no URI or DNS SAN and no CN"));
}

TEST_F(PeerIdentityTest, NamesWithControlCharactersAreRefused) {
  // A NUL would let "admin\0.evil.example" compare equal to "admin" in C.
  EXPECT_THAT(
      PrincipalOf(std::string("admin\0.evil", 11), {}).status().message(),
      HasSubstr("its CN is not printable"));
  EXPECT_THAT(
      PrincipalOf("cn", {{GEN_URI, "spiffe://a\n/b"}}).status().message(),
      HasSubstr("its URI SAN is not printable"));
  EXPECT_THAT(PrincipalOf("cn", {{GEN_DNS, ""}}).status().message(),
              HasSubstr("its DNS SAN is empty"));
}

TEST_F(PeerIdentityTest, TextThatIsNotAPemCertificateIsRefused) {
  for (const std::string& text :
       {std::string(""), std::string("-----BEGIN CERTIFICATE-----\nAAAA\n"),
        std::string(kMaxCertificatePemBytes + 1, 'A')}) {
    absl::StatusOr<std::string> principal = CertificatePrincipalFromPem(text);
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
  }
}

}  // namespace
}  // namespace flyteoverride::auth
