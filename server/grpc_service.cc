#include "server/grpc_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/status.h"

namespace flyteoverride::server {
namespace {

absl::Time DeadlineOf(const grpc::ServerContext* context) {
  const auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max())
    return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

std::string ExecutionName(
    const flyteidl::core::WorkflowExecutionIdentifier& id) {
  if (id.name().empty()) return "";
  return absl::StrCat(id.project(), "/", id.domain(), "/", id.name());
}

// Moves a service result into the response, or returns its error.
template <typename T>
absl::Status Deliver(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

grpc::Status GrpcService::InspectWorkflow(
    grpc::ServerContext* context, const v1::InspectWorkflowRequest* request,
    v1::InspectWorkflowResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "InspectWorkflow", "", DeadlineOf(context),
      [&](CallStats* stats, absl::Time) {
        return Deliver(service_->InspectWorkflow(*request, stats), response);
      }));
}

grpc::Status GrpcService::Resolve(grpc::ServerContext* context,
                                  const v1::ResolveRequest* request,
                                  v1::ResolveResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "Resolve", ExecutionName(request->execution_id()), DeadlineOf(context),
      [&](CallStats* stats, absl::Time deadline) {
        return Deliver(service_->Resolve(*request, deadline, stats), response);
      }));
}

grpc::Status GrpcService::GetResolved(grpc::ServerContext* context,
                                      const v1::GetResolvedRequest* request,
                                      v1::GetResolvedResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "GetResolved", ExecutionName(request->execution_id()),
      DeadlineOf(context), [&](CallStats* stats, absl::Time) {
        return Deliver(service_->GetResolved(*request, stats), response);
      }));
}

grpc::Status GrpcService::ResolveDynamic(
    grpc::ServerContext* context, const v1::ResolveDynamicRequest* request,
    v1::ResolveDynamicResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "ResolveDynamic", ExecutionName(request->execution_id()),
      DeadlineOf(context), [&](CallStats* stats, absl::Time deadline) {
        return Deliver(service_->ResolveDynamic(*request, deadline, stats),
                       response);
      }));
}

}  // namespace flyteoverride::server
