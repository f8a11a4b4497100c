// The service's logic over a real in-memory store: recording, idempotency,
// look-ups, dynamic nodes, and what a failing store or deadline does.
#include "server/override_service.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "resolver/test_util.h"
#include "storage/faulty_store.h"
#include "storage/memory_store.h"

namespace flyteoverride::server {
namespace {

using resolver::testing::Closure;
using resolver::testing::Hook;
using resolver::testing::ParseJson;
using resolver::testing::SubWorkflow;
using resolver::testing::SubWorkflowNode;
using resolver::testing::Task;
using resolver::testing::TaskNode;

const absl::Time kFar = absl::InfiniteFuture();

class OverrideServiceTest : public ::testing::Test {
 protected:
  OverrideServiceTest()
      : faulty_(&memory_), service_(ServiceOptions(), &faulty_) {}

  v1::ResolveRequest Request(const std::string& name, int retries) const {
    v1::ResolveRequest request;
    *request.mutable_closure() =
        Closure(absl::StrCat(TaskNode("n0", "t", Hook("train")), ",",
                             SubWorkflowNode("n1", "sub", Hook("outer"))),
                SubWorkflow("sub", TaskNode("n0", "t")),
                Task("t", R"("image": "i:1")"));
    request.mutable_execution_id()->set_project("p");
    request.mutable_execution_id()->set_domain("d");
    request.mutable_execution_id()->set_name(name);
    (*request.mutable_execution_overrides())["train"].set_retries(retries);
    (*request.mutable_execution_overrides())["outer"].set_cache_version("v9");
    return request;
  }

  v1::GetResolvedRequest Get(const std::string& name,
                             const std::string& node = "") const {
    v1::GetResolvedRequest request;
    request.mutable_execution_id()->set_project("p");
    request.mutable_execution_id()->set_domain("d");
    request.mutable_execution_id()->set_name(name);
    request.set_node_path(node);
    return request;
  }

