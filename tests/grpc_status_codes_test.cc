// End to end over loopback: each status code path of docs/design.md section 5, with
// its rich details; limits, overload and deadlines; and a client's mistake
// never answered UNKNOWN or INTERNAL.
#include <functional>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "config/config.h"
#include "storage/memory_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"
#include "tools/remote.h"

namespace flyteoverride::tests {
namespace {

using ::grpc::StatusCode;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

std::vector<std::string> ReasonsOf(const std::vector<v1::Violation>& all) {
  std::vector<std::string> reasons;
  for (const auto& violation : all) reasons.push_back(violation.reason());
  return reasons;
}

TEST(StatusCodes, InvalidValuesAreInvalidArgumentWithEveryViolation) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  v1::ResolveRequest request = Example("invalid");
  *request.mutable_execution_id() = ExecutionId("exec-invalid");
  v1::ResolveResponse response;
  grpc::Status status = harness.Resolve(request, &response);
  ASSERT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT)
      << CodeName(status.error_code()) << ": " << status.error_message();
  ASSERT_FALSE(status.error_details().empty());

  // The rich details, as overridectl decodes them: the five problems a
  // protobuf request can carry (the sixth, an unknown member, cannot be
  // written in binary and is dropped when the file is read).
  const std::vector<v1::Violation> violations =
      tools::ViolationsFromDetails(status.error_details());
  const std::vector<std::string> reasons = ReasonsOf(violations);
  for (const char* reason :
       {"REQUEST_ABOVE_LIMIT", "BAD_ENVIRONMENT_KEY", "UNKNOWN_HOOK",
        "BAD_QUANTITY", "NEGATIVE_RETRIES"}) {
    EXPECT_THAT(reasons, Contains(reason));
  }
  EXPECT_THAT(violations, SizeIs(5)) << absl::StrJoin(reasons, ",");

  // The generic google.rpc form: a BadRequest with one field violation each.
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(status.error_details()));
  EXPECT_EQ(rich.code(), static_cast<int>(StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(rich.message(), status.error_message());
  bool found = false;
  for (const auto& any : rich.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    found = true;
    ASSERT_EQ(bad_request.field_violations_size(),
              static_cast<int>(violations.size()));
    for (int i = 0; i < bad_request.field_violations_size(); ++i) {
      EXPECT_EQ(bad_request.field_violations(i).field(), violations[i].field());
      EXPECT_FALSE(bad_request.field_violations(i).description().empty());
    }
  }
  EXPECT_TRUE(found) << "no google.rpc.BadRequest among the details";

  // Nothing was recorded.
  v1::GetResolvedResponse stored;
  EXPECT_EQ(harness.GetResolved("exec-invalid", "", &stored).error_code(),
            StatusCode::NOT_FOUND);
}

TEST(StatusCodes, BadClosureIsFailedPrecondition) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  v1::ResolveRequest request = Example("training_pipeline");
  // Drop the task train_and_eval's n0 calls: a dangling reference.
  auto* tasks = request.mutable_closure()->mutable_tasks();
  for (int i = 0; i < tasks->size(); ++i) {
    if (tasks->Get(i).template_().id().name() == "ml.training.train_model") {
      tasks->DeleteSubrange(i, 1);
      break;
    }
  }
  *request.mutable_execution_id() = ExecutionId("exec-bad-closure");
  v1::ResolveResponse response;
  grpc::Status status = harness.Resolve(request, &response);
  ASSERT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION)
      << CodeName(status.error_code()) << ": " << status.error_message();
  const auto violations = tools::ViolationsFromDetails(status.error_details());
  ASSERT_THAT(violations, Not(SizeIs(0)));
  EXPECT_THAT(violations[0].field(), HasSubstr("task_node.reference_id"));
  EXPECT_EQ(violations[0].category(), v1::Violation::BAD_CLOSURE);
  EXPECT_THAT(status.error_message(), HasSubstr("ml.training.train_model"));

  // InspectWorkflow answers with the problem as a diagnostic.
  v1::InspectWorkflowRequest inspect;
  *inspect.mutable_closure() = request.closure();
  v1::InspectWorkflowResponse hooks;
  status = harness.Inspect(inspect, &hooks);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(hooks.diagnostics(), Not(SizeIs(0)));
}

