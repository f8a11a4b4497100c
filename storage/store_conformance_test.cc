// One conformance suite for the Store interface, run against every
// implementation (STYLE: "One conformance suite for an interface").
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/store_test_factories.h"

namespace flyteoverride::storage {
namespace {

v1::StoredNode Node(const std::string& path,
                    const std::string& hook = "train") {
  v1::StoredNode node;
  node.mutable_node()->set_node_path(path);
  node.mutable_node()->add_hooks(hook);
  node.mutable_node()->mutable_overrides()->set_retries(3);
  node.add_hooks()->set_name(hook);
  return node;
}

ExecutionRecord Record(const std::string& name, const std::string& digest,
                       absl::Time expires = absl::InfiniteFuture()) {
  ExecutionRecord record;
  record.key = {"p", "d", name, ""};
  record.input_digest = digest;
  (*record.maps.mutable_execution_overrides())["train"].set_retries(3);
  record.nodes = {Node("n0"), Node("n1/n0"), Node("n1/n1")};
  record.created = absl::FromUnixSeconds(1700000000);
  record.expires = expires == absl::InfiniteFuture()
                       ? absl::FromUnixSeconds(1900000000)
                       : expires;
  return record;
}

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    auto store = GetParam().open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformance, FirstPutCreatesAndRepeatsReturnTheRecordedDigest) {
  auto first = store_->PutIfAbsent(Record("e", "digest-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  auto again = store_->PutIfAbsent(Record("e", "digest-2"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->input_digest, "digest-1");
  auto header = store_->GetHeader({"p", "d", "e", ""});
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->input_digest, "digest-1");
  EXPECT_EQ(header->maps.execution_overrides().at("train").retries(), 3);
  EXPECT_EQ(header->created, absl::FromUnixSeconds(1700000000));
}

TEST_P(StoreConformance, KeysDifferByEveryPart) {
  ASSERT_TRUE(store_->PutIfAbsent(Record("e", "a")).ok());
  ExecutionRecord other = Record("e", "b");
  other.key.org = "org";
  EXPECT_TRUE(store_->PutIfAbsent(other)->created);
  other.key.domain = "prod";
  EXPECT_TRUE(store_->PutIfAbsent(other)->created);
}

TEST_P(StoreConformance, MissingRecordsAreNotFoundNamingWhat) {
  auto header = store_->GetHeader({"p", "d", "nope", ""});
  EXPECT_EQ(header.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(header.status().message().find("p/d/nope"), std::string::npos);
  EXPECT_EQ(store_->GetNodes({"p", "d", "nope", ""}, "").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->PutIfAbsent(Record("e", "a")).ok());
  auto node = store_->GetNodes({"p", "d", "e", ""}, "n9");
  EXPECT_EQ(node.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(node.status().message().find("n9"), std::string::npos);
}

TEST_P(StoreConformance, NodesReadOneOrAllSortedByPath) {
  ASSERT_TRUE(store_->PutIfAbsent(Record("e", "a")).ok());
  auto all = store_->GetNodes({"p", "d", "e", ""}, "");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].node().node_path(), "n0");
  EXPECT_EQ((*all)[2].node().node_path(), "n1/n1");
  auto one = store_->GetNodes({"p", "d", "e", ""}, "n1/n0");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].node().overrides().retries(), 3);
  EXPECT_EQ((*one)[0].hooks(0).name(), "train");
}

TEST_P(StoreConformance, DynamicNodesAreRecordedOnceUnderTheirParent) {
  const ExecutionKey key{"p", "d", "e", ""};
  EXPECT_EQ(store_->PutDynamic(key, "n0", "x", {Node("n0/d0")}).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->PutIfAbsent(Record("e", "a")).ok());
  auto first =
      store_->PutDynamic(key, "n0", "dyn-1", {Node("n0/d0"), Node("n0/d1")});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  auto again = store_->PutDynamic(key, "n0", "dyn-2", {Node("n0/zz")});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->input_digest, "dyn-1");
  auto all = store_->GetNodes(key, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  EXPECT_TRUE(store_->GetNodes(key, "n0/d1").ok());
  EXPECT_FALSE(store_->GetNodes(key, "n0/zz").ok());
}

