#include "server/request_limits.h"

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

v1::ResolveRequest Sample() {
  v1::ResolveRequest request;
  request.mutable_execution_id()->set_project("flytesnacks");
  request.mutable_execution_id()->set_domain("development");
  request.mutable_execution_id()->set_name("f3a9");
  auto& hooks = *request.mutable_execution_overrides();
  for (int i = 0; i < 20; ++i) {
    auto& hook = hooks["train-" + std::to_string(i)];
    hook.set_container_image("ghcr.io/flyteorg/train:" + std::to_string(i));
    (*hook.mutable_task_config()->mutable_fields())["seed"].set_number_value(
        i * 7919);
  }
  request.mutable_options()->set_dry_run(true);
  return request;
}

// `bytes` cut at `cuts` (offsets, increasing).
std::vector<absl::string_view> Cut(absl::string_view bytes,
                                   const std::vector<size_t>& cuts) {
  std::vector<absl::string_view> pieces;
  size_t from = 0;
  for (size_t cut : cuts) {
    pieces.push_back(bytes.substr(from, cut - from));
    from = cut;
  }
  pieces.push_back(bytes.substr(from));
  return pieces;
}

TEST(ReadProtoInPieces, ReadsWhatTheContiguousBytesHoldWhereverTheyAreCut) {
  const std::string bytes = Sample().SerializeAsString();
  ASSERT_GT(bytes.size(), 300u);
  const v1::ResolveRequest expected = Sample();
  for (size_t a = 0; a <= bytes.size(); a += 7) {
    for (size_t b = a; b <= bytes.size(); b += 61) {
      v1::ResolveRequest read;
      const Outcome outcome = ReadProto(Cut(bytes, {a, b}), {}, &read);
      ASSERT_TRUE(outcome.ok()) << a << " " << b << outcome.status;
      EXPECT_TRUE(
          google::protobuf::util::MessageDifferencer::Equals(read, expected))
          << a << " " << b;
    }
  }
}

TEST(ReadProtoInPieces, RefusesTruncatedBytesAsTheContiguousReadDoes) {
  const std::string bytes = Sample().SerializeAsString();
  const absl::string_view truncated(bytes.data(), bytes.size() - 3);
  v1::ResolveRequest whole, pieces;
  const Outcome expected = ReadProto(truncated, {}, &whole);
  const Outcome outcome = ReadProto(Cut(truncated, {10, 100, 101}), {}, &pieces);
  ASSERT_FALSE(expected.ok());
  EXPECT_EQ(outcome.status, expected.status);
  ASSERT_EQ(outcome.violations.size(), 1u);
  EXPECT_EQ(outcome.violations[0].reason(), "MALFORMED_REQUEST");
}

TEST(ReadProtoInPieces, CountsTheElementsOfLargeRequestsFirst) {
  const std::string bytes = Sample().SerializeAsString();
  RequestLimits limits;
  limits.max_elements = 20;  // the sample holds far more
  v1::ResolveRequest read;
  const Outcome outcome = ReadProto(Cut(bytes, {50, 200}), limits, &read);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_EQ(outcome.violations.size(), 1u);
  EXPECT_EQ(outcome.violations[0].reason(), "TOO_MANY_ELEMENTS");
}

TEST(ReadProtoInPieces, KeepsTheNestingLimit) {
  google::protobuf::Value value;
  google::protobuf::Value* inner = &value;
  for (int i = 0; i < 40; ++i)
    inner = inner->mutable_list_value()->add_values();
  inner->set_string_value("deep");
  const std::string bytes = value.SerializeAsString();
  RequestLimits limits;
  limits.max_message_depth = 30;
  google::protobuf::Value read;
  EXPECT_EQ(ReadProto(Cut(bytes, {3, 9}), limits, &read).status.code(),
            absl::StatusCode::kInvalidArgument);
  limits.max_message_depth = 100;
  EXPECT_TRUE(ReadProto(Cut(bytes, {3, 9}), limits, &read).ok());
  EXPECT_EQ(read.SerializeAsString(), bytes);
}

TEST(ReadProtoInPieces, ReadsNoPiecesAsNoBytes) {
  v1::ResolveRequest read;
  EXPECT_TRUE(ReadProto(std::vector<absl::string_view>{}, {}, &read).ok());
  EXPECT_TRUE(ReadProto(std::vector<absl::string_view>{"", ""}, {}, &read).ok());
  EXPECT_EQ(read.ByteSizeLong(), 0u);
}

}  // namespace
}  // namespace flyteoverride::server