TEST(StatusCodes, UnknownExecutionOrNodeIsNotFound) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  v1::GetResolvedResponse response;
  grpc::Status status = harness.GetResolved("exec-unknown", "", &response);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND)
      << CodeName(status.error_code());

  v1::ResolveRequest request = Example("training_pipeline");
  *request.mutable_execution_id() = ExecutionId("exec-known");
  v1::ResolveResponse resolved;
  ASSERT_TRUE(harness.Resolve(request, &resolved).ok());
  status = harness.GetResolved("exec-known", "n9/n9", &response);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND)
      << CodeName(status.error_code());
  // A node no hook covers is not recorded either.
  status = harness.GetResolved("exec-known", "n1/n1", &response);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND)
      << CodeName(status.error_code());
}

TEST(StatusCodes, SameExecutionOtherInputsIsAlreadyExists) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  v1::ResolveRequest request = Example("training_pipeline");
  *request.mutable_execution_id() = ExecutionId("exec-conflict");
  v1::ResolveResponse first;
  grpc::Status status = harness.Resolve(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();

  (*(*request.mutable_execution_overrides())["challenger"]
        .mutable_environment())["LOG_LEVEL"] = "WARN";
  v1::ResolveRequest dry = request;
  dry.mutable_options()->set_dry_run(true);
  v1::ResolveResponse preview;
  ASSERT_TRUE(harness.Resolve(dry, &preview).ok());
  ASSERT_NE(preview.input_digest(), first.input_digest());

  v1::ResolveResponse second;
  status = harness.Resolve(request, &second);
  ASSERT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS)
      << CodeName(status.error_code()) << ": " << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(first.input_digest()));
  EXPECT_THAT(status.error_message(), HasSubstr(preview.input_digest()));
  // The first record stands.
  v1::GetResolvedResponse stored;
  ASSERT_TRUE(harness.GetResolved("exec-conflict", "n2/n1", &stored).ok());
  EXPECT_EQ(stored.input_digest(), first.input_digest());
  EXPECT_EQ(stored.nodes(0).overrides().environment().at("LOG_LEVEL"), "INFO");
}

TEST(StatusCodes, MessageAboveMaxIsResourceExhausted) {
  config::Config config = TestConfig();
  config.max_message_bytes = 64 << 10;
  START_HARNESS(harness, config, storage::MemoryStore::Create());
  v1::ResolveRequest big = BigRequest(5000);
  ASSERT_GT(big.ByteSizeLong(), 64u << 10);
  v1::ResolveResponse response;
  grpc::Status status = harness.Resolve(big, &response);
  EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED)
      << CodeName(status.error_code()) << ": " << status.error_message();
  // The same server still answers a request within the limit.
  v1::ResolveRequest small = Example("invalid");
  small.clear_execution_overrides();
  status = harness.Resolve(small, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // Over HTTP: a body above the limit is 413.
  const HttpResult http = HttpCall(harness.http_port(), "POST", "/v1/resolve",
                                   std::string((64 << 10) + 1, ' '));
  EXPECT_EQ(http.status, 413) << http.body;
  EXPECT_THAT(http.body, HasSubstr("RESOURCE_EXHAUSTED"));
}

