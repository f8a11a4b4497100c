// The `auth:` section and `secret_environment` read through ParseConfig, as
// the server reads them: the documented example, then every kind of
// mistake, each naming its key path and line, all reported at once.
#include <string>

#include "config/config.h"
#include "config/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Issue 12's example (docs/configuration.md puts propeller's rule first).
constexpr char kAuth[] = R"yaml(
auth:
  jwt: {issuer: "https://idp.example.com", audience: "flyteoverride", jwks_file: "/etc/override/jwks.json", groups_claim: "groups", header: "flyte-authorization", clock_skew: 30s}
  rules:
    - name: flyteadmin
      principals: ["spiffe://cluster.local/ns/flyte/sa/flyteadmin"]
      allow: [InspectWorkflow, Resolve, GetResolved]
    - name: propeller
      principals: ["spiffe://cluster.local/ns/flyte/sa/flytepropeller"]
      allow: [GetResolved, ResolveDynamic]
      reveal_secrets: true
    - name: ml-team
      groups: ["ml-engineers"]
      allow: [InspectWorkflow, Resolve:dry_run, GetResolved]
      projects: ["ml-*"]
      domains: ["development", "staging"]
secret_environment: ["*_TOKEN", "*_PASSWORD", "*_KEY"]
)yaml";

TEST(AuthConfig, DocumentedExampleIsReadWhole) {
  absl::StatusOr<Config> config = ParseConfig(kAuth);
  ASSERT_TRUE(config.ok()) << config.status();
  const auth::AuthConfig& a = config->auth;
  EXPECT_TRUE(a.enabled);
  ASSERT_TRUE(a.jwt.has_value());
  EXPECT_EQ(a.jwt->issuer, "https://idp.example.com");
  EXPECT_EQ(a.jwt->audience, "flyteoverride");
  EXPECT_EQ(a.jwt->jwks_file, "/etc/override/jwks.json");
  EXPECT_EQ(a.jwt->groups_claim, "groups");
  EXPECT_THAT(a.jwt->headers, ElementsAre("flyte-authorization"));
  EXPECT_EQ(a.jwt->clock_skew, absl::Seconds(30));
  ASSERT_EQ(a.rules.size(), 3);
  EXPECT_EQ(a.rules[0].name, "flyteadmin");
  EXPECT_THAT(a.rules[0].allow,
              ElementsAre("InspectWorkflow", "Resolve", "GetResolved"));
  EXPECT_FALSE(a.rules[0].reveal_secrets);
  EXPECT_TRUE(a.rules[1].reveal_secrets);
  EXPECT_THAT(a.rules[2].groups, ElementsAre("ml-engineers"));
  EXPECT_THAT(a.rules[2].allow,
              ElementsAre("InspectWorkflow", "Resolve:dry_run", "GetResolved"));
  EXPECT_THAT(a.rules[2].projects, ElementsAre("ml-*"));
  EXPECT_THAT(a.rules[2].domains, ElementsAre("development", "staging"));
  EXPECT_THAT(config->secret_environment,
              ElementsAre("*_TOKEN", "*_PASSWORD", "*_KEY"));
}

// The auth part of docs/configuration.md's complete file, every key set.
TEST(AuthConfig, CompleteFileExampleIsValid) {
  absl::StatusOr<Config> config = ParseConfig(R"yaml(
tls:
  cert_file: /etc/override-resolver/tls/tls.crt
  key_file: /etc/override-resolver/tls/tls.key
  client_ca_file: /etc/override-resolver/tls/client-ca.crt   # mutual TLS
auth:        # once present, whatever no rule grants is refused
  jwt:
    issuer: https://idp.example.com
    audience: flyteoverride
    jwks_file: /etc/override-resolver/jwks.json
    groups_claim: groups
    header: [authorization, flyte-authorization]
    clock_skew: 30s
  rules:
    - name: propeller
      principals: ["spiffe://cluster.local/ns/flyte/sa/flytepropeller"]
      allow: [GetResolved, ResolveDynamic]
      reveal_secrets: true
    - name: flyteadmin
      principals: ["spiffe://cluster.local/ns/flyte/sa/flyteadmin"]
      allow: [InspectWorkflow, Resolve, GetResolved]
      projects: ["*"]
      domains: ["*"]
secret_environment: ["*_TOKEN", "*_PASSWORD"]
)yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->auth.jwt->headers,
              ElementsAre("authorization", "flyte-authorization"));
  EXPECT_THAT(config->auth.rules[1].projects, ElementsAre("*"));
}

