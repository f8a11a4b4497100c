#include "server/recorded_answers.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/memory_store.h"

namespace flyteoverride::server {
namespace {

const storage::ExecutionKey kKey{"p", "d", "e", ""};

v1::ResolvedNode Node(const std::string& path, int retries) {
  v1::ResolvedNode node;
  node.set_node_path(path);
  node.mutable_overrides()->set_retries(retries);
  return node;
}

// A record of `nodes` (sorted by path, as every store returns them).
class RecordedInsteadTest : public ::testing::Test {
 protected:
  void Record(const std::vector<v1::ResolvedNode>& nodes) {
    storage::ExecutionRecord record;
    record.key = kKey;
    record.input_digest = "digest";
    for (const v1::ResolvedNode& node : nodes)
      record.nodes.push_back(ToStored(node, {}));
    ASSERT_TRUE(store_.PutIfAbsent(record).ok());
  }

  // The paths RecordedInstead answers; "same" when it answers nothing.
  std::string Instead(const std::vector<v1::ResolvedNode>& fresh,
                      const std::vector<std::string>& uncovered = {}) {
    google::protobuf::RepeatedPtrField<v1::ResolvedNode> nodes(fresh.begin(),
                                                               fresh.end());
    auto recorded = RecordedInstead(store_, kKey, nodes, uncovered);
    EXPECT_TRUE(recorded.ok()) << recorded.status();
    if (!recorded.ok() || !recorded->has_value()) return "same";
    std::string paths;
    for (const v1::ResolvedNode& node : **recorded) {
      paths += node.node_path() + ":" +
               std::to_string(node.overrides().retries()) + " ";
    }
    return paths;
  }

  storage::MemoryStore store_;
};

TEST_F(RecordedInsteadTest, AnAgreeingRecordAnswersNothing) {
  Record({Node("n0", 3), Node("n1/a", 3)});
  EXPECT_EQ(Instead({Node("n0", 3), Node("n1/a", 3)}), "same");
}

TEST_F(RecordedInsteadTest, OtherOverridesAnswerTheRecordedOnes) {
  Record({Node("n0", 3), Node("n1", 3)});
  EXPECT_EQ(Instead({Node("n0", 2), Node("n1", 3)}), "n0:3 n1:3 ");
}

TEST_F(RecordedInsteadTest, ANodeNoLongerCoveredIsStillAnswered) {
  Record({Node("n0", 3), Node("n1", 3)});
  // n1 is still a task node of the closure; no hook covers it now.
  EXPECT_EQ(Instead({Node("n0", 3)}, {"n1"}), "n0:3 n1:3 ");
}

TEST_F(RecordedInsteadTest, ANodeCoveredOnlyNowIsNotAnswered) {
  Record({Node("n0", 3)});
  EXPECT_EQ(Instead({Node("n0", 3), Node("n1", 3)}), "n0:3 ");
}

TEST_F(RecordedInsteadTest, NodesOfOtherClosuresAreNotThisCallsOwn) {
  // n0/d0 came from a dynamic task at n0; n0/d0/x from one at n0/d0.
  Record({Node("n0", 3), Node("n0/d0", 3), Node("n0/d0/x", 3),
          Node("n0/d1", 3)});
  EXPECT_EQ(Instead({Node("n0", 3)}), "same");
  // The dynamic task at n0 asked again: its own nodes are n0/d0 and n0/d1,
  // of which only n0/d0 is covered now.
  EXPECT_EQ(Instead({Node("n0/d0", 3), Node("n0/d1", 3)}), "same");
  EXPECT_EQ(Instead({Node("n0/d0", 3)}, {"n0/d1"}), "n0/d0:3 n0/d1:3 ");
}

}  // namespace
}  // namespace flyteoverride::server