TEST(StatusCodes, TooManyNodeInstancesIsResourceExhausted) {
  config::Config config = TestConfig();
  config.max_node_instances = 100;
  START_HARNESS(harness, config, storage::MemoryStore::Create());
  v1::ResolveRequest request = BigRequest(101);
  v1::ResolveResponse response;
  grpc::Status status = harness.Resolve(request, &response);
  ASSERT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED)
      << CodeName(status.error_code()) << ": " << status.error_message();
  const auto violations = tools::ViolationsFromDetails(status.error_details());
  ASSERT_THAT(violations, Not(SizeIs(0)));
  EXPECT_EQ(violations[0].category(), v1::Violation::LIMIT_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("100"));

  v1::InspectWorkflowRequest inspect;
  *inspect.mutable_closure() = request.closure();
  v1::InspectWorkflowResponse hooks;
  status = harness.Inspect(inspect, &hooks);
  EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED)
      << CodeName(status.error_code());

  // At the limit it resolves.
  status = harness.Resolve(BigRequest(100), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.nodes_size(), 100);

  // Over HTTP a limit is 413, never 429: the same request cannot succeed,
  // so a client that retries on 429 must not be told to.
  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &body).ok());
  HttpResult http = HttpCall(harness.http_port(), "POST", "/v1/resolve", body);
  EXPECT_EQ(http.status, 413) << http.body;
  EXPECT_THAT(http.body, HasSubstr("LIMIT_EXCEEDED"));
}

