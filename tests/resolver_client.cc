#include "tests/resolver_client.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {

flyteidl::core::WorkflowExecutionIdentifier ExecutionId(
    const std::string& name) {
  flyteidl::core::WorkflowExecutionIdentifier id;
  id.set_project("flytesnacks");
  id.set_domain("development");
  id.set_name(name);
  return id;
}

void ResolverClient::Connect(int grpc_port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", grpc_port),
                                       grpc::InsecureChannelCredentials(),
                                       args);
  stub_ = v1::OverrideResolver::NewStub(channel_);
  health_ = grpc::health::v1::Health::NewStub(channel_);
}

grpc::Status ResolverClient::Resolve(const v1::ResolveRequest& request,
                                     v1::ResolveResponse* response,
                                     absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  return stub_->Resolve(&context, request, response);
}

grpc::Status ResolverClient::Inspect(const v1::InspectWorkflowRequest& request,
                                     v1::InspectWorkflowResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(kCallTimeout));
  return stub_->InspectWorkflow(&context, request, response);
}

grpc::Status ResolverClient::GetResolved(const std::string& execution,
                                         const std::string& node_path,
                                         v1::GetResolvedResponse* response,
                                         absl::Duration timeout) {
  v1::GetResolvedRequest request;
  *request.mutable_execution_id() = ExecutionId(execution);
  request.set_node_path(node_path);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  return stub_->GetResolved(&context, request, response);
}

grpc::Status ResolverClient::ResolveDynamic(
    const v1::ResolveDynamicRequest& request,
    v1::ResolveDynamicResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(kCallTimeout));
  return stub_->ResolveDynamic(&context, request, response);
}

grpc::Status ResolverClient::ListExecutions(
    int page_size, const std::string& page_token,
    v1::ListExecutionsResponse* response) {
  v1::ListExecutionsRequest request;
  request.set_project("flytesnacks");
  request.set_domain("development");
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(kCallTimeout));
  return stub_->ListExecutions(&context, request, response);
}

grpc::health::v1::HealthCheckResponse::ServingStatus ResolverClient::Check(
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

}  // namespace flyteoverride::tests
