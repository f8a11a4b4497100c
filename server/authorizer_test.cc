#include "server/authorizer.h"

#include <fstream>
#include <string>

#include "auth/test_credentials.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

namespace creds = auth::testing;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

auth::AuthConfig Config(const std::string& jwks_file) {
  auth::AuthConfig config;
  config.enabled = true;
  config.jwt = auth::JwtSettings{"https://idp.example.com", "flyteoverride",
                                 jwks_file};
  config.rules.push_back({"readers", {"alice"}, {}, {"GetResolved"}});
  return config;
}

CallCredentials Bearer(const std::string& token) {
  return {"", {{"authorization", "Bearer " + token}}};
}

// The key file is read again on request; a file that does not load keeps
// the keys in use.
TEST(Authorizer, ReloadedKeysTakeOverAndABadFileKeepsTheOld) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/jwks.json";
  auth::UniquePkey first = creds::NewRsaKey();
  auth::UniquePkey second = creds::NewRsaKey();
  Write(path, creds::JwksJson({creds::PublicJwk(first.get(), "k")}));
  auto authorizer = Authorizer::Create(Config(path), {});
  ASSERT_TRUE(authorizer.ok()) << authorizer.status();
  const absl::Time now = absl::Now();
  google::protobuf::Struct claims = creds::StandardClaims(now);
  const std::string token =
      creds::SignJwt(creds::Header("RS256", "k"), claims, second.get());
  const CallScope scope{"p", "d", false};
  EXPECT_EQ((*authorizer)
                ->Check(Bearer(token), "GetResolved", scope, now)
                .decision.status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  Write(path, creds::JwksJson({creds::PublicJwk(second.get(), "k")}));
  ASSERT_TRUE((*authorizer)->ReloadKeys().ok());
  const Verdict granted =
      (*authorizer)->Check(Bearer(token), "GetResolved", scope, now);
  ASSERT_TRUE(granted.decision.ok()) << granted.decision.status();
  EXPECT_EQ(granted.principal, "alice");
  EXPECT_EQ(granted.decision->rule, "readers");
  Write(path, "{not json");
  EXPECT_FALSE((*authorizer)->ReloadKeys().ok());
  EXPECT_TRUE(
      (*authorizer)->Check(Bearer(token), "GetResolved", scope, now).decision.ok());
}

TEST(Authorizer, WithoutAnAuthSectionEveryCallIsGrantedAndNothingRedacted) {
  auto authorizer = Authorizer::Create({}, {});
  ASSERT_TRUE(authorizer.ok());
  const Verdict verdict =
      (*authorizer)->Check({}, "Resolve", {"p", "d", false}, absl::Now());
  ASSERT_TRUE(verdict.decision.ok());
  EXPECT_TRUE(verdict.decision->reveal_secrets);
  EXPECT_TRUE((*authorizer)->token_headers().empty());
}

TEST(Authorizer, AnUnreadableKeyFileStopsTheStart) {
  auto authorizer = Authorizer::Create(Config("/nonexistent/jwks.json"), {});
  EXPECT_EQ(authorizer.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flyteoverride::server
