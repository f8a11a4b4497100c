// The `policy:` section read through ParseConfig, as the server reads it:
// a file with every rule, then every kind of mistake, each naming its key
// path and line.
#include <string>

#include "absl/strings/match.h"
#include "config/config.h"
#include "config/test_util.h"
#include "flyteidl/core/tasks.pb.h"
#include "gtest/gtest.h"

namespace flyteoverride::config {
namespace {

using flyteidl::core::Resources;
using policy::PolicyAction;

constexpr char kPolicy[] = R"yaml(
policy:
  global:
    resources:
      cpu: {max_request: 16, max_limit: "32"}
      memory: {max_request: 64Gi, max_limit: 128Gi, action: clamp}
      gpu: {max_limit: 4}
      storage: {max_limit: 1Ti}
      ephemeral_storage: {max_request: 50Gi, max_limit: 100Gi, action: reject}
    retries: {max: 5, action: clamp}
    images:
      allowed: ['ghcr\.io/acme/.*', 'cr\.flyte\.org/flyteorg/.*']
    environment:
      protected: [FLYTE_*, AWS_*]
    fixed_fields: [container_image, pod_template]
  domains:
    production:
      retries: {max: 3}
      fixed_fields: [container_image, pod_template, resources.limits.gpu]
  projects:
    research:
      images: {allowed: []}
  project_domains:
    research/development:
      resources:
        memory: {max_limit: 512Gi, action: clamp}
)yaml";

TEST(PolicyConfig, EveryRuleIsRead) {
  absl::StatusOr<Config> config = ParseConfig(kPolicy);
  ASSERT_TRUE(config.ok()) << config.status();
  const policy::PolicySet& set = config->policy;
  const policy::Policy& g = set.global;
  EXPECT_EQ(g.max_request[Resources::CPU]->text, "16");
  EXPECT_EQ(g.max_limit[Resources::CPU]->text, "32");
  EXPECT_EQ(g.max_limit[Resources::CPU]->action, PolicyAction::kReject);
  EXPECT_EQ(g.max_limit[Resources::MEMORY]->action, PolicyAction::kClamp);
  EXPECT_EQ(g.max_request[Resources::MEMORY]->action, PolicyAction::kClamp);
  EXPECT_FALSE(g.max_request[Resources::GPU].has_value());
  EXPECT_EQ(g.max_limit[Resources::GPU]->text, "4");
  EXPECT_EQ(g.max_limit[Resources::STORAGE]->text, "1Ti");
  EXPECT_EQ(g.max_request[Resources::EPHEMERAL_STORAGE]->text, "50Gi");
  EXPECT_EQ(g.max_retries->max, 5);
  EXPECT_EQ(g.max_retries->action, PolicyAction::kClamp);
  EXPECT_EQ(g.max_retries->scope, "global");
  ASSERT_EQ(g.allowed_images->patterns.size(), 2u);
  EXPECT_TRUE(g.allowed_images->patterns[0].Matches("ghcr.io/acme/x:1"));
  ASSERT_EQ(g.protected_environment->patterns.size(), 2u);
  EXPECT_TRUE(g.protected_environment->patterns[1].Matches("AWS_SECRET"));
  ASSERT_EQ(g.fixed_fields->fields.size(), 2u);

  const policy::Policy prod = set.For("flytesnacks", "production");
  EXPECT_EQ(prod.max_retries->max, 3);
  EXPECT_EQ(prod.max_retries->action, PolicyAction::kReject);
  EXPECT_EQ(prod.max_retries->scope, "domain production");
  EXPECT_EQ(prod.fixed_fields->fields.size(), 3u);
  EXPECT_EQ(prod.max_limit[Resources::MEMORY]->text, "128Gi");

  const policy::Policy dev = set.For("research", "development");
  EXPECT_TRUE(dev.allowed_images->patterns.empty());  // any image
  EXPECT_EQ(dev.max_limit[Resources::MEMORY]->text, "512Gi");
  EXPECT_EQ(dev.max_limit[Resources::MEMORY]->scope,
            "project research, domain development");
  EXPECT_EQ(dev.max_request[Resources::MEMORY]->text, "64Gi");  // global's
}

TEST(PolicyConfig, NoPolicyIsNoRules) {
  for (const char* yaml : {"", "policy:\n", "policy: {}\n",
                           "policy: {global: {}, domains: {}}\n"}) {
    absl::StatusOr<Config> config = ParseConfig(yaml);
    ASSERT_TRUE(config.ok()) << yaml << config.status();
    const policy::Policy policy = config->policy.For("p", "d");
    EXPECT_FALSE(policy.max_retries || policy.allowed_images ||
                 policy.protected_environment || policy.fixed_fields)
        << yaml;
  }
}

// Implicit hooks are a policy value like the others: per scope, the more
// specific scope deciding, off unless a scope turns them on.
TEST(PolicyConfig, ImplicitHooksArePerScope) {
  absl::StatusOr<Config> config = ParseConfig(
      "policy:\n  global: {implicit_hooks: node_name}\n"
      "  domains: {production: {implicit_hooks: \"off\"}}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->policy.For("p", "development").implicit_hooks, true);
  EXPECT_EQ(config->policy.For("p", "production").implicit_hooks, false);
  EXPECT_FALSE(ParseConfig("").value().policy.For("p", "d").implicit_hooks);
  absl::StatusOr<Config> bad =
      ParseConfig("policy:\n  global: {implicit_hooks: yes}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(
                "policy.global.implicit_hooks: must be node_name or off"),
            std::string::npos)
      << bad.status();
}

using testing::BadConfig;

const BadConfig kBad[] = {
    {"UnknownScope", 2, "policy:\n  globl: {}\n",
     "unknown key \"policy.globl\" (did you mean \"policy.global\"?)"},
    {"UnknownRule", 3, "policy:\n  global:\n    retires: {max: 1}\n",
     "did you mean \"policy.global.retries\"?"},
    {"UnknownResource", 4,
     "policy:\n  global:\n    resources:\n      disk: {max_limit: 1Gi}\n",
     "unknown key \"policy.global.resources.disk\""},
    {"UnknownResourceKey", 4,
     "policy:\n  global:\n    resources:\n      cpu: {max: 1}\n",
     "unknown key \"policy.global.resources.cpu.max\""},
    {"BadQuantity", 4,
     "policy:\n  global:\n    resources:\n      memory: {max_limit: 1GB}\n",
     "policy.global.resources.memory.max_limit: must be a Kubernetes "
     "quantity"},
    {"NegativeQuantity", 4,
     "policy:\n  global:\n    resources:\n      cpu: {max_limit: -1}\n",
     "policy.global.resources.cpu.max_limit: must not be negative"},
    {"FractionalGpu", 4,
     "policy:\n  global:\n    resources:\n      gpu: {max_limit: 500m}\n",
     "GPUs are whole numbers"},
    {"RequestAboveLimit", 4,
     "policy:\n  global:\n    resources:\n"
     "      cpu: {max_request: 8, max_limit: 4000m}\n",
     "max_request 8 is above max_limit 4000m"},
    {"NoMaximum", 4,
     "policy:\n  global:\n    resources:\n      cpu: {action: clamp}\n",
     "policy.global.resources.cpu: sets no maximum"},
    {"BadAction", 4,
     "policy:\n  global:\n    resources:\n"
     "      cpu: {max_limit: 4, action: cap}\n",
     "policy.global.resources.cpu.action: must be reject or clamp, got "
     "\"cap\""},
    {"QuotedRetries", 3, "policy:\n  global:\n    retries: {max: \"5\"}\n",
     "policy.global.retries.max: must be a whole number 0 or more"},
    {"NegativeRetries", 3, "policy:\n  global:\n    retries: {max: -1}\n",
     "policy.global.retries.max: must be a whole number"},
    {"BadRegex", 5,
     "policy:\n  global:\n    images:\n      allowed:\n        - "
     "'ghcr.io/(x'\n",
     "policy.global.images.allowed[0]: pattern \"ghcr.io/(x\" is not a valid "
     "RE2 expression: missing )"},
    {"ImagesIsAList", 3, "policy:\n  global:\n    images: ['.*']\n",
     "policy.global.images: must be a mapping, got a list"},
    {"ClampImages", 3,
     "policy:\n  global:\n    images: {allowed: [], action: clamp}\n",
     "policy.global.images.action: must be reject: this rule cannot clamp"},
    {"GlobThatMatchesNoKey", 3,
     "policy:\n  global:\n    environment: {protected: [FLYTE-*]}\n",
     "\"FLYTE-*\" can never match an environment key"},
    {"UnknownFixedField", 3,
     "policy:\n  global:\n    fixed_fields: [container_image, image]\n",
     "policy.global.fixed_fields[1]: \"image\" names no field"},
    {"FixedFieldsNotAList", 3,
     "policy:\n  global:\n    fixed_fields: container_image\n",
     "policy.global.fixed_fields: must be a list"},
    {"BadProjectDomain", 3,
     "policy:\n  project_domains:\n    flytesnacks: {}\n",
     "policy.project_domains.flytesnacks: must be named \"project/domain\""},
    {"SlashInProject", 3, "policy:\n  projects:\n    a/b: {}\n",
     "policy.projects.a/b: must be named by a non-empty name"},
    {"DuplicateDomain", 4,
     "policy:\n  domains:\n    production: {}\n    production: {}\n",
     "policy.domains.production: duplicate key (first at line 3)"},
    {"ScalarRules", 2, "policy:\n  global: strict\n",
     "policy.global: must be a mapping, got \"strict\""},
};

class PolicyConfigError : public ::testing::TestWithParam<BadConfig> {};

TEST_P(PolicyConfigError, NamesKeyAndLine) {
  testing::ExpectRefused(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Policy, PolicyConfigError, ::testing::ValuesIn(kBad),
                         testing::RowName);

TEST(PolicyConfig, EveryProblemIsReported) {
  absl::StatusOr<Config> config = ParseConfig(
      "policy:\n  global:\n    retries: {max: x}\n"
      "    fixed_fields: [nope]\n  domains:\n    d: {images: 1}\n");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_TRUE(
      absl::StrContains(message, "config line 3: policy.global.retries"))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "config line 4: policy.global.fixed"))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "config line 6: policy.domains.d"))
      << message;
}

}  // namespace
}  // namespace flyteoverride::config
