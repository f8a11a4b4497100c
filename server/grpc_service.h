// The gRPC surface: thin handlers that convert, run the call and map the
// status (TF Serving's model: the logic lives in OverrideService).
#ifndef FLYTEOVERRIDE_SERVER_GRPC_SERVICE_H_
#define FLYTEOVERRIDE_SERVER_GRPC_SERVICE_H_

#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "server/call_runner.h"
#include "server/override_service.h"

namespace flyteoverride::server {

// Thread-safe.
class GrpcService final : public v1::OverrideResolver::Service {
 public:
  GrpcService(const OverrideService* service, CallRunner* runner)
      : service_(service), runner_(runner) {}

  grpc::Status InspectWorkflow(grpc::ServerContext* context,
                               const v1::InspectWorkflowRequest* request,
                               v1::InspectWorkflowResponse* response) override;
  grpc::Status Resolve(grpc::ServerContext* context,
                       const v1::ResolveRequest* request,
                       v1::ResolveResponse* response) override;
  grpc::Status GetResolved(grpc::ServerContext* context,
                           const v1::GetResolvedRequest* request,
                           v1::GetResolvedResponse* response) override;
  grpc::Status ResolveDynamic(grpc::ServerContext* context,
                              const v1::ResolveDynamicRequest* request,
                              v1::ResolveDynamicResponse* response) override;

 private:
  const OverrideService* const service_;
  CallRunner* const runner_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_GRPC_SERVICE_H_
