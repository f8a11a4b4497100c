// Resolve with options.rewrite_closure: the response carries the closure an
// unmodified Flyte v1 runs, and the operator's switch forbids task copies.
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "resolver/test_util.h"
#include "server/override_service.h"
#include "storage/memory_store.h"

namespace flyteoverride::server {
namespace {

using resolver::testing::Closure;
using resolver::testing::Hook;
using resolver::testing::Task;
using resolver::testing::TaskNode;

v1::ResolveRequest Request() {
  v1::ResolveRequest request;
  *request.mutable_closure() = Closure(TaskNode("n0", "t", Hook("train")), "",
                                       Task("t", R"("image": "i:1")"));
  request.mutable_options()->set_rewrite_closure(true);
  (*request.mutable_execution_overrides())["train"].set_retries(4);
  (*(*request.mutable_execution_overrides())["train"]
        .mutable_environment())["MODE"] = "backfill";
  return request;
}

TEST(OverrideServiceRewriteTest, ResponseCarriesTheRewrittenClosure) {
  storage::MemoryStore store;
  OverrideService service(ServiceOptions(), &store);
  CallStats stats;
  auto response = service.Resolve(Request(), absl::InfiniteFuture(), &stats);
  ASSERT_TRUE(response.ok()) << response.status();
  const auto& nodes =
      response->rewritten_closure().primary().template_().nodes();
  ASSERT_EQ(nodes.size(), 3);  // start-node, n0, end-node
  EXPECT_EQ(nodes[1].metadata().retries().retries(), 4u);
  EXPECT_FALSE(nodes[1].has_runtime_override());
  ASSERT_EQ(response->template_copies_size(), 1);
  EXPECT_EQ(response->template_copies(0).kind(), v1::TemplateCopy::TASK);
  EXPECT_EQ(nodes[1].task_node().reference_id().name(),
            response->template_copies(0).copy_id().name());
}

TEST(OverrideServiceRewriteTest, ForbiddenTaskCopiesAreInvalidArgument) {
  storage::MemoryStore store;
  ServiceOptions options;
  options.rewrite.forbid_task_copies = true;
  OverrideService service(options, &store);
  CallStats stats;
  auto response = service.Resolve(Request(), absl::InfiniteFuture(), &stats);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(response.status().message(), "n0"))
      << response.status();
}

}  // namespace
}  // namespace flyteoverride::server
