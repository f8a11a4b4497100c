#include "auth/rules.h"

#include <ostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::auth {
namespace {

using ::testing::HasSubstr;

constexpr char kAdmin[] = "spiffe://cluster.local/ns/flyte/sa/flyteadmin";
constexpr char kPropeller[] =
    "spiffe://cluster.local/ns/flyte/sa/flytepropeller";

// The rules of issue 12's example.
AuthConfig ExampleConfig() {
  AuthConfig config;
  config.enabled = true;
  config.jwt = JwtSettings();
  config.rules = {
      {"flyteadmin",
       {kAdmin},
       {},
       {"InspectWorkflow", "Resolve", "GetResolved"}},
      {"propeller", {kPropeller}, {}, {"GetResolved", "ResolveDynamic"}},
      {"ml-team",
       {},
       {"ml-engineers"},
       {"InspectWorkflow", "Resolve:dry_run", "GetResolved"},
       {"ml-*"},
       {"development", "staging"}},
  };
  config.rules[1].reveal_secrets = true;
  return config;
}

const Caller kAdminCaller{kAdmin, {}};
const Caller kPropellerCaller{kPropeller, {}};
const Caller kAlice{"alice", {"ml-engineers"}};
const Caller kBob{"bob", {"data-engineers"}};

struct Call {
  const char* name;
  const Caller* caller;
  const char* rpc;
  bool dry_run;
  const char* project;
  const char* domain;
  const char* rule;  // the rule that grants it; nullptr: PERMISSION_DENIED
};

void PrintTo(const Call& call, std::ostream* os) { *os << call.name; }

class AuthorizeTest : public ::testing::TestWithParam<Call> {};

TEST_P(AuthorizeTest, FirstRuleThatGrantsDecides) {
  const Call& call = GetParam();
  absl::StatusOr<Decision> decision =
      Authorize(ExampleConfig(), *call.caller, call.rpc, call.dry_run,
                call.project, call.domain);
  if (call.rule == nullptr) {
    EXPECT_EQ(decision.status().code(), absl::StatusCode::kPermissionDenied);
    return;
  }
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->rule, call.rule);
  EXPECT_EQ(decision->reveal_secrets, std::string(call.rule) == "propeller");
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, AuthorizeTest,
    ::testing::Values(
        Call{"AdminInspects", &kAdminCaller, "InspectWorkflow", false,
             "flytesnacks", "production", "flyteadmin"},
        Call{"AdminResolves", &kAdminCaller, "Resolve", false, "flytesnacks",
             "production", "flyteadmin"},
        Call{"PlainResolveGrantsDryRuns", &kAdminCaller, "Resolve", true,
             "flytesnacks", "production", "flyteadmin"},
        Call{"AdminReads", &kAdminCaller, "GetResolved", false, "ml-vision",
             "development", "flyteadmin"},
        Call{"AdminMayNotResolveDynamic", &kAdminCaller, "ResolveDynamic",
             false, "flytesnacks", "production", nullptr},
        Call{"PropellerReadsWithSecrets", &kPropellerCaller, "GetResolved",
             false, "flytesnacks", "production", "propeller"},
        Call{"PropellerResolvesDynamic", &kPropellerCaller, "ResolveDynamic",
             false, "ml-vision", "staging", "propeller"},
        Call{"PropellerMayNotResolve", &kPropellerCaller, "Resolve", false,
             "flytesnacks", "production", nullptr},
        Call{"GroupPreviews", &kAlice, "Resolve", true, "ml-vision",
             "development", "ml-team"},
        Call{"DryRunGrantRecordsNothing", &kAlice, "Resolve", false,
             "ml-vision", "development", nullptr},
        Call{"GroupInspectsInStaging", &kAlice, "InspectWorkflow", false,
             "ml-nlp", "staging", "ml-team"},
        Call{"GroupReadsItsProjects", &kAlice, "GetResolved", false,
             "ml-vision", "development", "ml-team"},
        Call{"GroupNotInProduction", &kAlice, "GetResolved", false, "ml-vision",
             "production", nullptr},
        Call{"GroupNotInOtherProjects", &kAlice, "GetResolved", false,
             "flytesnacks", "development", nullptr},
        Call{"GroupProjectPatternIsWhole", &kAlice, "GetResolved", false,
             "xml-vision", "development", nullptr},
        Call{"GroupMayNotResolveDynamic", &kAlice, "ResolveDynamic", true,
             "ml-vision", "development", nullptr},
        Call{"UnnamedCaller", &kBob, "InspectWorkflow", false, "ml-vision",
             "development", nullptr},
        Call{"UnknownRpc", &kAdminCaller, "ListExecutions", false,
             "flytesnacks", "production", nullptr}));

