#include "server/grpc_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/support/method_handler.h"
#include "server/grpc_status.h"
#include "server/request_limits.h"

namespace flyteoverride::server {
namespace {

absl::Time DeadlineOf(const grpc::ServerContext* context) {
  const auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max())
    return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

// The response serialised (deterministically) straight into the slice gRPC
// sends, with no intermediate string to copy from.
grpc::ByteBuffer SerializedInSlice(const google::protobuf::Message& response) {
  grpc::Slice slice(response.ByteSizeLong());
  google::protobuf::io::ArrayOutputStream array(
      const_cast<uint8_t*>(slice.begin()), static_cast<int>(slice.size()));
  google::protobuf::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  response.SerializeWithCachedSizes(&coded);
  return grpc::ByteBuffer(&slice, 1);
}

// The client certificate (mutual TLS) and the token headers of a call.
CallCredentials CredentialsOf(const grpc::ServerContext& context,
                              const std::vector<std::string>& headers) {
  CallCredentials credentials;
  if (const auto auth = context.auth_context()) {
    for (const grpc::string_ref& pem :
         auth->FindPropertyValues("x509_pem_cert")) {
      credentials.peer_certificate_pem.assign(pem.data(), pem.size());
    }
  }
  const auto& metadata = context.client_metadata();
  for (const std::string& header : headers) {
    const auto [begin, end] = metadata.equal_range(header);
    for (auto it = begin; it != end; ++it) {
      credentials.headers.emplace_back(
          header, std::string(it->second.data(), it->second.size()));
    }
  }
  return credentials;
}

}  // namespace

Outcome ReadGrpcRequest(const grpc::ByteBuffer& in, const RequestLimits& limits,
                        google::protobuf::Message* request) {
  std::vector<grpc::Slice> slices;
  std::vector<absl::string_view> pieces;
  if (in.Dump(&slices).ok()) {
    pieces.reserve(slices.size());
    for (const grpc::Slice& slice : slices) {
      pieces.emplace_back(reinterpret_cast<const char*>(slice.begin()),
                          slice.size());
    }
  }
  return ReadProto(pieces, limits, request);
}

template <typename Request, typename Response, typename Call>
grpc::Status GrpcService::Unary(const char* rpc, grpc::ServerContext* context,
                                const grpc::ByteBuffer* in,
                                grpc::ByteBuffer* out, Call call) {
  const Outcome outcome = runner_->Run(
      rpc, "", DeadlineOf(context), [&](CallStats* stats, absl::Time deadline) {
        // The request lives on an arena: a parsed closure is thousands of
        // small objects, freed here in a few blocks instead of one by one.
        google::protobuf::Arena arena;
        Request& request = *google::protobuf::Arena::CreateMessage<Request>(&arena);
        Outcome read = ReadGrpcRequest(*in, limits_, &request);
        if (!read.ok()) return read;
        const std::string execution = CallSubject(request);
        stats->execution = execution;
        const CallScope scope = ScopeOf(request);
        const Verdict verdict = authorizer_->Check(
            authorizer_->enabled()
                ? CredentialsOf(*context, authorizer_->token_headers())
                : CallCredentials(),
            rpc, scope, absl::Now());
        Response response;
        Outcome result = verdict.decision.ok()
                             ? call(request, deadline, stats).Deliver(&response)
                             : Outcome(verdict.decision.status());
        // The audit line, redaction and the answer's encoding are the call's
        // work too: counted in its CPU, done in its running slot.
        authorizer_->Finish(verdict, rpc, scope, execution, DigestOf(response),
                            result, &response);
        if (result.ok()) *out = SerializedInSlice(response);
        return result;
      });
  return outcome.ok() ? grpc::Status::OK : ToGrpcStatus(outcome);
}

template <typename Request, typename Response, typename Call>
void GrpcService::Add(const char* rpc, const char* path, Call call) {
  using Handler =
      grpc::internal::RpcMethodHandler<GrpcService, grpc::ByteBuffer,
                                       grpc::ByteBuffer>;
  AddMethod(new grpc::internal::RpcServiceMethod(
      path, grpc::internal::RpcMethod::NORMAL_RPC,
      new Handler(
          [rpc, call](GrpcService* self, grpc::ServerContext* context,
                      const grpc::ByteBuffer* in, grpc::ByteBuffer* out) {
            return self->Unary<Request, Response>(rpc, context, in, out,
                                                  call);
          },
          this)));
}

GrpcService::GrpcService(const OverrideService* service, CallRunner* runner,
                         const Authorizer* authorizer,
                         const RequestLimits& limits)
    : service_(service),
      runner_(runner),
      authorizer_(authorizer),
      limits_(limits) {
  // In the order of the service's declaration in resolver.proto.
  Add<v1::InspectWorkflowRequest, v1::InspectWorkflowResponse>(
      "InspectWorkflow", "/flyteoverride.v1.OverrideResolver/InspectWorkflow",
      [this](const auto& request, absl::Time, CallStats* stats) {
        return service_->InspectWorkflow(request, stats);
      });
  Add<v1::ResolveRequest, v1::ResolveResponse>(
      "Resolve", "/flyteoverride.v1.OverrideResolver/Resolve",
      [this](const auto& request, absl::Time deadline, CallStats* stats) {
        return service_->Resolve(request, deadline, stats);
      });
  Add<v1::GetResolvedRequest, v1::GetResolvedResponse>(
      "GetResolved", "/flyteoverride.v1.OverrideResolver/GetResolved",
      [this](const auto& request, absl::Time, CallStats* stats) {
        return service_->GetResolved(request, stats);
      });
  Add<v1::ResolveDynamicRequest, v1::ResolveDynamicResponse>(
      "ResolveDynamic", "/flyteoverride.v1.OverrideResolver/ResolveDynamic",
      [this](const auto& request, absl::Time deadline, CallStats* stats) {
        return service_->ResolveDynamic(request, deadline, stats);
      });
  Add<v1::ListExecutionsRequest, v1::ListExecutionsResponse>(
      "ListExecutions", "/flyteoverride.v1.OverrideResolver/ListExecutions",
      [this](const auto& request, absl::Time, CallStats* stats) {
        return service_->ListExecutions(request, stats);
      });
}

}  // namespace flyteoverride::server