  storage::MemoryStore memory_;
  storage::FaultyStore faulty_;
  OverrideService service_;
  CallStats stats_;
};

TEST_F(OverrideServiceTest,
       ResolveWithAnExecutionIdRecordsAndRepeatsAreIdempotent) {
  auto first = service_.Resolve(Request("e", 3), kFar, &stats_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->input_digest().size(), 64u);
  EXPECT_EQ(stats_.nodes, 2);
  auto again = service_.Resolve(Request("e", 3), kFar, &stats_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  auto got = service_.GetResolved(Get("e", "n1/n0"), &stats_);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->nodes_size(), 1);
  EXPECT_EQ(got->nodes(0).overrides().cache_version(), "v9");
  EXPECT_EQ(got->input_digest(), first->input_digest());
}

TEST_F(OverrideServiceTest,
       SameIdWithOtherInputsIsAlreadyExistsNamingBothDigests) {
  auto first = service_.Resolve(Request("e", 3), kFar, &stats_);
  ASSERT_TRUE(first.ok());
  auto second = service_.Resolve(Request("e", 4), kFar, &stats_);
  ASSERT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(second.status().message().find(first->input_digest()),
            std::string::npos);
  // The record is the first one still.
  EXPECT_EQ(service_.GetResolved(Get("e", "n0"), &stats_)
                ->nodes(0)
                .overrides()
                .retries(),
            3);
}

TEST_F(OverrideServiceTest, DryRunRecordsNothing) {
  v1::ResolveRequest request = Request("dry", 3);
  request.mutable_options()->set_dry_run(true);
  ASSERT_TRUE(service_.Resolve(request, kFar, &stats_).ok());
  EXPECT_EQ(service_.GetResolved(Get("dry"), &stats_).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OverrideServiceTest, IncompleteExecutionIdIsInvalidArgumentPerField) {
  v1::ResolveRequest request = Request("", 3);
  request.mutable_execution_id()->clear_domain();
  auto result = service_.Resolve(request, kFar, &stats_);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.violations().size(), 2u);
}

TEST_F(OverrideServiceTest, ViolationsComeBackAsTheRightCode) {
  v1::ResolveRequest request = Request("bad", -1);
  auto result = service_.Resolve(request, kFar, &stats_);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(result.violations().size(), 1u);
  EXPECT_EQ(result.violations()[0].reason(), "NEGATIVE_RETRIES");
  request = Request("bad", 1);
  request.mutable_closure()->clear_tasks();
  EXPECT_EQ(service_.Resolve(request, kFar, &stats_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(OverrideServiceTest, StorageDownIsUnavailableAndWritesNothing) {
  faulty_.set_down(true);
  EXPECT_EQ(service_.Resolve(Request("e", 3), kFar, &stats_).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.Ready().code(), absl::StatusCode::kUnavailable);
  faulty_.set_down(false);
  EXPECT_EQ(service_.GetResolved(Get("e"), &stats_).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(service_.Resolve(Request("e", 3), kFar, &stats_)
                  .ok());  // and it recovers
}

TEST_F(OverrideServiceTest, PassedDeadlineRecordsNothing) {
  EXPECT_EQ(service_.Resolve(Request("late", 3), absl::InfinitePast(), &stats_)
                .status()
                .code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(service_.GetResolved(Get("late"), &stats_).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OverrideServiceTest, DynamicNodesInheritTheParentsHooksAndAreRecorded) {
  ASSERT_TRUE(service_.Resolve(Request("e", 3), kFar, &stats_).ok());
  v1::ResolveDynamicRequest dynamic;
  *dynamic.mutable_execution_id() = Request("e", 3).execution_id();
  dynamic.set_parent_node_path("n0");
  *dynamic.mutable_closure() =
      Closure(TaskNode("d0", "t"), "", Task("t", R"("image": "i:1")"));
  auto result = service_.ResolveDynamic(dynamic, kFar, &stats_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->nodes_size(), 1);
  EXPECT_EQ(result->nodes(0).node_path(), "n0/d0");
  EXPECT_EQ(result->nodes(0).overrides().retries(),
            3);  // hook "train" of the parent
  EXPECT_TRUE(
      service_.ResolveDynamic(dynamic, kFar, &stats_).ok());  // idempotent
  EXPECT_TRUE(service_.GetResolved(Get("e", "n0/d0"), &stats_).ok());
  *dynamic.mutable_closure() =
      Closure(TaskNode("d9", "t"), "", Task("t", R"("image": "i:1")"));
  EXPECT_EQ(service_.ResolveDynamic(dynamic, kFar, &stats_).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(OverrideServiceTest, ARepeatedResolveAnswersTheClosuresOwnNodes) {
  auto first = service_.Resolve(Request("e", 3), kFar, &stats_);
  ASSERT_TRUE(first.ok());
  v1::ResolveDynamicRequest dynamic;
  *dynamic.mutable_execution_id() = Request("e", 3).execution_id();
  dynamic.set_parent_node_path("n0");
  *dynamic.mutable_closure() =
      Closure(TaskNode("d0", "t"), "", Task("t", R"("image": "i:1")"));
  ASSERT_TRUE(service_.ResolveDynamic(dynamic, kFar, &stats_).ok());
  // A retry of the same Resolve (FlyteAdmin's) after a dynamic task ran.
  auto again = service_.Resolve(Request("e", 3), kFar, &stats_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(again->warnings_size(), 0);
}

TEST_F(OverrideServiceTest, DynamicOfAnUnknownExecutionIsNotFound) {
  v1::ResolveDynamicRequest dynamic;
  *dynamic.mutable_execution_id() = Request("nope", 3).execution_id();
  dynamic.set_parent_node_path("n0");
  EXPECT_EQ(service_.ResolveDynamic(dynamic, kFar, &stats_).status().code(),
            absl::StatusCode::kNotFound);
}


// A closure whose n0 is covered by "train" (node defaults: 2 retries; the
// workflow adds cache version w1), and whose n2 no hook covers.
v1::ResolveRequest DynamicParents(const std::string& name) {
  v1::ResolveRequest request;
  *request.mutable_closure() = Closure(
      absl::StrCat(TaskNode("n0", "t", Hook("train", R"({"retries": 2})")),
                   ",", TaskNode("n2", "t")),
      "", Task("t", R"("image": "i:1")"),
      R"("runtimeOverrideDefaults": {"train": {"cacheVersion": "w1"}})");
  request.mutable_execution_id()->set_project("p");
  request.mutable_execution_id()->set_domain("d");
  request.mutable_execution_id()->set_name(name);
  return request;
}

v1::ResolveDynamicRequest Dynamic(const std::string& name,
                                  const std::string& parent,
                                  const std::string& node_extra = "") {
  v1::ResolveDynamicRequest dynamic;
  *dynamic.mutable_execution_id() = DynamicParents(name).execution_id();
  dynamic.set_parent_node_path(parent);
  *dynamic.mutable_closure() = Closure(TaskNode("d0", "t", node_extra), "",
                                       Task("t", R"("image": "i:1")"));
  return dynamic;
}

TEST_F(OverrideServiceTest, DynamicUnderAPathTheExecutionLacksRecordsNothing) {
  ASSERT_TRUE(service_.Resolve(DynamicParents("e"), kFar, &stats_).ok());
  for (const char* parent : {"zz/does-not-exist", "n1", "n0x", "n1/n0"}) {
    auto result = service_.ResolveDynamic(Dynamic("e", parent), kFar, &stats_);
    ASSERT_EQ(result.status().code(), absl::StatusCode::kNotFound) << parent;
    ASSERT_EQ(result.violations().size(), 1u);
    EXPECT_EQ(result.violations()[0].field(), "parent_node_path");
    EXPECT_EQ(result.violations()[0].reason(), "UNKNOWN_NODE_PATH");
    EXPECT_NE(result.status().message().find(parent), std::string::npos);
    EXPECT_EQ(service_.GetResolved(Get("e", absl::StrCat(parent, "/d0")),
                                   &stats_)
                  .status()
                  .code(),
              absl::StatusCode::kNotFound);
  }
}

TEST_F(OverrideServiceTest, DynamicUnderAnyTaskNodeOrBeneathOneIsAccepted) {
  ASSERT_TRUE(service_.Resolve(DynamicParents("e"), kFar, &stats_).ok());
  // n2 no hook covers; n0/d0 and n2/inner came from dynamic tasks.
  for (const char* parent : {"n2", "n0", "n0/d0", "n2/inner"}) {
    auto result = service_.ResolveDynamic(
        Dynamic("e", parent, Hook("own", R"({"retries": 7})")), kFar, &stats_);
    ASSERT_TRUE(result.ok()) << parent << ": " << result.status();
  }
}

TEST_F(OverrideServiceTest,
       DynamicInsideAnEarlierDynamicsNodesNamesTheTakenPath) {
  ASSERT_TRUE(service_.Resolve(DynamicParents("e"), kFar, &stats_).ok());
  // The dynamic task n0 produced a sub-workflow node x holding d0.
  v1::ResolveDynamicRequest first = Dynamic("e", "n0");
  *first.mutable_closure() = Closure(SubWorkflowNode("x", "sub"),
                                     SubWorkflow("sub", TaskNode("d0", "t")),
                                     Task("t", R"("image": "i:1")"));
  ASSERT_TRUE(service_.ResolveDynamic(first, kFar, &stats_).ok());
  ASSERT_TRUE(service_.GetResolved(Get("e", "n0/x/d0"), &stats_).ok());
  // n0/x lies beneath the task node n0, but is no dynamic task: its d0 is
  // the one already recorded.
  auto result = service_.ResolveDynamic(
      Dynamic("e", "n0/x", Hook("own", R"({"retries": 7})")), kFar, &stats_);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists)
      << result.status();
  ASSERT_EQ(result.violations().size(), 1u);
  EXPECT_EQ(result.violations()[0].reason(), "NODE_PATH_RECORDED");
  EXPECT_EQ(result.violations()[0].field(), "parent_node_path");
  EXPECT_EQ(result.violations()[0].node_path(), "n0/x/d0");
  EXPECT_NE(result.status().message().find("n0/x/d0"), std::string::npos);
  // Nothing of it was recorded: the node keeps the first closure's values.
  auto kept = service_.GetResolved(Get("e", "n0/x/d0"), &stats_);
  ASSERT_TRUE(kept.ok());
  EXPECT_NE(kept->nodes(0).overrides().retries(), 7);
}

// A write that went through but whose answer was lost is the store's
// failure, retried as such: never a refusal of the call's own nodes.
TEST_F(OverrideServiceTest, DynamicWhoseWriteAnswerWasLostStaysRetryable) {
  ASSERT_TRUE(service_.Resolve(DynamicParents("e"), kFar, &stats_).ok());
  faulty_.set_dynamic_answer_lost(true);
  auto lost = service_.ResolveDynamic(Dynamic("e", "n0"), kFar, &stats_);
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable)
      << lost.status();
  faulty_.set_dynamic_answer_lost(false);
  auto retried = service_.ResolveDynamic(Dynamic("e", "n0"), kFar, &stats_);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->nodes(0).node_path(), "n0/d0");
}

TEST_F(OverrideServiceTest, DynamicRedeclaringAParentHookWithOtherDefaults) {
  ASSERT_TRUE(service_.Resolve(DynamicParents("e"), kFar, &stats_).ok());
  // As in a static closure, one name must mean one set of node defaults.
  auto conflict =
      service_.ResolveDynamic(Dynamic("e", "n0", Hook("train")), kFar, &stats_);
  ASSERT_EQ(conflict.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(conflict.status().message().find("different defaults"),
            std::string::npos);
  EXPECT_EQ(service_.GetResolved(Get("e", "n0/d0"), &stats_).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OverrideServiceTest, DynamicRedeclaringAParentHookJoinsItsGroup) {
  ASSERT_TRUE(service_.Resolve(DynamicParents("e"), kFar, &stats_).ok());
  auto joined = service_.ResolveDynamic(
      Dynamic("e", "n0", Hook("train", R"({"retries": 2})")), kFar, &stats_);
  ASSERT_TRUE(joined.ok()) << joined.status();
  ASSERT_EQ(joined->nodes_size(), 1);
  EXPECT_EQ(joined->nodes(0).hooks_size(), 1);
  // The parent's node defaults and the defaults of the workflow around it.
  EXPECT_EQ(joined->nodes(0).overrides().retries(), 2);
  EXPECT_EQ(joined->nodes(0).overrides().cache_version(), "w1");
}

TEST_F(OverrideServiceTest, RecordsKeepTheExplanationAndTheWarnings) {
  v1::ResolveRequest request = Request("e", 3);
  request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
  (*request.mutable_execution_overrides())["tarin"].set_retries(1);
  auto resolved = service_.Resolve(request, kFar, &stats_);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->nodes(0).provenance_size(), 0);  // not asked for
  v1::GetResolvedRequest get = Get("e", "n0");
  auto plain = service_.GetResolved(get, &stats_);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->nodes(0).provenance_size(), 0);
  get.set_explain(true);
  auto explained = service_.GetResolved(get, &stats_);
  ASSERT_TRUE(explained.ok());
  bool retries_from_execution = false;
  for (const auto& entry : explained->nodes(0).provenance()) {
    retries_from_execution |= entry.field() == "retries" &&
                              entry.assignment().layer() == v1::EXECUTION &&
                              entry.assignment().hook() == "train";
  }
  EXPECT_TRUE(retries_from_execution);
  EXPECT_EQ(explained->nodes(0).effective().retries(), 3);
  ASSERT_EQ(explained->warnings_size(), 1);
  EXPECT_EQ(explained->warnings(0).reason(), "UNKNOWN_HOOK");
}

}  // namespace
}  // namespace flyteoverride::server
