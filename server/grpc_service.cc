#include "server/grpc_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "encoding/json_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/support/method_handler.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "resolver/violations.h"
#include "server/grpc_status.h"

namespace flyteoverride::server {
namespace {

absl::Time DeadlineOf(const grpc::ServerContext* context) {
  const auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max())
    return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

// Reads `in` into `message` with a nesting limit of its own; a refusal that
// names what was expected when the bytes are no such message.
Outcome Parse(const grpc::ByteBuffer& in, int max_depth,
              google::protobuf::Message* message) {
  grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(&in));
  google::protobuf::io::CodedInputStream stream(&reader);
  stream.SetRecursionLimit(max_depth);
  if (message->ParseFromCodedStream(&stream) &&
      stream.ConsumedEntireMessage()) {
    return Outcome();
  }
  std::string description = absl::StrCat(
      "the request's ", in.Length(), " bytes are not a ",
      message->GetDescriptor()->full_name(),
      ": truncated or malformed protobuf, a string that is not UTF-8, or "
      "messages nested deeper than ",
      max_depth);
  v1::Violation violation = resolver::MakeViolation(
      "", description, "MALFORMED_REQUEST", v1::Violation::INVALID_VALUE);
  return Outcome(absl::InvalidArgumentError(std::move(description)),
                 {std::move(violation)});
}

}  // namespace

template <typename Request, typename Response, typename Call>
grpc::Status GrpcService::Unary(const char* rpc, grpc::ServerContext* context,
                                const grpc::ByteBuffer* in,
                                grpc::ByteBuffer* out, Call call) {
  Response response;
  const Outcome outcome = runner_->Run(
      rpc, "", DeadlineOf(context), [&](CallStats* stats, absl::Time deadline) {
        Request request;
        Outcome read = Parse(*in, max_message_depth_, &request);
        if (!read.ok()) return read;
        if constexpr (!std::is_same_v<Request, v1::InspectWorkflowRequest>) {
          stats->execution = ExecutionName(request.execution_id());
        }
        return call(request, deadline, stats).Deliver(&response);
      });
  if (!outcome.ok()) return ToGrpcStatus(outcome);
  grpc::Slice slice(encoding::DeterministicBytes(response));
  *out = grpc::ByteBuffer(&slice, 1);
  return grpc::Status::OK;
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
                         int max_message_depth)
    : service_(service), runner_(runner),
      max_message_depth_(max_message_depth) {
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
}

}  // namespace flyteoverride::server
