#include "tools/inputs.h"

#include "gtest/gtest.h"

namespace flyteoverride::tools {
namespace {

TEST(Inputs, YamlOverrideMapsReadLikeJson) {
  auto parsed =
      ParseOverrideMap(R"(
train:
  retries: 3
  cache: false
  resources:
    limits:
      - {name: MEMORY, value: 8Gi}
      - {name: CPU, value: 2}
  environment: {DEBUG: "1", PORT: 8080}
  taskConfig:
    workers: 4
    ratio: 0.5
    enabled: true
    name: "4"
    drop: null
)",
                       /*yaml=*/true, "execution_overrides", v1::EXECUTION);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->unknown_fields.empty());
  const auto& train = parsed->map.hooks().at("train");
  EXPECT_EQ(train.retries(), 3);
  EXPECT_TRUE(train.has_cache());
  EXPECT_FALSE(train.cache());
  EXPECT_EQ(train.resources().limits(1).value(),
            "2");  // a quantity stays a string
  EXPECT_EQ(train.environment().at("PORT"), "8080");
  const auto& config = train.task_config().fields();
  EXPECT_EQ(config.at("workers").number_value(),
            4);  // typed inside free-form JSON
  EXPECT_EQ(config.at("ratio").number_value(), 0.5);
  EXPECT_TRUE(config.at("enabled").bool_value());
  EXPECT_EQ(config.at("name").string_value(), "4");  // quoted stays a string
  EXPECT_TRUE(config.at("drop").has_null_value());
}

TEST(Inputs, UnknownMembersAreReportedEachWithHookAndLayer) {
  auto parsed = ParseOverrideMap(R"({"a": {"timeout": 1, "retries": 1},
                                     "b": {"resources": {"limit": []}}})",
                                 /*yaml=*/false, "launch_plan_overrides",
                                 v1::LAUNCH_PLAN);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->unknown_fields.size(), 2u);
  EXPECT_EQ(parsed->unknown_fields[0].field(),
            "launch_plan_overrides[a].timeout");
  EXPECT_EQ(parsed->unknown_fields[0].hook(), "a");
  EXPECT_EQ(parsed->unknown_fields[0].layer(), v1::LAUNCH_PLAN);
  EXPECT_EQ(parsed->unknown_fields[1].field(),
            "launch_plan_overrides[b].resources.limit");
  EXPECT_EQ(parsed->map.hooks().at("a").retries(), 1);
}

TEST(Inputs, NotAnObjectOrWrongTypesAreErrors) {
  EXPECT_FALSE(ParseOverrideMap("[1, 2]", false, "x", v1::EXECUTION).ok());
  EXPECT_FALSE(ParseOverrideMap(R"({"a": {"retries": "many"}})", false, "x",
                                v1::EXECUTION)
                   .ok());
  EXPECT_FALSE(ParseOverrideMap("a: [b", true, "x", v1::EXECUTION).ok());
}

TEST(Inputs, ClosuresReadAsJsonOrBinary) {
  flyteidl::core::CompiledWorkflowClosure closure;
  closure.mutable_primary()->mutable_template_()->mutable_id()->set_name("wf");
  auto binary = ParseClosure(closure.SerializeAsString());
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(binary->primary().template_().id().name(), "wf");
  auto json = ParseClosure(
      R"({"primary": {"template": {"id": {"name": "wf"}, "interface": {}}}})");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->primary().template_().id().name(), "wf");
  EXPECT_FALSE(ParseClosure("\x0a\xff garbage").ok());
}

}  // namespace
}  // namespace flyteoverride::tools
