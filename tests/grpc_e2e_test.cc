// End to end over loopback: the real server (gRPC, health, reflection and
// HTTP/JSON on one Server) and real clients, every RPC and every status code
// path of DESIGN section 5.
#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/grpc.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "server/config.h"
#include "server/server.h"
#include "storage/memory_store.h"
#include "storage/sqlite_store.h"
#include "tests/e2e_util.h"
#include "tools/inputs.h"
#include "tools/remote.h"

namespace flyteoverride::tests {
namespace {

using ::grpc::StatusCode;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr absl::Duration kCallTimeout = absl::Seconds(20);
constexpr char kServiceName[] = "flyteoverride.v1.OverrideResolver";
// Big enough that resolving takes a good part of a second or more here.
constexpr int kSlowNodes = 100'000;

server::Config TestConfig() {
  server::Config config;
  config.bind_address = "127.0.0.1";
  config.grpc_port = 0;
  config.http_port = 0;
  config.shutdown_grace = absl::Seconds(10);
  config.storage.driver = server::StorageConfig::Driver::kMemory;
  return config;
}

std::string CodeName(StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::vector<std::string> PathsOf(
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& nodes) {
  std::vector<std::string> paths;
  for (const auto& node : nodes) paths.push_back(node.node_path());
  return paths;
}

std::vector<std::string> ReasonsOf(const std::vector<v1::Violation>& all) {
  std::vector<std::string> reasons;
  for (const auto& violation : all) reasons.push_back(violation.reason());
  return reasons;
}

const v1::ResolvedNode* FindNode(
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& nodes,
    const std::string& path) {
  for (const auto& node : nodes)
    if (node.node_path() == path) return &node;
  return nullptr;
}

std::string ResourceValue(const flyteidl::core::TaskNodeOverrides& overrides,
                          bool limits,
                          flyteidl::core::Resources::ResourceName name) {
  const auto& entries = limits ? overrides.resources().limits()
                               : overrides.resources().requests();
  for (const auto& entry : entries)
    if (entry.name() == name) return entry.value();
  return "";
}

flyteidl::core::WorkflowExecutionIdentifier ExecutionId(
    const std::string& name) {
  flyteidl::core::WorkflowExecutionIdentifier id;
  id.set_project("flytesnacks");
  id.set_domain("development");
  id.set_name(name);
  return id;
}

// A dynamic task's closure: task nodes d0.. calling the task `task_id`, no
// hooks of their own.
flyteidl::core::CompiledWorkflowClosure DynamicClosure(
    const flyteidl::core::TaskTemplate& task, int nodes) {
  flyteidl::core::CompiledWorkflowClosure closure;
  *closure.add_tasks()->mutable_template_() = task;
  auto* workflow = closure.mutable_primary()->mutable_template_();
  workflow->mutable_id()->set_resource_type(flyteidl::core::WORKFLOW);
  workflow->mutable_id()->set_project("flytesnacks");
  workflow->mutable_id()->set_domain("development");
  workflow->mutable_id()->set_name("ml.training.dynamic_fanout");
  workflow->mutable_id()->set_version("v1.4.0");
  for (int i = 0; i < nodes; ++i) {
    auto* node = workflow->add_nodes();
    node->set_id(absl::StrCat("d", i));
    *node->mutable_task_node()->mutable_reference_id() = task.id();
  }
  return closure;
}

const flyteidl::core::TaskTemplate* TaskNamed(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    const std::string& name) {
  for (const auto& task : closure.tasks())
    if (task.template_().id().name() == name) return &task.template_();
  return nullptr;
}

// A running in-process server with a client channel to it.
class Harness {
 public:
  Harness(const server::Config& config, std::unique_ptr<storage::Store> store) {
    auto started = server::Server::Start(config, std::move(store));
    if (!started.ok()) {
      error_ = started.status().ToString();
      return;
    }
    server_ = *std::move(started);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    channel_ = grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", server_->grpc_port()),
        grpc::InsecureChannelCredentials(), args);
    stub_ = v1::OverrideResolver::NewStub(channel_);
    health_ = grpc::health::v1::Health::NewStub(channel_);
  }

  bool ok() const { return server_ != nullptr; }
  const std::string& error() const { return error_; }
  server::Server& server() { return *server_; }
  v1::OverrideResolver::Stub& stub() { return *stub_; }
  grpc::health::v1::Health::Stub& health() { return *health_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  int http_port() const { return server_->http_port(); }

  grpc::Status Resolve(const v1::ResolveRequest& request,
                       v1::ResolveResponse* response,
                       absl::Duration timeout = kCallTimeout) {
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(timeout));
    return stub_->Resolve(&context, request, response);
  }
  grpc::Status Inspect(const v1::InspectWorkflowRequest& request,
                       v1::InspectWorkflowResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(kCallTimeout));
    return stub_->InspectWorkflow(&context, request, response);
  }
  grpc::Status GetResolved(const std::string& execution,
                           const std::string& node_path,
                           v1::GetResolvedResponse* response) {
    v1::GetResolvedRequest request;
    *request.mutable_execution_id() = ExecutionId(execution);
    request.set_node_path(node_path);
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(kCallTimeout));
    return stub_->GetResolved(&context, request, response);
  }
  grpc::Status ResolveDynamic(const v1::ResolveDynamicRequest& request,
                              v1::ResolveDynamicResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(kCallTimeout));
    return stub_->ResolveDynamic(&context, request, response);
  }
  // SERVING, NOT_SERVING, ...; or UNKNOWN with `status` set when the call
  // failed.
  grpc::health::v1::HealthCheckResponse::ServingStatus Check(
      const std::string& service, grpc::Status* status = nullptr) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(absl::Seconds(5)));
    grpc::Status result = health_->Check(&context, request, &response);
    if (status != nullptr) *status = result;
    return result.ok() ? response.status()
                       : grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
  std::string Metrics() {
    return HttpCall(http_port(), "GET", "/metrics").body;
  }

 private:
  std::string error_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::OverrideResolver::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