TEST(AuthConfig, OffWithoutSectionAndJwtDefaults) {
  absl::StatusOr<Config> config = ParseConfig("");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->auth.enabled);
  EXPECT_THAT(config->secret_environment, IsEmpty());

  config = ParseConfig(
      "auth:\n"
      "  jwt: {issuer: i, audience: a, jwks_file: k}\n"
      "  rules: [{name: r, principals: [p], allow: [GetResolved]}]\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->auth.jwt->headers,
              ElementsAre("authorization", "flyte-authorization"));
  EXPECT_EQ(config->auth.jwt->groups_claim, "groups");
  EXPECT_EQ(config->auth.jwt->clock_skew, absl::Seconds(30));
}

TEST(AuthConfig, MutualTlsAloneIdentifiesCallers) {
  absl::StatusOr<Config> config = ParseConfig(
      "tls: {cert_file: c, key_file: k, client_ca_file: ca}\n"
      "auth:\n"
      "  rules: [{name: r, principals: [p], allow: [GetResolved]}]\n");
  EXPECT_TRUE(config.ok()) << config.status();
}

using testing::BadConfig;

class BadAuthTest : public ::testing::TestWithParam<BadConfig> {};

// Each row adds one mistake to an otherwise valid section.
TEST_P(BadAuthTest, NamesKeyAndLine) { testing::ExpectRefused(GetParam()); }

#define JWT "  jwt: {issuer: i, audience: a, jwks_file: k}\n"

