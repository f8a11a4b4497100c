#include "tests/e2e_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

// gRPC stays initialised between tests: otherwise the last object released in
// each test (the server) shuts the library down, which waits for its
// executor's timers (seconds). Registered when this file is linked in (the
// library is alwayslink).
class KeepGrpc : public testing::Environment {
 public:
  void SetUp() override { grpc_init(); }
};
const testing::Environment* const kKeepGrpc =
    testing::AddGlobalTestEnvironment(new KeepGrpc);

}  // namespace

server::Config TestConfig() {
  server::Config config;
  config.bind_address = "127.0.0.1";
  config.grpc_port = 0;
  config.http_port = 0;
  config.shutdown_grace = absl::Seconds(10);
  config.storage.driver = server::StorageConfig::Driver::kMemory;
  return config;
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

flyteidl::core::WorkflowExecutionIdentifier ExecutionId(
    const std::string& name) {
  flyteidl::core::WorkflowExecutionIdentifier id;
  id.set_project("flytesnacks");
  id.set_domain("development");
  id.set_name(name);
  return id;
}

v1::ResolveRequest Example(const std::string& name) {
  auto request = ExampleRequest(name);
  EXPECT_TRUE(request.ok()) << name << ": " << request.status();
  return request.ok() ? *std::move(request) : v1::ResolveRequest();
}

Harness::Harness(const server::Config& config,
                 std::unique_ptr<storage::Store> store) {
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

grpc::Status Harness::Resolve(const v1::ResolveRequest& request,
                              v1::ResolveResponse* response,
                              absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  return stub_->Resolve(&context, request, response);
}

grpc::Status Harness::Inspect(const v1::InspectWorkflowRequest& request,
                              v1::InspectWorkflowResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(kCallTimeout));
  return stub_->InspectWorkflow(&context, request, response);
}

grpc::Status Harness::GetResolved(const std::string& execution,
                                  const std::string& node_path,
                                  v1::GetResolvedResponse* response) {
  v1::GetResolvedRequest request;
  *request.mutable_execution_id() = ExecutionId(execution);
  request.set_node_path(node_path);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(kCallTimeout));
  return stub_->GetResolved(&context, request, response);
}

grpc::Status Harness::ResolveDynamic(const v1::ResolveDynamicRequest& request,
                                     v1::ResolveDynamicResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(kCallTimeout));
  return stub_->ResolveDynamic(&context, request, response);
}

grpc::health::v1::HealthCheckResponse::ServingStatus Harness::Check(
    const std::string& service, grpc::Status* status) {
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

std::string Harness::Metrics() {
  return HttpCall(http_port(), "GET", "/metrics").body;
}

}  // namespace flyteoverride::tests
