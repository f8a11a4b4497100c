// An outcome as gRPC sends it: the status code and message, and the
// violations as google.rpc.Status details (BadRequest, which generic
// clients show, then flyteoverride.v1.ErrorDetails) in the
// grpc-status-details-bin trailer, trimmed to fit gRPC's metadata limits.
#ifndef FLYTEOVERRIDE_SERVER_GRPC_STATUS_H_
#define FLYTEOVERRIDE_SERVER_GRPC_STATUS_H_

#include "grpcpp/support/status.h"
#include "server/answer.h"

namespace flyteoverride::server {

grpc::Status ToGrpcStatus(const Outcome& outcome);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_GRPC_STATUS_H_
