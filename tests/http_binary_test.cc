// The HTTP API with binary protobuf bodies (Content-Type:
// application/x-protobuf), answered in JSON like any other call: how a
// browser holding a closure only as bytes uses the API.
#include <string>

#include "encoding/json_message.h"
#include "encoding/json_value.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

const std::vector<std::string> kBinary = {"Content-Type: application/x-protobuf"};

// A JSON answer read back into `message`, failing the test when it is not one.
template <typename Message>
Message FromJson(const std::string& body) {
  Message message;
  auto tree = encoding::ParseJson(body);
  EXPECT_TRUE(tree.ok()) << body;
  if (tree.ok()) {
    EXPECT_TRUE(encoding::MessageFromJson(*tree, &message).ok()) << body;
  }
  return message;
}

TEST(HttpBinary, InspectAnswersTheClosureItReadAsJson) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  v1::InspectWorkflowRequest request;
  *request.mutable_closure() = Example("training_pipeline").closure();
  request.set_include_closure(true);
  const HttpResult result =
      HttpCall(harness.http_port(), "POST", "/v1/inspect",
               request.SerializeAsString(), absl::Seconds(10), kBinary);
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_THAT(result.headers, HasSubstr("application/json"));
  const auto answer = FromJson<v1::InspectWorkflowResponse>(result.body);
  EXPECT_TRUE(MessageDifferencer::Equals(answer.closure(), request.closure()));
  v1::InspectWorkflowResponse over_grpc;
  request.set_include_closure(false);
  ASSERT_TRUE(harness.Inspect(request, &over_grpc).ok());
  EXPECT_GT(over_grpc.hooks_size(), 0);
  EXPECT_FALSE(over_grpc.has_closure());
  EXPECT_EQ(answer.hooks_size(), over_grpc.hooks_size());
}

TEST(HttpBinary, ResolveAnswersAsOverGrpc) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  v1::ResolveRequest request = Example("training_pipeline");
  request.mutable_options()->set_dry_run(true);
  request.mutable_options()->set_rewrite_closure(true);
  // Parameters after the media type are allowed.
  const HttpResult result = HttpCall(
      harness.http_port(), "POST", "/v1/resolve", request.SerializeAsString(),
      absl::Seconds(10), {"Content-Type: application/x-protobuf; charset=binary"});
  ASSERT_EQ(result.status, 200) << result.body;
  v1::ResolveResponse over_grpc;
  ASSERT_TRUE(harness.Resolve(request, &over_grpc).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(
      FromJson<v1::ResolveResponse>(result.body), over_grpc));
}

TEST(HttpBinary, BytesThatAreNoMessageAreMalformed) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const HttpResult result =
      HttpCall(harness.http_port(), "POST", "/v1/inspect",
               std::string("\x0a\xff\xff\xff\xff\x0f{", 7), absl::Seconds(10),
               kBinary);
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("MALFORMED_REQUEST"));
}

TEST(HttpBinary, JsonSentAsBinaryIsMalformedNotGuessed) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const HttpResult result =
      HttpCall(harness.http_port(), "POST", "/v1/inspect",
               R"({"closure": {}})", absl::Seconds(10), kBinary);
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("MALFORMED_REQUEST"));
}

// `inner` as length-delimited field `field` of a message.
std::string Wrap(int field, const std::string& inner) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  size_t n = inner.size();
  do {
    out.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
    n >>= 7;
  } while (n != 0);
  return out + inner;
}

TEST(HttpBinary, NestingPastTheLimitIsRefusedBeforeParsing) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  // Branch nodes 200 deep (Node.branch_node.if_else.case.then_node: four
  // messages a level), in closure.primary.template.nodes.
  std::string node;
  for (int level = 0; level < 200; ++level)
    node = Wrap(8, Wrap(1, Wrap(1, Wrap(2, node))));
  const std::string bytes = Wrap(1, Wrap(1, Wrap(1, Wrap(4, node))));
  const HttpResult result = HttpCall(harness.http_port(), "POST", "/v1/inspect",
                                     bytes, absl::Seconds(10), kBinary);
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("MALFORMED_REQUEST"));
  EXPECT_EQ(HttpCall(harness.http_port(), "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace flyteoverride::tests