// The service never records two nodes at one path: a store asked to is
// looking at a bug, says so (INTERNAL) and writes none of it.
TEST_P(StoreConformance, ANodePathRecordedTwiceIsRefusedWhole) {
  ExecutionRecord twice = Record("twice", "a");
  twice.nodes.push_back(Node("n1/n0", "other"));
  EXPECT_EQ(store_->PutIfAbsent(twice).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(store_->GetHeader(twice.key).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->PutIfAbsent(Record("twice", "a"))->created);

  const ExecutionKey key{"p", "d", "e", ""};
  ASSERT_TRUE(store_->PutIfAbsent(Record("e", "a")).ok());
  // A dynamic node at a path the record holds already, and one twice.
  EXPECT_EQ(store_->PutDynamic(key, "n0", "dyn-1", {Node("n0/d0"), Node("n1/n0")})
                .status()
                .code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(store_->PutDynamic(key, "n0", "dyn-1", {Node("n0/d0"), Node("n0/d0")})
                .status()
                .code(),
            absl::StatusCode::kInternal);
  EXPECT_FALSE(store_->GetNodes(key, "n0/d0").ok());
  EXPECT_EQ(store_->GetNodes(key, "n1/n0")->at(0).hooks(0).name(), "train");
  // Nothing of them was written: the parent's nodes can still be recorded.
  auto retry = store_->PutDynamic(key, "n0", "dyn-2", {Node("n0/d0")});
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->created);
  EXPECT_EQ(retry->input_digest, "dyn-2");
}

TEST_P(StoreConformance, ExpiredRecordsArePurgedInBatches) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_
                    ->PutIfAbsent(Record(absl::StrCat("old", i), "a",
                                         now - absl::Hours(1)))
                    .ok());
  }
  ASSERT_TRUE(
      store_->PutIfAbsent(Record("fresh", "a", now + absl::Hours(1))).ok());
  EXPECT_EQ(*store_->PurgeExpired(now, 3), 3);
  EXPECT_EQ(*store_->PurgeExpired(now, 3), 2);
  EXPECT_EQ(*store_->PurgeExpired(now, 3), 0);
  EXPECT_TRUE(store_->GetHeader({"p", "d", "fresh", ""}).ok());
  EXPECT_EQ(store_->GetNodes({"p", "d", "old0", ""}, "").status().code(),
            absl::StatusCode::kNotFound);
  // A purged key can be recorded anew.
  EXPECT_TRUE(store_->PutIfAbsent(Record("old0", "b"))->created);
}

TEST_P(StoreConformance, ConcurrentFirstWritesLeaveOneRecordAndOneAnswer) {
  constexpr int kWriters = 8;
  std::vector<std::string> answers(kWriters);
  std::vector<bool> created(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      auto outcome =
          store_->PutIfAbsent(Record("race", absl::StrCat("digest-", i)));
      ASSERT_TRUE(outcome.ok()) << outcome.status();
      answers[i] = outcome->input_digest;
      created[i] = outcome->created;
    });
  }
  for (auto& thread : threads) thread.join();
  int winners = 0;
  for (int i = 0; i < kWriters; ++i) {
    winners += created[i];
    EXPECT_EQ(answers[i], answers[0]);
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(store_->GetHeader({"p", "d", "race", ""})->input_digest,
            answers[0]);
}

// A record of p/d created `seconds` after a base time.
ExecutionRecord RecordAt(const std::string& name, int seconds) {
  ExecutionRecord record = Record(name, absl::StrCat("digest-", name));
  record.created = absl::FromUnixSeconds(1700000000 + seconds);
  return record;
}

std::vector<std::string> NamesOf(
    const absl::StatusOr<std::vector<ListedRecord>>& listed) {
  std::vector<std::string> names;
  if (!listed.ok()) return {listed.status().ToString()};
  for (const ListedRecord& record : *listed) names.push_back(record.key.name);
  return names;
}

ListQuery Scope(int limit, std::optional<ListPosition> after = std::nullopt) {
  ListQuery query{"p", "d", "", std::move(after), limit};
  query.now = absl::FromUnixSeconds(1800000000);
  return query;
}

