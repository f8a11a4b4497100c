#include "server/grpc_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/grpc_status.h"

namespace flyteoverride::server {
namespace {

absl::Time DeadlineOf(const grpc::ServerContext* context) {
  const auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max())
    return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

}  // namespace

grpc::Status GrpcService::InspectWorkflow(
    grpc::ServerContext* context, const v1::InspectWorkflowRequest* request,
    v1::InspectWorkflowResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "InspectWorkflow", "", DeadlineOf(context),
      [&](CallStats* stats, absl::Time) {
        return service_->InspectWorkflow(*request, stats).Deliver(response);
      }));
}

grpc::Status GrpcService::Resolve(grpc::ServerContext* context,
                                  const v1::ResolveRequest* request,
                                  v1::ResolveResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "Resolve", ExecutionName(request->execution_id()), DeadlineOf(context),
      [&](CallStats* stats, absl::Time deadline) {
        return service_->Resolve(*request, deadline, stats).Deliver(response);
      }));
}

grpc::Status GrpcService::GetResolved(grpc::ServerContext* context,
                                      const v1::GetResolvedRequest* request,
                                      v1::GetResolvedResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "GetResolved", ExecutionName(request->execution_id()),
      DeadlineOf(context), [&](CallStats* stats, absl::Time) {
        return service_->GetResolved(*request, stats).Deliver(response);
      }));
}

grpc::Status GrpcService::ResolveDynamic(
    grpc::ServerContext* context, const v1::ResolveDynamicRequest* request,
    v1::ResolveDynamicResponse* response) {
  return ToGrpcStatus(runner_->Run(
      "ResolveDynamic", ExecutionName(request->execution_id()),
      DeadlineOf(context), [&](CallStats* stats, absl::Time deadline) {
        return service_->ResolveDynamic(*request, deadline, stats).Deliver(response);
      }));
}

}  // namespace flyteoverride::server