TEST(StatusCodes, OverloadIsResourceExhausted) {
  config::Config config = TestConfig();
  config.max_concurrent_calls = 1;
  config.max_queued_calls = 0;
  START_HARNESS(harness, config, storage::MemoryStore::Create());
  const v1::ResolveRequest slow = BigRequest(kSlowNodes);
  auto slow_call = std::async(std::launch::async, [&] {
    v1::ResolveResponse response;
    grpc::Status status = harness.Resolve(slow, &response, absl::Seconds(60));
    return std::make_pair(status, response.nodes_size());
  });
  // Wait until the slow call holds the only slot.
  ASSERT_TRUE(WaitFor(
      [&] {
        return MetricValue(harness.Metrics(),
                           "override_resolver_calls_in_flight") == 1;
      },
      absl::Seconds(30)))
      << harness.Metrics();

  v1::ResolveRequest small = Example("training_pipeline");
  small.mutable_options()->set_dry_run(true);
  v1::ResolveResponse response;
  const grpc::Status refused = harness.Resolve(small, &response);
  const bool still_running =
      MetricValue(harness.Metrics(), "override_resolver_calls_in_flight") == 1;
  const auto [slow_status, slow_nodes] = slow_call.get();
  ASSERT_TRUE(still_running)
      << "the slow call ended before the second was refused; make it bigger";
  EXPECT_EQ(refused.error_code(), StatusCode::RESOURCE_EXHAUSTED)
      << CodeName(refused.error_code()) << ": " << refused.error_message();
  EXPECT_EQ(MetricValue(harness.Metrics(),
                        "override_resolver_admission_rejections_total{"
                        "reason=\"queue_full\"}"),
            1)
      << harness.Metrics();
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  EXPECT_EQ(slow_nodes, kSlowNodes);

  // Once the slot is free, the same call succeeds.
  const grpc::Status status = harness.Resolve(small, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST(StatusCodes, TinyDeadlineIsDeadlineExceeded) {
  config::Config config = TestConfig();
  config.max_concurrent_calls = 1;
  config.max_queued_calls = 1;
  START_HARNESS(harness, config, storage::MemoryStore::Create());
  const v1::ResolveRequest slow = BigRequest(kSlowNodes);
  v1::ResolveResponse response;
  grpc::Status status =
      harness.Resolve(slow, &response, absl::Milliseconds(50));
  EXPECT_EQ(status.error_code(), StatusCode::DEADLINE_EXCEEDED)
      << CodeName(status.error_code()) << ": " << status.error_message();

  // A call whose deadline passes while it waits behind a slow one: the
  // server gives up on it too (its own count says so), not only the client.
  auto slow_call = std::async(std::launch::async, [&] {
    v1::ResolveResponse slow_response;
    return harness.Resolve(slow, &slow_response, absl::Seconds(60));
  });
  ASSERT_TRUE(WaitFor(
      [&] {
        return MetricValue(harness.Metrics(),
                           "override_resolver_calls_in_flight") == 1;
      },
      absl::Seconds(30)));
  v1::ResolveRequest small = Example("training_pipeline");
  small.mutable_options()->set_dry_run(true);
  status = harness.Resolve(small, &response, absl::Milliseconds(300));
  EXPECT_EQ(status.error_code(), StatusCode::DEADLINE_EXCEEDED)
      << CodeName(status.error_code()) << ": " << status.error_message();
  const std::string series =
      "override_resolver_calls_total{rpc=\"Resolve\",code=\"DEADLINE_"
      "EXCEEDED\"}";
  EXPECT_TRUE(
      WaitFor([&] { return MetricValue(harness.Metrics(), series) >= 1; },
              absl::Seconds(10)))
      << harness.Metrics();
  // Admission, not the core, gave up on it.
  EXPECT_TRUE(WaitFor(
      [&] {
        return MetricValue(harness.Metrics(),
                           "override_resolver_admission_rejections_total{"
                           "reason=\"deadline_while_queued\"}") == 1;
      },
      absl::Seconds(10)))
      << harness.Metrics();
  const grpc::Status slow_status = slow_call.get();
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
}

// A client's mistake is never UNKNOWN (or INTERNAL): each has its own code.
TEST(StatusCodes, ClientMistakesHaveTheirOwnCodes) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  struct Row {
    std::string name;
    std::function<grpc::Status()> call;
    StatusCode want;
  };
  auto resolve = [&](v1::ResolveRequest request) {
    return [&harness, request] {
      v1::ResolveResponse response;
      return harness.Resolve(request, &response);
    };
  };
  v1::ResolveRequest empty;
  v1::ResolveRequest partial_id = Example("training_pipeline");
  partial_id.mutable_execution_id()->set_name("only-a-name");
  v1::ResolveRequest bad_hook = Example("training_pipeline");
  (*bad_hook.mutable_execution_overrides())["-bad name-"].set_retries(1);
  v1::ResolveRequest unknown_hook = Example("training_pipeline");
  (*unknown_hook.mutable_execution_overrides())["trian"].set_retries(1);
  v1::ResolveRequest bad_unset = Example("training_pipeline");
  (*bad_unset.mutable_execution_overrides())["train"].add_unset(
      "resources.nonsense");
  v1::ResolveRequest cycle = Example("training_pipeline");
  // train_and_eval calls itself.
  {
    auto* sub = cycle.mutable_closure()->mutable_sub_workflows(0);
    auto* node = sub->mutable_template_()->add_nodes();
    node->set_id("loop");
    *node->mutable_workflow_node()->mutable_sub_workflow_ref() =
        sub->template_().id();
  }
  std::vector<Row> rows = {
      {"empty closure", resolve(empty), StatusCode::FAILED_PRECONDITION},
      {"partial execution id", resolve(partial_id),
       StatusCode::INVALID_ARGUMENT},
      {"bad hook name", resolve(bad_hook), StatusCode::INVALID_ARGUMENT},
      {"unknown hook", resolve(unknown_hook), StatusCode::INVALID_ARGUMENT},
      {"bad unset path", resolve(bad_unset), StatusCode::INVALID_ARGUMENT},
      {"reference cycle", resolve(cycle), StatusCode::FAILED_PRECONDITION},
      {"GetResolved without id",
       [&] {
         v1::GetResolvedRequest request;
         v1::GetResolvedResponse response;
         grpc::ClientContext context;
         context.set_deadline(DeadlineIn(kCallTimeout));
         return harness.stub().GetResolved(&context, request, &response);
       },
       StatusCode::INVALID_ARGUMENT},
      {"ResolveDynamic without parent",
       [&] {
         v1::ResolveDynamicRequest request;
         *request.mutable_execution_id() = ExecutionId("exec-x");
         v1::ResolveDynamicResponse response;
         return harness.ResolveDynamic(request, &response);
       },
       StatusCode::INVALID_ARGUMENT},
  };
  for (const Row& row : rows) {
    const grpc::Status status = row.call();
    EXPECT_EQ(status.error_code(), row.want)
        << row.name << ": " << CodeName(status.error_code()) << ": "
        << status.error_message();
    EXPECT_NE(status.error_code(), StatusCode::UNKNOWN) << row.name;
    EXPECT_NE(status.error_code(), StatusCode::INTERNAL) << row.name;
  }
}

}  // namespace
}  // namespace flyteoverride::tests