#define START_HARNESS(name, config, store) \
  Harness name((config), (store));         \
  ASSERT_TRUE(name.ok()) << name.error()

v1::ResolveRequest Example(const std::string& name) {
  auto request = ExampleRequest(name);
  EXPECT_TRUE(request.ok()) << name << ": " << request.status();
  return request.ok() ? *std::move(request) : v1::ResolveRequest();
}

// gRPC stays initialised between tests: otherwise the last object released in
// each test (the server) shuts the library down, which waits for its
// executor's timers (seconds).
class KeepGrpc : public testing::Environment {
 public:
  void SetUp() override { grpc_init(); }
};
const testing::Environment* const kKeepGrpc =
    testing::AddGlobalTestEnvironment(new KeepGrpc);

// ---------------------------------------------------------------------------
// Every RPC on the examples, against each store the server can run on.

enum class StoreKind { kMemory, kSqlite };

std::unique_ptr<storage::Store> MakeStore(StoreKind kind,
                                          const std::string& tag) {
  if (kind == StoreKind::kMemory) return storage::MemoryStore::Create();
  storage::SqliteOptions options;
  options.path = absl::StrCat(TmpDir(), "/e2e-", tag, ".db");
  std::remove(options.path.c_str());
  auto store = storage::SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

class EveryRpcTest : public testing::TestWithParam<StoreKind> {};

TEST_P(EveryRpcTest, InspectAndDryRunSucceedOnEveryExample) {
  START_HARNESS(harness, TestConfig(), MakeStore(GetParam(), "examples"));
  for (const std::string name : {"training_pipeline", "map_task",
                                 "nested_branches", "reference_workflow"}) {
    SCOPED_TRACE(name);
    v1::ResolveRequest request = Example(name);
    v1::InspectWorkflowRequest inspect;
    *inspect.mutable_closure() = request.closure();
    v1::InspectWorkflowResponse hooks;
    grpc::Status status = harness.Inspect(inspect, &hooks);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_GT(hooks.hooks_size(), 0);
    EXPECT_THAT(hooks.diagnostics(), SizeIs(0));

    request.mutable_options()->set_dry_run(true);
    request.mutable_options()->set_explain(true);
    *request.mutable_execution_id() = ExecutionId(absl::StrCat("dry-", name));
    v1::ResolveResponse response;
    status = harness.Resolve(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_GT(response.nodes_size(), 0);
    EXPECT_THAT(response.input_digest(), SizeIs(64));
    std::vector<std::string> paths = PathsOf(response.nodes());
    EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
    // A dry run stores nothing, even with an execution id.
    v1::GetResolvedResponse stored;
    EXPECT_EQ(harness.GetResolved(absl::StrCat("dry-", name), "", &stored)
                  .error_code(),
              StatusCode::NOT_FOUND);
  }
  // The `invalid` example's closure and launch plan alone are valid.
  v1::ResolveRequest request = Example("invalid");
  request.clear_execution_overrides();
  request.mutable_options()->set_dry_run(true);
  v1::ResolveResponse response;
  grpc::Status status = harness.Resolve(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::ResolvedNode* n0 = FindNode(response.nodes(), "n0");
  ASSERT_NE(n0, nullptr);
  EXPECT_EQ(
      ResourceValue(n0->overrides(), true, flyteidl::core::Resources::MEMORY),
      "10Gi");
}

TEST_P(EveryRpcTest, ResolveRecordsAndRepeatsByteForByte) {
  START_HARNESS(harness, TestConfig(), MakeStore(GetParam(), "record"));
  v1::ResolveRequest request = Example("training_pipeline");
  *request.mutable_execution_id() = ExecutionId("exec-record");
  v1::ResolveResponse first, second;
  grpc::Status status = harness.Resolve(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(PathsOf(first.nodes()),
              ElementsAre("n0", "n1/n0", "n2/n0", "n2/n1", "n3", "n4"));
  status = harness.Resolve(request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());

  v1::GetResolvedResponse all;
  status = harness.GetResolved("exec-record", "", &all);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(all.input_digest(), first.input_digest());
  ASSERT_EQ(all.nodes_size(), first.nodes_size());
  for (int i = 0; i < all.nodes_size(); ++i) {
    EXPECT_EQ(all.nodes(i).node_path(), first.nodes(i).node_path());
    EXPECT_EQ(all.nodes(i).overrides().SerializeAsString(),
              first.nodes(i).overrides().SerializeAsString())
        << all.nodes(i).node_path();
  }

  v1::GetResolvedResponse one;
  status = harness.GetResolved("exec-record", "n2/n0", &one);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(one.nodes_size(), 1);
  EXPECT_EQ(one.nodes(0).node_path(), "n2/n0");
  EXPECT_THAT(one.nodes(0).hooks(), ElementsAre("challenger", "train"));
  EXPECT_EQ(one.nodes(0).overrides().container_image(),
            "ghcr.io/acme/trainer:1.5.0-rc1");
  EXPECT_EQ(one.nodes(0).overrides().environment().at("LOG_LEVEL"), "DEBUG");
}

TEST_P(EveryRpcTest, ResolveDynamicInheritsTheParentsHooks) {
  START_HARNESS(harness, TestConfig(), MakeStore(GetParam(), "dynamic"));
  v1::ResolveRequest request = Example("training_pipeline");
  *request.mutable_execution_id() = ExecutionId("exec-dynamic");
  v1::ResolveResponse recorded;
  grpc::Status status = harness.Resolve(request, &recorded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::ResolvedNode* parent = FindNode(recorded.nodes(), "n1/n0");
  ASSERT_NE(parent, nullptr);

  const flyteidl::core::TaskTemplate* task =
      TaskNamed(request.closure(), "ml.training.train_model");
  ASSERT_NE(task, nullptr);
  v1::ResolveDynamicRequest dynamic;
  *dynamic.mutable_execution_id() = ExecutionId("exec-dynamic");
  dynamic.set_parent_node_path("n1/n0");
  *dynamic.mutable_closure() = DynamicClosure(*task, 2);
  v1::ResolveDynamicResponse first;
  status = harness.ResolveDynamic(dynamic, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(PathsOf(first.nodes()), ElementsAre("n1/n0/d0", "n1/n0/d1"));
  for (const auto& node : first.nodes()) {
    SCOPED_TRACE(node.node_path());
    EXPECT_THAT(node.hooks(), ElementsAre("train"));
    const auto& overrides = node.overrides();
    // EXECUTION and LAUNCH_PLAN values recorded for the execution, and the
    // DECORATOR defaults of the parent's hook.
    EXPECT_EQ(
        ResourceValue(overrides, false, flyteidl::core::Resources::MEMORY),
        "48Gi");
    EXPECT_EQ(ResourceValue(overrides, false, flyteidl::core::Resources::GPU),
              "2");
    EXPECT_EQ(ResourceValue(overrides, false, flyteidl::core::Resources::CPU),
              "6");
    EXPECT_EQ(overrides.environment().at("LOG_LEVEL"), "DEBUG");
    EXPECT_EQ(overrides.environment().at("WANDB_PROJECT"), "churn-model");
    EXPECT_EQ(overrides.retries(), 2);
    // Same task, same hooks: the same runtime overrides as the parent.
    EXPECT_EQ(overrides.SerializeAsString(),
              parent->overrides().SerializeAsString());
  }

  v1::GetResolvedResponse all;
  status = harness.GetResolved("exec-dynamic", "", &all);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(PathsOf(all.nodes()),
              ElementsAre("n0", "n1/n0", "n1/n0/d0", "n1/n0/d1", "n2/n0",
                          "n2/n1", "n3", "n4"));
  v1::GetResolvedResponse one;
  status = harness.GetResolved("exec-dynamic", "n1/n0/d1", &one);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(one.nodes_size(), 1);
  EXPECT_EQ(one.nodes(0).overrides().SerializeAsString(),
            first.nodes(1).overrides().SerializeAsString());

  // Propeller retries: the same closure again is the same answer.
  v1::ResolveDynamicResponse again;
  status = harness.ResolveDynamic(dynamic, &again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  // Another closure for the same parent is a conflict.
  *dynamic.mutable_closure() = DynamicClosure(*task, 3);
  v1::ResolveDynamicResponse other;
  status = harness.ResolveDynamic(dynamic, &other);
  EXPECT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS)
      << CodeName(status.error_code()) << ": " << status.error_message();
  // ... and leaves the record as it was.
  status = harness.GetResolved("exec-dynamic", "n1/n0/d2", &one);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND);

  // Under an execution never recorded: NOT_FOUND.
  *dynamic.mutable_execution_id() = ExecutionId("exec-never");
  status = harness.ResolveDynamic(dynamic, &other);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND)
      << CodeName(status.error_code());
}

INSTANTIATE_TEST_SUITE_P(Stores, EveryRpcTest,
                         testing::Values(StoreKind::kMemory,
                                         StoreKind::kSqlite),
                         [](const testing::TestParamInfo<StoreKind>& info) {
                           return info.param == StoreKind::kMemory ? "Memory"
                                                                   : "Sqlite";
                         });

// ---------------------------------------------------------------------------
// Status codes.

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
  server::Config config = TestConfig();
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
  server::Config config = TestConfig();
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
}

TEST(StatusCodes, OverloadIsResourceExhausted) {
  server::Config config = TestConfig();
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
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  EXPECT_EQ(slow_nodes, kSlowNodes);

  // Once the slot is free, the same call succeeds.
  const grpc::Status status = harness.Resolve(small, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST(StatusCodes, TinyDeadlineIsDeadlineExceeded) {
  server::Config config = TestConfig();
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

// ---------------------------------------------------------------------------
// Health and reflection.

TEST(Health, ServingUntilShutdown) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  using grpc::health::v1::HealthCheckResponse;
  EXPECT_EQ(harness.Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(harness.Check(kServiceName), HealthCheckResponse::SERVING);
  grpc::Status status;
  harness.Check("no.such.Service", &status);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND);

  harness.server().Shutdown();
  for (const std::string service : {"", kServiceName}) {
    const auto serving = harness.Check(service, &status);
    EXPECT_TRUE(serving == HealthCheckResponse::NOT_SERVING ||
                status.error_code() == StatusCode::UNAVAILABLE)
        << "service \"" << service << "\": " << serving << " "
        << CodeName(status.error_code());
  }
  // New calls are refused.
  v1::ResolveResponse response;
  status = harness.Resolve(Example("invalid"), &response, absl::Seconds(5));
  EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE)
      << CodeName(status.error_code());
}

// One ServerReflectionInfo exchange over the raw bidi stream (Debian's gRPC
// ships no reflection client): `request` and the response are hand-encoded
// grpc.reflection.v1alpha messages.
bool Reflect(grpc::Channel* channel, const std::string& request,
             google::protobuf::UnknownFieldSet* response) {
  static const grpc::internal::RpcMethod kMethod(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Seconds(10)));
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>>
      stream(grpc::internal::ClientReaderWriterFactory<
             grpc::ByteBuffer, grpc::ByteBuffer>::Create(channel, kMethod,
                                                         &context));
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  if (!stream->Write(out)) return false;
  stream->WritesDone();
  grpc::ByteBuffer in;
  const bool read = stream->Read(&in);
  const grpc::Status status = stream->Finish();
  if (!read || !status.ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!in.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return response->ParseFromString(bytes);
}

// The length-delimited fields numbered `number` in `set`.
std::vector<std::string> Fields(const google::protobuf::UnknownFieldSet& set,
                                int number) {
  std::vector<std::string> values;
  for (int i = 0; i < set.field_count(); ++i) {
    const auto& field = set.field(i);
    if (field.number() == number &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED)
      values.push_back(field.length_delimited());
  }
  return values;
}

TEST(Reflection, ListsTheServiceAndServesItsDescriptor) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  // ServerReflectionRequest{list_services (7): "*"} ->
  // ServerReflectionResponse{list_services_response (6): {service (1):
  // {name (1)}}}
  google::protobuf::UnknownFieldSet request;
  request.AddLengthDelimited(7, "*");
  std::string bytes;
  ASSERT_TRUE(request.SerializeToString(&bytes));
  google::protobuf::UnknownFieldSet response;
  ASSERT_TRUE(Reflect(harness.channel().get(), bytes, &response));
  std::vector<std::string> services;
  for (const std::string& list : Fields(response, 6)) {
    google::protobuf::UnknownFieldSet list_set;
    ASSERT_TRUE(list_set.ParseFromString(list));
    for (const std::string& service : Fields(list_set, 1)) {
      google::protobuf::UnknownFieldSet service_set;
      ASSERT_TRUE(service_set.ParseFromString(service));
      for (const std::string& name : Fields(service_set, 1))
        services.push_back(name);
    }
  }
  EXPECT_THAT(services, Contains(kServiceName));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));

  // file_containing_symbol (4) -> file_descriptor_response (4):
  // {file_descriptor_proto (1): bytes...}
  request.Clear();
  request.AddLengthDelimited(4, kServiceName);
  ASSERT_TRUE(request.SerializeToString(&bytes));
  response.Clear();
  ASSERT_TRUE(Reflect(harness.channel().get(), bytes, &response));
  std::vector<std::string> files;
  for (const std::string& files_response : Fields(response, 4)) {
    google::protobuf::UnknownFieldSet files_set;
    ASSERT_TRUE(files_set.ParseFromString(files_response));
    for (const std::string& file : Fields(files_set, 1)) {
      google::protobuf::FileDescriptorProto descriptor;
      ASSERT_TRUE(descriptor.ParseFromString(file));
      files.push_back(descriptor.name());
    }
  }
  EXPECT_THAT(files, Contains("flyteoverride/v1/resolver.proto"));
}

// ---------------------------------------------------------------------------
// HTTP/JSON on the same server.

std::string ExampleJson(const std::string& name, const std::string& extra) {
  const std::string dir = absl::StrCat("examples/", name, "/");
  std::string body = absl::StrCat(
      "{\"closure\": ", tools::ReadFile(dir + "closure.json").value_or("null"));
  if (auto lp = tools::ReadFile(dir + "launch_plan.json"); lp.ok())
    absl::StrAppend(&body, ", \"launchPlanOverrides\": ", *lp);
  if (auto exec = tools::ReadFile(dir + "execution.json"); exec.ok())
    absl::StrAppend(&body, ", \"executionOverrides\": ", *exec);
  absl::StrAppend(&body, extra, "}");
  return body;
}

constexpr char kExecutionIdInvalid[] =
    ", \"executionId\": {\"project\": \"flytesnacks\", \"domain\": "
    "\"development\", \"name\": \"exec-http-invalid\"}";

TEST(Http, ProbesApiAndMetrics) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  EXPECT_EQ(HttpCall(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(HttpCall(port, "GET", "/readyz").status, 200);

  int resolved_ok = 0;
  HttpResult result = HttpCall(port, "POST", "/v1/resolve",
                               ExampleJson("training_pipeline", ""));
  ASSERT_EQ(result.status, 200) << result.body;
  ++resolved_ok;
  EXPECT_THAT(result.body, HasSubstr("\"nodes\""));
  EXPECT_THAT(result.body, HasSubstr("\"nodePath\":\"n1/n0\""));

  // Recorded over HTTP, read back over HTTP and gRPC.
  result = HttpCall(port, "POST", "/v1/resolve",
                    ExampleJson("training_pipeline",
                                ", \"executionId\": {\"project\": "
                                "\"flytesnacks\", \"domain\": \"development\", "
                                "\"name\": \"exec-http\"}"));
  ASSERT_EQ(result.status, 200) << result.body;
  ++resolved_ok;
  result =
      HttpCall(port, "GET",
               "/v1/executions/flytesnacks/development/exec-http?node=n1/n0");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_THAT(result.body, HasSubstr("\"nodePath\":\"n1/n0\""));
  EXPECT_THAT(result.body, Not(HasSubstr("\"nodePath\":\"n2/n0\"")));
  result =
      HttpCall(port, "GET", "/v1/executions/flytesnacks/development/exec-http");
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_THAT(result.body, HasSubstr("\"nodePath\":\"n4\""));
  v1::GetResolvedResponse stored;
  EXPECT_TRUE(harness.GetResolved("exec-http", "n4", &stored).ok());
  EXPECT_EQ(HttpCall(port, "GET",
                     "/v1/executions/flytesnacks/development/exec-http?node=n9")
                .status,
            404);
  EXPECT_EQ(
      HttpCall(port, "GET", "/v1/executions/flytesnacks/development/exec-none")
          .status,
      404);

  // The invalid example: 400 with all six violations in one answer, the
  // unknown member (`timeout`) among them, and nothing recorded.
  result = HttpCall(port, "POST", "/v1/resolve",
                    ExampleJson("invalid", kExecutionIdInvalid));
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("\"violations\""));
  EXPECT_THAT(result.body, HasSubstr("INVALID_ARGUMENT"));
  for (const char* reason :
       {"REQUEST_ABOVE_LIMIT", "BAD_ENVIRONMENT_KEY", "UNKNOWN_HOOK",
        "BAD_QUANTITY", "NEGATIVE_RETRIES", "UNKNOWN_FIELD"}) {
    EXPECT_THAT(result.body, HasSubstr(absl::StrCat("\"", reason, "\"")));
  }
  EXPECT_THAT(result.body, HasSubstr("evaluate"));
  EXPECT_THAT(result.body, HasSubstr("timeout"));
  // Only the unknown member wrong: still refused, still not recorded.
  result = HttpCall(port, "POST", "/v1/resolve",
                    ExampleJson("training_pipeline",
                                absl::StrCat(kExecutionIdInvalid,
                                             ", \"options\": {\"dryRun\": "
                                             "false, \"colour\": 1}")));
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("colour"));
  EXPECT_EQ(HttpCall(port, "GET",
                     "/v1/executions/flytesnacks/development/exec-http-invalid")
                .status,
            404);

  // Not JSON at all: 400, not 500.
  result = HttpCall(port, "POST", "/v1/resolve", "\x01\x02garbage\xff{{");
  EXPECT_EQ(result.status, 400) << result.body;
  // Not HTTP at all: the server answers 400 (or hangs up), never crashes.
  result = HttpRaw(port, "\x16\x03\x01 garbage bytes\r\n\r\n");
  EXPECT_TRUE(result.status == 400 || result.status == 0) << result.status;
  EXPECT_EQ(HttpCall(port, "GET", "/healthz").status, 200);

  // A gRPC Resolve counts with the HTTP ones: one registry, one runner.
  v1::ResolveRequest request = Example("map_task");
  request.mutable_options()->set_dry_run(true);
  v1::ResolveResponse response;
  ASSERT_TRUE(harness.Resolve(request, &response).ok());
  ++resolved_ok;
  const std::string metrics = harness.Metrics();
  EXPECT_EQ(
      MetricValue(metrics,
                  "override_resolver_calls_total{rpc=\"Resolve\",code=\"OK\"}"),
      resolved_ok)
      << metrics;
  EXPECT_EQ(MetricValue(metrics,
                        "override_resolver_calls_total{rpc=\"Resolve\",code="
                        "\"INVALID_ARGUMENT\"}"),
            3)  // the invalid example, the unknown option, the body not JSON
      << metrics;
  EXPECT_THAT(metrics, HasSubstr("override_resolver_call_duration_seconds"));
}

