#include "encoding/strict_json.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "gtest/gtest.h"
#include "google/protobuf/util/json_util.h"

namespace flyteoverride::encoding {
namespace {

google::protobuf::Value ParseValue(absl::string_view json) {
  google::protobuf::Value value;
  const auto status =
      google::protobuf::util::JsonStringToMessage(std::string(json), &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return value;
}

std::string Unknown(absl::string_view json) {
  return absl::StrJoin(
      UnknownJsonFields(ParseValue(json),
                        *flyteidl::core::TaskNodeOverrides::descriptor(), ""),
      ",");
}

TEST(StrictJson, EveryUnknownMemberIsReportedWithItsPath) {
  EXPECT_EQ(
      Unknown(R"({"timeout": "1h", "retries": 1, "resources": {"limit": [],
                        "requests": [{"name": "CPU", "value": "1", "unit": "m"}]}})"),
      "resources.limit,resources.requests[0].unit,timeout");
}

TEST(StrictJson, PathsUseProtoNames) {
  EXPECT_EQ(
      Unknown(R"({"extendedResources": {"gpuAccelerator": {"dev": "a"}}})"),
      "extended_resources.gpu_accelerator.dev");
}

TEST(StrictJson, JsonAndProtoNamesAreBothKnown) {
  EXPECT_EQ(
      Unknown(
          R"({"containerImage": "a", "container_image": "b", "cacheSerializable": true})"),
      "");
}

TEST(StrictJson, FreeFormFieldsAreNotJudged) {
  EXPECT_EQ(Unknown(R"({"taskConfig": {"anything": {"goes": 1}},
                        "podTemplate": {"podSpec": {"any": [1]}}, "environment": {"X": "1"}})"),
            "");
}

TEST(StrictJson, PodTemplateMembersTheSubsetLacksAreRefusedNotDropped) {
  EXPECT_EQ(
      Unknown(
          R"({"podTemplate": {"dataConfig": {}, "primaryContainerName": "c"}})"),
      "pod_template.dataConfig");
}

std::string Problems(absl::string_view json,
                     const google::protobuf::Descriptor& type =
                         *flyteidl::core::TaskNodeOverrides::descriptor()) {
  std::vector<std::string> out;
  for (const JsonProblem& problem : CheckJson(ParseValue(json), type, ""))
    out.push_back(absl::StrCat(problem.reason(), " ", problem.path, ": ",
                               problem.detail));
  return absl::StrJoin(out, "\n");
}

TEST(StrictJson, OneFieldUnderTwoSpellingsIsADuplicate) {
  EXPECT_EQ(Problems(R"({"containerImage": "a", "container_image": "b"})"),
            "DUPLICATE_FIELD container_image: \"containerImage\" and "
            "\"container_image\" name the same field; give it once");
}

TEST(StrictJson, AnObjectWhereAListBelongsIsTheWrongType) {
  EXPECT_EQ(
      Problems(R"({"resources": {"requests": {"name": "MEMORY", "value": "1"}}})"),
      "WRONG_TYPE resources.requests: expected a list of ResourceEntry, got "
      "an object");
  EXPECT_EQ(Problems(R"({"environment": ["A=1"]})"),
            "WRONG_TYPE environment: expected an object of key: value, got a "
            "list");
}

TEST(StrictJson, ScalarsMustHaveTheirFieldsType) {
  EXPECT_EQ(Problems(R"({"retries": "three", "cache": "yes",
                         "containerImage": 3, "environment": {"A": 1}})"),
            "WRONG_TYPE cache: expected true or false, got \"yes\"\n"
            "WRONG_TYPE container_image: expected a string, got the number 3\n"
            "WRONG_TYPE environment[A]: expected a string, got the number 1\n"
            "WRONG_TYPE retries: expected a whole number from -2147483648 to "
            "2147483647, got \"three\"");
  // What the protobuf JSON parser itself reads: numbers and booleans as
  // strings, null as "not set".
  EXPECT_EQ(Problems(R"({"retries": "3", "cache": "true", "cacheVersion": null})"),
            "");
}

TEST(StrictJson, UnknownEnumValuesAreRefusedWithASuggestion) {
  EXPECT_EQ(
      Problems(R"({"resources": {"limits": [{"name": "memory", "value": "1"},
                                           {"name": "RAM", "value": "1"}]}})"),
      "BAD_ENUM_VALUE resources.limits[0].name: \"memory\" is not a "
      "ResourceName; did you mean MEMORY? (one of UNKNOWN, CPU, GPU, MEMORY, "
      "STORAGE, EPHEMERAL_STORAGE)\n"
      "BAD_ENUM_VALUE resources.limits[1].name: \"RAM\" is not a "
      "ResourceName (one of UNKNOWN, CPU, GPU, MEMORY, STORAGE, "
      "EPHEMERAL_STORAGE)");
  EXPECT_EQ(Problems(R"({"unknownHooks": "WARN"})",
                     *v1::ResolveOptions::descriptor()),
            "BAD_ENUM_VALUE unknown_hooks: \"WARN\" is not a UnknownHooks; "
            "did you mean UNKNOWN_HOOKS_WARN? (one of UNKNOWN_HOOKS_ERROR, "
            "UNKNOWN_HOOKS_WARN)");
}

TEST(StrictJson, UnknownFieldsNameWhatTheirMessageHas) {
  EXPECT_EQ(Problems(R"({"resources": {"requests": [{"nme": "CPU"}]}})"),
            "UNKNOWN_FIELD resources.requests[0].nme: ResourceEntry has name, "
            "value");
}

}  // namespace
}  // namespace flyteoverride::encoding