TEST_P(StoreConformance, ListsAScopeNewestFirstThenByName) {
  for (const auto& [name, seconds] :
       std::vector<std::pair<std::string, int>>{
           {"b", 10}, {"a", 10}, {"old", 1}, {"new", 20}}) {
    ASSERT_TRUE(store_->PutIfAbsent(RecordAt(name, seconds)).ok());
  }
  ExecutionRecord elsewhere = RecordAt("other-domain", 30);
  elsewhere.key.domain = "prod";
  ASSERT_TRUE(store_->PutIfAbsent(elsewhere).ok());
  ExecutionRecord in_org = RecordAt("in-org", 30);
  in_org.key.org = "org";
  ASSERT_TRUE(store_->PutIfAbsent(in_org).ok());

  auto listed = store_->ListRecords(Scope(10));
  EXPECT_EQ(NamesOf(listed),
            (std::vector<std::string>{"new", "a", "b", "old"}));
  const ListedRecord& first = (*listed)[0];
  EXPECT_EQ(first.key, (ExecutionKey{"p", "d", "new", ""}));
  EXPECT_EQ(first.header.input_digest, "digest-new");
  EXPECT_EQ(first.header.created, absl::FromUnixSeconds(1700000020));
  EXPECT_EQ(first.header.expires, absl::FromUnixSeconds(1900000000));
  EXPECT_EQ(first.header.maps.execution_overrides().at("train").retries(), 3);

  ListQuery org = Scope(10);
  org.org = "org";
  EXPECT_EQ(NamesOf(store_->ListRecords(org)),
            (std::vector<std::string>{"in-org"}));
  ListQuery none = Scope(10);
  none.project = "q";
  EXPECT_EQ(NamesOf(store_->ListRecords(none)), std::vector<std::string>{});
}

TEST_P(StoreConformance, ListingResumesAfterItsCursorWhateverIsAdded) {
  for (const auto& [name, seconds] :
       std::vector<std::pair<std::string, int>>{
           {"e1", 1}, {"e2", 2}, {"e3a", 3}, {"e3b", 3}, {"e4", 4}}) {
    ASSERT_TRUE(store_->PutIfAbsent(RecordAt(name, seconds)).ok());
  }
  auto page = store_->ListRecords(Scope(2));
  EXPECT_EQ(NamesOf(page), (std::vector<std::string>{"e4", "e3a"}));
  // Newer records, and one in the cursor's own second but sorting before
  // it, belong to pages already read: they never show up on later ones.
  ASSERT_TRUE(store_->PutIfAbsent(RecordAt("e9", 9)).ok());
  ASSERT_TRUE(store_->PutIfAbsent(RecordAt("e3", 3)).ok());
  ListPosition after{1700000003LL * 1000000, "e3a"};
  page = store_->ListRecords(Scope(2, after));
  EXPECT_EQ(NamesOf(page), (std::vector<std::string>{"e3b", "e2"}));
  page = store_->ListRecords(Scope(2, ListPosition{1700000002LL * 1000000, "e2"}));
  EXPECT_EQ(NamesOf(page), (std::vector<std::string>{"e1"}));
}

TEST_P(StoreConformance, ExpiredRecordsAreNotListed) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  ExecutionRecord expired = RecordAt("expired", 5);
  expired.expires = now;
  ASSERT_TRUE(store_->PutIfAbsent(expired).ok());
  ASSERT_TRUE(store_->PutIfAbsent(RecordAt("live", 1)).ok());
  EXPECT_EQ(NamesOf(store_->ListRecords(Scope(10))),
            (std::vector<std::string>{"live"}));
  // Purged, it is gone from the listing all the same.
  ASSERT_EQ(*store_->PurgeExpired(now, 10), 1);
  EXPECT_EQ(NamesOf(store_->ListRecords(Scope(10))),
            (std::vector<std::string>{"live"}));
}

TEST_P(StoreConformance, PingAnswers) { EXPECT_TRUE(store_->Ping().ok()); }

INSTANTIATE_TEST_SUITE_P(AllStores, StoreConformance,
                         ::testing::ValuesIn(AllStoreFactories()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace flyteoverride::storage
