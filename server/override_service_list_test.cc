// ListExecutions over a real in-memory store and a clock the test moves:
// order, pages that hold still while records are added, expiry, and the
// refusals of a bad request.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "resolver/test_util.h"
#include "server/execution_listing.h"
#include "server/override_service.h"
#include "server/page_token.h"
#include "storage/memory_store.h"

namespace flyteoverride::server {
namespace {

using resolver::testing::Closure;
using resolver::testing::Hook;
using resolver::testing::Task;
using resolver::testing::TaskNode;

class SteppedClock : public storage::Clock {
 public:
  absl::Time Now() const override { return now_; }
  void Advance(absl::Duration by) { now_ += by; }

 private:
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

class ListExecutionsTest : public ::testing::Test {
 protected:
  ListExecutionsTest() : service_(Options(), &store_, clock_) {}

  static ServiceOptions Options() {
    ServiceOptions options;
    options.retention = absl::Hours(1);
    return options;
  }

  // Records p/d/NAME one second after the previous record.
  void Record(const std::string& name, const std::string& domain = "d") {
    clock_.Advance(absl::Seconds(1));
    v1::ResolveRequest request;
    *request.mutable_closure() =
        Closure(TaskNode("n0", "t", Hook("train")), "",
                Task("t", R"("image": "i:1")"));
    request.mutable_execution_id()->set_project("p");
    request.mutable_execution_id()->set_domain(domain);
    request.mutable_execution_id()->set_name(name);
    (*request.mutable_execution_overrides())["train"].set_retries(2);
    (*request.mutable_launch_plan_overrides())["extra"].set_retries(1);
    request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
    CallStats stats;
    auto answer = service_.Resolve(request, absl::InfiniteFuture(), &stats);
    ASSERT_TRUE(answer.ok()) << answer.status();
  }

  Answer<v1::ListExecutionsResponse> List(int page_size,
                                          const std::string& token = "") {
    v1::ListExecutionsRequest request;
    request.set_project("p");
    request.set_domain("d");
    request.set_page_size(page_size);
    request.set_page_token(token);
    CallStats stats;
    return service_.ListExecutions(request, &stats);
  }

  static std::vector<std::string> Names(
      const v1::ListExecutionsResponse& response) {
    std::vector<std::string> names;
    for (const auto& execution : response.executions())
      names.push_back(execution.execution_id().name());
    return names;
  }

  SteppedClock clock_;
  storage::MemoryStore store_;
  OverrideService service_;
};

TEST_F(ListExecutionsTest, SummariesComeNewestFirstFromTheHeaders) {
  Record("first");
  Record("second");
  Record("elsewhere", "prod");
  auto listed = List(0);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(Names(*listed), (std::vector<std::string>{"second", "first"}));
  EXPECT_EQ(listed->next_page_token(), "");
  const v1::ExecutionSummary& newest = listed->executions(0);
  EXPECT_EQ(newest.execution_id().project(), "p");
  EXPECT_EQ(newest.execution_id().domain(), "d");
  EXPECT_EQ(newest.input_digest().size(), 64u);
  EXPECT_EQ(newest.created_at().seconds(), 1700000002);
  EXPECT_EQ(newest.expires_at().seconds(), 1700000002 + 3600);
  // Both maps' hooks, the one the closure does not declare included.
  EXPECT_EQ(std::vector<std::string>(newest.overridden_hooks().begin(),
                                     newest.overridden_hooks().end()),
            (std::vector<std::string>{"extra", "train"}));
}

TEST_F(ListExecutionsTest, PagesResumeAfterTheirCursorWhileRecordsAreAdded) {
  for (const char* name : {"e1", "e2", "e3", "e4", "e5"}) Record(name);
  auto page = List(2);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Names(*page), (std::vector<std::string>{"e5", "e4"}));
  ASSERT_NE(page->next_page_token(), "");
  Record("e6");  // newer than every page: only a new first page shows it
  page = List(2, page->next_page_token());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Names(*page), (std::vector<std::string>{"e3", "e2"}));
  page = List(2, page->next_page_token());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Names(*page), (std::vector<std::string>{"e1"}));
  EXPECT_EQ(page->next_page_token(), "");
  EXPECT_EQ(Names(*List(0)),
            (std::vector<std::string>{"e6", "e5", "e4", "e3", "e2", "e1"}));
}

TEST_F(ListExecutionsTest, ExpiredRecordsAreNotListed) {
  Record("old");
  clock_.Advance(absl::Minutes(30));
  Record("young");
  clock_.Advance(absl::Minutes(31));  // "old" is past its hour
  EXPECT_EQ(Names(*List(0)), (std::vector<std::string>{"young"}));
}

TEST_F(ListExecutionsTest, PageSizesDefaultAndClamp) {
  for (int i = 0; i < kMaxPageSize + 1; ++i) Record(absl::StrCat("e", i));
  EXPECT_EQ(List(0)->executions_size(), kDefaultPageSize);
  auto clamped = List(kMaxPageSize + 100);
  EXPECT_EQ(clamped->executions_size(), kMaxPageSize);
  EXPECT_NE(clamped->next_page_token(), "");
}

TEST_F(ListExecutionsTest, BadRequestsAreInvalidArgumentNamingTheField) {
  v1::ListExecutionsRequest request;
  CallStats stats;
  auto missing = service_.ListExecutions(request, &stats);
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(missing.violations().size(), 2u);
  EXPECT_EQ(missing.violations()[0].field(), "project");
  EXPECT_EQ(missing.violations()[1].field(), "domain");

  auto negative = List(-1);
  ASSERT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(negative.violations()[0].field(), "page_size");
  EXPECT_EQ(negative.violations()[0].reason(), "BAD_PAGE_SIZE");

  for (const std::string& token :
       {std::string("not base64!"), absl::WebSafeBase64Escape("not-a-token"),
        EncodePageToken({1, ""}), absl::WebSafeBase64Escape("2:1:x"),
        absl::WebSafeBase64Escape("1:soon:x")}) {
    auto bad = List(10, token);
    ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument)
        << token;
    EXPECT_EQ(bad.violations()[0].field(), "page_token");
    EXPECT_EQ(bad.violations()[0].reason(), "BAD_PAGE_TOKEN");
  }
}

TEST(PageToken, RoundTripsNamesWithAnyBytes) {
  for (const std::string name : {"e", "a:b:c", "with/slash", "ünï"}) {
    auto position = DecodePageToken(EncodePageToken({-5, name}));
    ASSERT_TRUE(position.ok()) << name;
    EXPECT_EQ(position->created_us, -5);
    EXPECT_EQ(position->name, name);
  }
}

}  // namespace
}  // namespace flyteoverride::server
