#include "encoding/element_count.h"

#include <string>

#include "flyteoverride/v1/resolver.pb.h"
#include "gtest/gtest.h"

namespace flyteoverride::encoding {
namespace {

constexpr size_t kAll = static_cast<size_t>(-1);

size_t Count(const google::protobuf::Message& message,
             size_t stop_above = kAll, int max_depth = 100) {
  return CountElements(message.SerializeAsString(), *message.GetDescriptor(),
                       stop_above, max_depth);
}

// closure, primary, template, then `nodes` empty nodes: the parse
// amplification a hostile request is made of.
v1::ResolveRequest EmptyNodes(int nodes) {
  v1::ResolveRequest request;
  auto* workflow = request.mutable_closure()->mutable_primary()
                       ->mutable_template_();
  for (int i = 0; i < nodes; ++i) workflow->add_nodes();
  return request;
}

TEST(ElementCount, EveryEmptySubMessageCounts) {
  EXPECT_EQ(Count(EmptyNodes(0)), 3u);
  EXPECT_EQ(Count(EmptyNodes(1000)), 1003u);
}

TEST(ElementCount, FieldsAtEveryLevelCount) {
  v1::ResolveRequest request = EmptyNodes(1);
  auto* node = request.mutable_closure()->mutable_primary()
                   ->mutable_template_()->mutable_nodes(0);
  node->set_id("n0");                               // +1
  node->mutable_runtime_override()->set_name("h");  // +2
  request.mutable_execution_id()->set_name("e");    // +2
  EXPECT_EQ(Count(request), 4u + 1 + 2 + 2);
}

TEST(ElementCount, MapEntriesAreMessages) {
  v1::ResolveRequest request;
  (*request.mutable_execution_overrides())["a"].set_retries(1);
  (*request.mutable_execution_overrides())["b"];
  // Each entry, its key and its value; "a"'s value holds one field more.
  EXPECT_EQ(Count(request), 3u + 3 + 1);
}

TEST(ElementCount, StopsOnceThePassedBoundIsSeen) {
  const v1::ResolveRequest request = EmptyNodes(1000);
  EXPECT_EQ(Count(request, 1003), 1003u);
  EXPECT_EQ(Count(request, 1002), 1003u);  // one past: enough to refuse
  EXPECT_EQ(Count(request, 10), 11u);
}

TEST(ElementCount, GroupsCountTheirFields) {
  // Field 99 as a group holding three varints, in an unknown field.
  const std::string group = "\x9b\x06\x08\x01\x08\x02\x08\x03\x9c\x06";
  EXPECT_EQ(CountElements(group, *v1::ResolveRequest::descriptor(), kAll, 100),
            4u);
}

TEST(ElementCount, MalformedBytesStopCounting) {
  std::string bytes = EmptyNodes(10).SerializeAsString();
  bytes.resize(bytes.size() - 1);  // the last node's length has no byte
  EXPECT_LE(CountElements(bytes, *v1::ResolveRequest::descriptor(), kAll, 100),
            13u);
  EXPECT_EQ(CountElements("\xff", *v1::ResolveRequest::descriptor(), kAll, 100),
            0u);
}

TEST(ElementCount, DepthBoundsTheDescent) {
  // closure > primary > template > node: four levels below the request, as
  // protobuf's recursion limit counts them.
  EXPECT_EQ(Count(EmptyNodes(5), kAll, 4), 8u);
  EXPECT_EQ(Count(EmptyNodes(5), kAll, 3), 4u);  // stops at the first node
}

// The densest bytes, empty nodes inside one template, hold one element per
// two bytes, as MaxBytesWithin assumes.
TEST(ElementCount, TwoBytesAFieldAtLeast) {
  std::string nodes;
  for (int i = 0; i < 1000; ++i) nodes += std::string("\x22\x00", 2);
  const size_t count = CountElements(
      nodes, *flyteidl::core::WorkflowTemplate::descriptor(), kAll, 100);
  EXPECT_EQ(count, 1000u);
  EXPECT_EQ(nodes.size(), MaxBytesWithin(count) - 1);
}

}  // namespace
}  // namespace flyteoverride::encoding
