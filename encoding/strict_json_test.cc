#include "encoding/strict_json.h"

#include "absl/strings/str_join.h"
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

}  // namespace
}  // namespace flyteoverride::encoding