const BadConfig kBadAuth[] = {
    {"UnknownKey", 3,
     "auth:\n" JWT
     "  rulez: []\n  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "unknown key \"auth.rulez\" (did you mean \"auth.rules\"?)"},
    {"UnknownRuleKey", 4,
     "auth:\n" JWT
     "  rules:\n    - {name: a, principal: [p], allow: [Resolve]}\n",
     "unknown key \"auth.rules[0].principal\" (did you mean "
     "\"auth.rules[0].principals\"?)"},
    {"UnknownRpc", 7,
     "auth:\n" JWT "  rules:\n    - name: a\n      principals: [p]\n"
     "      allow:\n        - Reslove\n",
     "auth.rules[0].allow[0]: unknown RPC \"Reslove\"; expected one of "
     "InspectWorkflow, Resolve, Resolve:dry_run, GetResolved, "
     "ResolveDynamic, ListExecutions"},
    {"EmptyRuleName", 4,
     "auth:\n" JWT "  rules:\n    - name: \"\"\n      principals: [p]\n"
     "      allow: [Resolve]\n",
     "auth.rules[0].name: must be set"},
    {"MissingRuleName", 4,
     "auth:\n" JWT "  rules:\n    - {principals: [p], allow: [Resolve]}\n",
     "auth.rules[0].name: must be set"},
    {"DuplicateRuleName", 6,
     "auth:\n" JWT
     "  rules:\n    - {name: a, principals: [p], allow: [Resolve]}\n"
     "    - {name: b, groups: [g], allow: [GetResolved]}\n    - name: a\n      "
     "principals: [q]\n"
     "      allow: [GetResolved]\n",
     "auth.rules[2].name: \"a\" is already the name of auth.rules[0]"},
    {"RuleForNobody", 4,
     "auth:\n" JWT "  rules:\n    - {name: a, allow: [Resolve]}\n",
     "auth.rules[0]: must name principals, groups or both"},
    {"RuleGrantsNothing", 4,
     "auth:\n" JWT "  rules:\n    - {name: a, principals: [p], allow: []}\n",
     "auth.rules[0].allow: must grant at least one RPC"},
    {"GroupsWithoutJwt", 4,
     "tls: {cert_file: c, key_file: k, client_ca_file: ca}\nauth:\n  rules:\n"
     "    - {name: a, groups: [g], allow: [Resolve]}\n",
     "auth.rules[0].groups: groups come only from a JWT's groups claim"},
    {"RulesNotAList", 3, "auth:\n" JWT "  rules: {name: a}\n",
     "auth.rules: must be a list of rules, got a mapping"},
    {"RuleNotAMapping", 4, "auth:\n" JWT "  rules:\n    - flyteadmin\n",
     "auth.rules[0]: must be a mapping, got \"flyteadmin\""},
    {"AllowItemNotAString", 4,
     "auth:\n" JWT "  rules:\n    - {name: a, principals: [p], allow: [[x]]}\n",
     "auth.rules[0].allow[0]: must be a string, got a list"},
    {"PrincipalsNotAList", 4,
     "auth:\n" JWT
     "  rules:\n    - {name: a, principals: p, allow: [Resolve]}\n",
     "auth.rules[0].principals: must be a list of strings, got \"p\""},
    {"RevealSecretsNotBoolean", 5,
     "auth:\n" JWT
     "  rules:\n    - {name: a, principals: [p], allow: [Resolve],\n"
     "       reveal_secrets: yes}\n",
     "auth.rules[0].reveal_secrets: must be true or false"},
    {"JwtWithoutIssuer", 2,
     "auth:\n  jwt: {audience: a, jwks_file: k}\n"
     "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "auth.jwt.issuer: must be set"},
    {"JwtWithoutKeys", 4,
     "auth:\n  jwt:\n    issuer: i\n    jwks_file: \"\"\n    audience: a\n"
     "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "auth.jwt.jwks_file: must be set"},
    {"UnknownKeyListsKeys", 3,
     "auth:\n" JWT "  jwt_typo: 1\n"
     "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "unknown key \"auth.jwt_typo\"; expected auth.{jwt, rules}"},
    {"SkewNotADuration", 6,
     "auth:\n  jwt:\n    issuer: i\n    audience: a\n    jwks_file: k\n"
     "    clock_skew: 30\n"
     "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "auth.jwt.clock_skew: must be a duration like"},
    {"SkewTooLarge", 6,
     "auth:\n  jwt:\n    issuer: i\n    audience: a\n    jwks_file: k\n"
     "    clock_skew: 1h\n"
     "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "auth.jwt.clock_skew: must be 0s..5m, got 1h"},
    {"SkewNegative", 6,
     "auth:\n  jwt:\n    issuer: i\n    audience: a\n    jwks_file: k\n"
     "    clock_skew: -1s\n"
     "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "auth.jwt.clock_skew: must be 0s..5m, got -1s"},
    {"HeaderNotAMetadataKey", 6,
     "auth:\n  jwt:\n    issuer: i\n    audience: a\n    jwks_file: k\n"
     "    header: Authorization\n"
     "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "auth.jwt.header: \"Authorization\" is not a gRPC metadata key"},
    {"NoWayToIdentifyCallers", 1,
     "auth:\n  rules: [{name: a, principals: [p], allow: [Resolve]}]\n",
     "auth: no caller could prove who it is: set auth.jwt, or "
     "tls.client_ca_file for mutual TLS"},
    {"EmptySection", 1, "auth:\n", "auth.rules: must list at least one rule"},
    {"SecretsWithoutAuth", 1, "secret_environment: [\"*_TOKEN\"]\n",
     "secret_environment: needs an auth section"},
    {"SecretPatternMatchesNoKey", 4,
     "auth:\n" JWT "  rules: [{name: a, principals: [p], allow: [Resolve]}]\n"
     "secret_environment: [\"*_TOKEN\", \"my-key\"]\n",
     "secret_environment[1]: \"my-key\" can never match an environment key"},
};

#undef JWT

INSTANTIATE_TEST_SUITE_P(Table, BadAuthTest, ::testing::ValuesIn(kBadAuth),
                         testing::RowName);

TEST(AuthConfig, ReportsEveryProblemAtOnceInLineOrder) {
  absl::StatusOr<Config> config = ParseConfig(
      "auth:\n"
      "  jwt: {audience: a, jwks_file: k}\n"  // 2
      "  rules:\n"
      "    - {name: a, principals: [p], allow: [Resolve]}\n"  // 4
      "    - {name: a, principals: [q], allow: [Inspect]}\n"  // 5
      "    - {name: c, allow: [GetResolved]}\n"               // 6
      "secret_environment: [\"*_TOKEN\", \"a.b\"]\n");        // 7
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "config line 2: auth.jwt.issuer: must be set; "
            "config line 5: auth.rules[1].name: \"a\" is already the name of "
            "auth.rules[0]; "
            "config line 5: auth.rules[1].allow[0]: unknown RPC \"Inspect\"; "
            "expected one of InspectWorkflow, Resolve, Resolve:dry_run, "
            "GetResolved, ResolveDynamic, ListExecutions; "
            "config line 6: auth.rules[2]: must name principals, groups or "
            "both: a rule for nobody grants nothing; "
            "config line 7: secret_environment[1]: \"a.b\" can never match "
            "an environment key: use letters, digits, _ and the wildcards * "
            "and ?");
}

TEST(AuthConfig, ValidateConfigChecksAuthWithoutLines) {
  Config config;
  config.auth.enabled = true;
  config.auth.rules.push_back({"r", {"p"}, {}, {"Resolve"}});
  EXPECT_THAT(std::string(ValidateConfig(config).message()),
              HasSubstr("auth: no caller could prove who it is"));
  config.tls = {"c", "k", "ca"};
  EXPECT_TRUE(ValidateConfig(config).ok());
}

}  // namespace
}  // namespace flyteoverride::config
