#include "encoding/json_message.h"

#include <string>

#include "absl/strings/match.h"
#include "encoding/json_value.h"
#include "flyteidl/core/workflow.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace flyteoverride::encoding {
namespace {

using google::protobuf::util::MessageDifferencer;

google::protobuf::Value Tree(absl::string_view text) {
  absl::StatusOr<google::protobuf::Value> tree = ParseJson(text);
  EXPECT_TRUE(tree.ok()) << tree.status();
  return tree.ok() ? *tree : google::protobuf::Value();
}

// MessageFromJson must read `text` as protobuf's lenient parser does.
template <typename M>
void ExpectSameAsProtobuf(const std::string& text) {
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  M expected, got;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(text, &expected, lenient).ok())
      << text;
  const absl::Status status = MessageFromJson(Tree(text), &got);
  ASSERT_TRUE(status.ok()) << status << "\n" << text;
  EXPECT_TRUE(MessageDifferencer::Equals(expected, got))
      << text << "\nprotobuf: " << expected.DebugString()
      << "\nours: " << got.DebugString();
  // And print it back as protobuf's printer does.
  std::string printed;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(got, &printed).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(Tree(printed), MessageToJson(got)))
      << printed << "\nours: " << MessageToJson(got).DebugString();
}

constexpr char kRequest[] = R"({
  "executionId": {"project": "p", "domain": "d", "name": "n"},
  "launch_plan_overrides": {
    "train": {"retries": 3, "cache": false, "cacheVersion": "v2",
              "resources": {"requests": [{"name": "CPU", "value": "2"},
                                         {"name": 3, "value": "4Gi"}]},
              "containerImage": "img:1",
              "extendedResources": {"gpuAccelerator": {"device": "a100",
                                                       "partitionSize": "1g"}},
              "somethingNew": {"deep": [1, 2]}}
  },
  "executionOverrides": {"train": {"retries": "5", "interruptible": true}},
  "options": {"dryRun": true, "explain": true},
  "unknownTop": null
})";

TEST(MessageFromJson, ReadsRequestsAsProtobufDoes) {
  ExpectSameAsProtobuf<v1::ResolveRequest>(kRequest);
  ExpectSameAsProtobuf<v1::ResolveRequest>("{}");
  ExpectSameAsProtobuf<flyteidl::core::TaskNodeOverrides>(
      R"({"retries": 0, "cache": true, "podTemplate": null,
          "resources": {"limits": [{"name": "UNKNOWN_NAME", "value": "1"}]}})");
}

TEST(MessageFromJson, SkipsUnknownEnumNamesAndMembers) {
  flyteidl::core::TaskNodeOverrides got;
  ASSERT_TRUE(MessageFromJson(Tree(R"({"resources": {"requests": [
                  {"name": "NOT_A_RESOURCE", "value": "1"}]}, "nope": 1})"),
                              &got)
                  .ok());
  ASSERT_EQ(got.resources().requests_size(), 1);
  EXPECT_EQ(got.resources().requests(0).name(), 0);
  EXPECT_EQ(got.resources().requests(0).value(), "1");
}

TEST(MessageFromJson, RefusesWhatDoesNotFitNamingThePath) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"retries": "x"})", "retries: expected an integer"},
      {R"({"retries": 1.5})", "retries: expected an integer"},
      {R"({"retries": 4294967296})", "retries: expected an integer in range"},
      {R"({"cache": "maybe"})", "cache: expected true or false"},
      {R"({"cacheVersion": 3})", "cacheVersion: expected a string"},
      {R"({"resources": []})", "resources: expected an object"},
      {R"({"resources": {"requests": {}}})", "resources.requests: expected a list"},
      {R"({"resources": {"requests": [null]}})", "resources.requests[0]: a list item is null"},
      {R"({"cache_version": "a", "cacheVersion": "b"})",
       "the field is given twice"},
  };
  for (const auto& [text, message] : cases) {
    flyteidl::core::TaskNodeOverrides got;
    const absl::Status status = MessageFromJson(Tree(text), &got);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(absl::StrContains(status.message(), message))
        << text << ": " << status;
  }
  v1::ResolveRequest request;
  const absl::Status map = MessageFromJson(
      Tree(R"({"executionOverrides": {"train": null}})"), &request);
  EXPECT_TRUE(absl::StrContains(map.message(),
                                "executionOverrides[train]: a map value is null"))
      << map;
}

TEST(MessageToJson, WritesWhatProtobufsPrinterWrites) {
  v1::ResolveRequest request;
  ASSERT_TRUE(MessageFromJson(Tree(kRequest), &request).ok());
  request.mutable_closure()->mutable_primary()->mutable_template_()->add_nodes()
      ->set_id("n0");
  std::string printed;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &printed).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(Tree(printed), MessageToJson(request)))
      << printed << "\nours: " << MessageToJson(request).DebugString();
}

}  // namespace
}  // namespace flyteoverride::encoding
