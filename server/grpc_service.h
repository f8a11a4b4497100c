// The gRPC surface: thin handlers that read the request, run the call and
// map the status (TF Serving's model: the logic lives in OverrideService).
//
// The methods take the request's bytes, not a message gRPC parsed: gRPC
// answers bytes it cannot parse with INTERNAL, which tells the caller the
// server is broken. Here they are the caller's problem, INVALID_ARGUMENT
// with a MALFORMED_REQUEST violation, and the parse nests no deeper than
// the service allows (docs/design.md section 10).
#ifndef FLYTEOVERRIDE_SERVER_GRPC_SERVICE_H_
#define FLYTEOVERRIDE_SERVER_GRPC_SERVICE_H_

#include "grpcpp/impl/service_type.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/authorizer.h"
#include "server/call_runner.h"
#include "server/override_service.h"
#include "server/request_limits.h"

namespace flyteoverride::server {

// Reads a call's request from gRPC's slices, where they lie, within
// `limits` (ReadProto).
Outcome ReadGrpcRequest(const grpc::ByteBuffer& in, const RequestLimits& limits,
                        google::protobuf::Message* request);

// flyteoverride.v1.OverrideResolver, the same methods and paths as the
// generated service. Thread-safe.
class GrpcService final : public grpc::Service {
 public:
  // Every call is let through by `authorizer` once its request is read.
  GrpcService(const OverrideService* service, CallRunner* runner,
              const Authorizer* authorizer, const RequestLimits& limits);

 private:
  // Parses `in` as `Request`, runs `call` through the runner, writes the
  // response deterministically to `out`.
  template <typename Request, typename Response, typename Call>
  grpc::Status Unary(const char* rpc, grpc::ServerContext* context,
                     const grpc::ByteBuffer* in, grpc::ByteBuffer* out,
                     Call call);
  // `path` ("/flyteoverride.v1.OverrideResolver/Resolve") must live as long
  // as the service: a literal.
  template <typename Request, typename Response, typename Call>
  void Add(const char* rpc, const char* path, Call call);

  const OverrideService* const service_;
  CallRunner* const runner_;
  const Authorizer* const authorizer_;
  const RequestLimits limits_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_GRPC_SERVICE_H_