// SIGTERM's path in process: readiness turns, in-flight calls finish, new
// ones are refused.
TEST(Http, ShutdownTurnsReadinessAndDrainsCalls) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  ASSERT_EQ(HttpCall(port, "GET", "/readyz").status, 200);
  const v1::ResolveRequest slow = BigRequest(kSlowNodes);
  auto slow_call = std::async(std::launch::async, [&] {
    v1::ResolveResponse response;
    grpc::Status status = harness.Resolve(slow, &response, absl::Seconds(60));
    return std::make_pair(status, response.nodes_size());
  });
  ASSERT_TRUE(WaitFor(
      [&] {
        return MetricValue(harness.Metrics(),
                           "override_resolver_calls_in_flight") == 1;
      },
      absl::Seconds(30)));
  auto shutdown =
      std::async(std::launch::async, [&] { harness.server().Shutdown(); });
  // While the slow call drains, /readyz says 503.
  int readyz = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        readyz = HttpCall(port, "GET", "/readyz", "", absl::Seconds(2)).status;
        return readyz == 503;
      },
      absl::Seconds(10)))
      << "last /readyz: " << readyz;
  const auto [status, nodes] = slow_call.get();
  EXPECT_TRUE(status.ok()) << CodeName(status.error_code()) << ": "
                           << status.error_message();
  EXPECT_EQ(nodes, kSlowNodes);
  ASSERT_EQ(shutdown.wait_for(std::chrono::seconds(30)),
            std::future_status::ready);
}

}  // namespace
}  // namespace flyteoverride::tests