TEST(Authorize, NoCredentialsIsUnauthenticated) {
  absl::StatusOr<Decision> decision =
      Authorize(ExampleConfig(), Caller(), "GetResolved", false, "p", "d");
  EXPECT_EQ(decision.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(Authorize, RefusalNamesTheRulesThatNameTheCaller) {
  absl::StatusOr<Decision> denied = Authorize(
      ExampleConfig(), kAlice, "Resolve", false, "ml-vision", "development");
  EXPECT_EQ(denied.status().message(),
            "the auth rules for caller \"alice\" (ml-team) do not grant "
            "Resolve on project \"ml-vision\", domain \"development\"");
  denied = Authorize(ExampleConfig(), kBob, "Resolve", true, "p", "d");
  EXPECT_EQ(denied.status().message(),
            "no auth rule names caller \"bob\" or its groups, so it may not "
            "call Resolve (dry run) on project \"p\", domain \"d\"");
}

TEST(Authorize, WithoutAuthSectionEverythingIsGranted) {
  absl::StatusOr<Decision> decision =
      Authorize(AuthConfig(), Caller(), "Resolve", false, "p", "d");
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->rule, "");
  EXPECT_TRUE(decision->reveal_secrets);
}

TEST(Authorize, FirstGrantingRuleWinsOverLaterOnes) {
  AuthConfig config = ExampleConfig();
  // A wide rule for every service account after propeller's: propeller
  // still reveals secrets, flyteadmin now reads through either.
  AuthRule wide{"service-accounts",
                {"spiffe://cluster.local/ns/flyte/sa/*"},
                {},
                {"GetResolved", "ResolveDynamic"}};
  config.rules.push_back(wide);
  EXPECT_EQ(
      Authorize(config, kPropellerCaller, "GetResolved", false, "p", "d")->rule,
      "propeller");
  EXPECT_EQ(
      Authorize(config, kAdminCaller, "ResolveDynamic", false, "p", "d")->rule,
      "service-accounts");
  // Put first, the wide rule hides propeller's secrets.
  config.rules.insert(config.rules.begin(), wide);
  absl::StatusOr<Decision> decision =
      Authorize(config, kPropellerCaller, "GetResolved", false, "p", "d");
  EXPECT_EQ(decision->rule, "service-accounts");
  EXPECT_FALSE(decision->reveal_secrets);
}

TEST(Authorize, PrincipalAndGroupPatternsAreGlobs) {
  AuthConfig config;
  config.enabled = true;
  config.rules = {{"team", {"svc-?"}, {"team-*"}, {"GetResolved"}}};
  EXPECT_TRUE(
      Authorize(config, {"svc-1", {}}, "GetResolved", false, "p", "d").ok());
  EXPECT_FALSE(
      Authorize(config, {"svc-12", {}}, "GetResolved", false, "p", "d").ok());
  EXPECT_TRUE(Authorize(config, {"carol", {"x", "team-ml"}}, "GetResolved",
                        false, "p", "d")
                  .ok());
}

TEST(IsSecretKey, MatchesAnyPattern) {
  const std::vector<std::string> patterns = {"*_TOKEN", "*_PASSWORD", "*_KEY"};
  EXPECT_TRUE(IsSecretKey(patterns, "GITHUB_TOKEN"));
  EXPECT_TRUE(IsSecretKey(patterns, "DB_PASSWORD"));
  EXPECT_FALSE(IsSecretKey(patterns, "KEYCHAIN"));
  EXPECT_FALSE(IsSecretKey(patterns, "github_token"));
  EXPECT_FALSE(IsSecretKey({}, "GITHUB_TOKEN"));
}

}  // namespace
}  // namespace flyteoverride::auth
