#include "tools/inputs.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
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
  ASSERT_TRUE(parsed->problems.empty());
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

TEST(Inputs, QuotedNullIsAStringOutsideTaskConfigToo) {
  auto parsed = ParseOverrideMap(R"(
train:
  environment: {A: "null", B: '~', C: "true"}
  cacheVersion: "null"
)",
                                 /*yaml=*/true, "execution_overrides",
                                 v1::EXECUTION);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->problems.empty());
  const auto& train = parsed->map.hooks().at("train");
  EXPECT_EQ(train.environment().at("A"), "null");
  EXPECT_EQ(train.environment().at("B"), "~");
  EXPECT_EQ(train.environment().at("C"), "true");
  EXPECT_EQ(train.cache_version(), "null");
}

TEST(Inputs, UnknownMembersAreReportedEachWithHookAndLayer) {
  auto parsed = ParseOverrideMap(R"({"a": {"timeout": 1, "retries": 1},
                                     "b": {"resources": {"limit": []}}})",
                                 /*yaml=*/false, "launch_plan_overrides",
                                 v1::LAUNCH_PLAN);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->problems.size(), 2u);
  EXPECT_EQ(parsed->problems[0].field(),
            "launch_plan_overrides[a].timeout");
  EXPECT_EQ(parsed->problems[0].hook(), "a");
  EXPECT_EQ(parsed->problems[0].layer(), v1::LAUNCH_PLAN);
  EXPECT_EQ(parsed->problems[1].field(),
            "launch_plan_overrides[b].resources.limit");
  EXPECT_EQ(parsed->map.hooks().at("a").retries(), 1);
}

TEST(Inputs, NotAnObjectOrNotYamlAreErrors) {
  EXPECT_FALSE(ParseOverrideMap("[1, 2]", false, "x", v1::EXECUTION).ok());
  EXPECT_FALSE(ParseOverrideMap("a: [b", true, "x", v1::EXECUTION).ok());
}

// Every shape problem of a file, each with its file, line, hook and field
// path and what was expected; none stops the others from being found.
TEST(Inputs, ShapeProblemsAreEachReportedWithFileLineHookAndField) {
  auto parsed = ParseOverrideMap(R"(train:
  retries: three
  resources:
    requests: {name: MEMORY, value: 8Gi}
    limits:
      - {name: memory, value: 8Gi}
      - {name: CPU, valu: 2}
  retries: 4
evaluate:
  containerImage: a
  container_image: b
)",
                                 /*yaml=*/true, "execution_overrides",
                                 v1::EXECUTION, "exec.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->readable);
  std::vector<std::string> lines;
  for (const v1::Violation& v : parsed->problems) {
    EXPECT_EQ(v.layer(), v1::EXECUTION);
    EXPECT_FALSE(v.hook().empty());
    lines.push_back(absl::StrCat(v.reason(), " ", v.field(), " | ",
                                 v.description()));
  }
  EXPECT_THAT(
      lines,
      ::testing::ElementsAre(
          "DUPLICATE_FIELD execution_overrides[evaluate].container_image | "
          "exec.yaml:10: container_image in the overrides for hook "
          "\"evaluate\": \"containerImage\" and \"container_image\" name the "
          "same field; give it once",
          "BAD_ENUM_VALUE execution_overrides[train].resources.limits[0].name "
          "| exec.yaml:6: resources.limits[0].name in the overrides for hook "
          "\"train\": \"memory\" is not a ResourceName; did you mean MEMORY? "
          "(one of UNKNOWN, CPU, GPU, MEMORY, STORAGE, EPHEMERAL_STORAGE)",
          "UNKNOWN_FIELD execution_overrides[train].resources.limits[1].valu "
          "| exec.yaml:7: unknown field \"resources.limits[1].valu\" in the "
          "overrides for hook \"train\"; ResourceEntry has name, value",
          "WRONG_TYPE execution_overrides[train].resources.requests | "
          "exec.yaml:4: resources.requests in the overrides for hook "
          "\"train\": expected a list of ResourceEntry, got an object",
          "DUPLICATE_FIELD execution_overrides[train].retries | exec.yaml:8: "
          "retries in the overrides for hook \"train\": given twice (lines 2 "
          "and 8); the first is read: give it once",
          "WRONG_TYPE execution_overrides[train].retries | exec.yaml:2: "
          "retries in the overrides for hook \"train\": expected a whole "
          "number from -2147483648 to 2147483647, got \"three\""));
}

TEST(Inputs, JsonFilesHaveLinesToo) {
  auto parsed = ParseOverrideMap("{\n  \"a\": {\n    \"retries\": true\n  }\n}",
                                 /*yaml=*/false, "x", v1::EXECUTION, "f.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->problems.size(), 1u);
  EXPECT_EQ(parsed->problems[0].description().substr(0, 9), "f.json:3:");
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

// What `flytectl get workflow -o json` prints is an admin Workflow; its
// compiled closure is read from inside it, alone or as a list of one.
TEST(Inputs, FlytectlWorkflowOutputIsUnwrapped) {
  const std::string closure =
      R"({"primary": {"template": {"id": {"name": "wf"}}}})";
  for (const std::string& text :
       {absl::StrCat(R"({"id": {"name": "wf"}, "closure": {"compiledWorkflow": )",
                     closure, R"(, "createdAt": "2026-01-01T00:00:00Z"}})"),
        absl::StrCat(R"([{"id": {"name": "wf"}, "closure": {"compiledWorkflow": )",
                     closure, "}}]")}) {
    auto parsed = ParseClosure(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->primary().template_().id().name(), "wf");
  }
}

TEST(Inputs, ALaunchPlanSaysWhichWorkflowToFetch) {
  auto parsed = ParseClosure(R"({"id": {"name": "lp"}, "spec": {"workflowId":
      {"project": "p", "domain": "d", "name": "wf", "version": "v1"}}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              ::testing::HasSubstr(
                  "flytectl get workflow -p p -d d wf --version v1 -o json"));
}

// Found by fuzz:override_map_fuzzer: an alias inside its own anchor made a
// cycle the reader recursed into until the stack overflowed, and nested
// aliases expanded 470 bytes to 10^9 values.
TEST(Inputs, YamlAliasesCannotRecurseOrExplode) {
  auto cycle = ParseOverrideMap("a: &a {b: *a}\n", true, "x", v1::EXECUTION);
  ASSERT_FALSE(cycle.ok());
  EXPECT_THAT(std::string(cycle.status().message()),
              ::testing::HasSubstr("nests deeper than"));
  // Named .json, it is refused too (as JSON it does not parse).
  EXPECT_FALSE(
      ParseOverrideMap("a: &a {b: *a}\n", false, "x", v1::EXECUTION).ok());
  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    absl::StrAppend(&laughs, "a", i, ": &a", i, " [");
    for (int j = 0; j < 10; ++j)
      absl::StrAppend(&laughs, j ? ", " : "", "*a", i - 1);
    absl::StrAppend(&laughs, "]\n");
  }
  auto exploded = ParseOverrideMap(laughs, true, "x", v1::EXECUTION);
  ASSERT_FALSE(exploded.ok());
  EXPECT_THAT(std::string(exploded.status().message()),
              ::testing::HasSubstr("expands to more than"));
  // An alias that repeats a few defaults is fine.
  auto repeated = ParseOverrideMap(
      "a: &d {retries: 2}\nb: *d\n", true, "x", v1::EXECUTION);
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_EQ(repeated->map.hooks().at("b").retries(), 2);
}

}  // namespace
}  // namespace flyteoverride::tools
