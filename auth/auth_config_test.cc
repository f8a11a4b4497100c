#include "auth/auth_config.h"

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Problems(const AuthConfig& config) {
  std::vector<std::string> texts;
  for (const AuthProblem& p : ValidateAuth(config)) {
    texts.push_back(p.key + ": " + p.message);
  }
  return texts;
}

AuthConfig Valid() {
  AuthConfig config;
  config.enabled = true;
  config.jwt = JwtSettings{"https://idp.example.com", "flyteoverride",
                           "/etc/override/jwks.json"};
  config.rules = {{"admin", {"spiffe://x"}, {}, {"Resolve"}},
                  {"team", {}, {"ml-*"}, {"Resolve:dry_run", "GetResolved"}}};
  return config;
}

TEST(ValidateAuth, AcceptsAValidSectionAndNoSection) {
  EXPECT_THAT(Problems(Valid()), IsEmpty());
  EXPECT_THAT(Problems(AuthConfig()), IsEmpty());
}

TEST(ValidateAuth, ReportsEveryRuleProblem) {
  AuthConfig config = Valid();
  config.rules.push_back({"", {"a"}, {}, {"GetResolved"}});
  config.rules.push_back({"admin", {}, {}, {}});
  config.rules.push_back({"typo", {"b"}, {}, {"Reslove", "GetResolved"}});
  EXPECT_THAT(
      Problems(config),
      ElementsAre(
          "auth.rules[2].name: must be set: refusals and audit lines name "
          "the rule",
          "auth.rules[3].name: \"admin\" is already the name of "
          "auth.rules[0]",
          "auth.rules[3]: must name principals, groups or both: a rule for "
          "nobody grants nothing",
          "auth.rules[3].allow: must grant at least one RPC",
          "auth.rules[4].allow[0]: unknown RPC \"Reslove\"; expected one of "
          "InspectWorkflow, Resolve, Resolve:dry_run, GetResolved, "
          "ResolveDynamic, ListExecutions"));
}

TEST(ValidateAuth, GroupsNeedJwt) {
  AuthConfig config = Valid();
  config.jwt.reset();
  EXPECT_THAT(Problems(config),
              ElementsAre("auth.rules[1].groups: groups come only from a "
                          "JWT's groups claim: set auth.jwt"));
}

TEST(ValidateAuth, JwtNeedsIssuerAudienceAndKeys) {
  AuthConfig config = Valid();
  config.jwt = JwtSettings();
  config.jwt->headers = {"Authorization", "x-token-bin"};
  config.jwt->clock_skew = absl::Minutes(10);
  EXPECT_THAT(
      Problems(config),
      ElementsAre(
          "auth.jwt.issuer: must be set", "auth.jwt.audience: must be set",
          "auth.jwt.jwks_file: must be set",
          "auth.jwt.header[0]: \"Authorization\" is not a gRPC metadata key: "
          "lowercase letters, digits, \"-\", \"_\" and \".\", not ending in "
          "-bin",
          "auth.jwt.header[1]: \"x-token-bin\" is not a gRPC metadata key: "
          "lowercase letters, digits, \"-\", \"_\" and \".\", not ending in "
          "-bin",
          "auth.jwt.clock_skew: must be 0s..5m, got 10m"));
}

TEST(ValidateAuth, AnEnabledSectionNeedsRules) {
  AuthConfig config;
  config.enabled = true;
  EXPECT_THAT(Problems(config),
              ElementsAre("auth.rules: must list at least one rule: with an "
                          "auth section, calls no rule grants are refused, "
                          "so none would be served"));
}

}  // namespace
}  // namespace flyteoverride::auth
