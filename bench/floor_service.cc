#include "bench/floor_service.h"

#include "bench/load_driver.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/method_handler.h"
#include "server/grpc_service.h"
#include "server/request_limits.h"

namespace flyteoverride::bench {

v1::ResolveRequest* ReadRequest(absl::string_view bytes,
                                google::protobuf::Arena* arena) {
  auto* request =
      google::protobuf::Arena::CreateMessage<v1::ResolveRequest>(arena);
  return server::ReadProto(bytes, {}, request).ok() ? request : nullptr;
}

FloorService::FloorService() {
  Add(kFloor, [](const FloorService&) { return grpc::Slice("", 0); });
  Add(kFloorAnswer,
      [](const FloorService& self) { return grpc::Slice(self.answer_); });
}

void FloorService::Add(const char* method,
                       grpc::Slice (*answer)(const FloorService&)) {
  AddMethod(new grpc::internal::RpcServiceMethod(
      method, grpc::internal::RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<FloorService, grpc::ByteBuffer,
                                           grpc::ByteBuffer>(
          [answer](FloorService* self, grpc::ServerContext*,
                   const grpc::ByteBuffer* in, grpc::ByteBuffer* out) {
            // Counted as the server counts a call: reading it, freeing what
            // it read, and the answer.
            const double cpu = ThreadCpuSeconds();
            bool read;
            {
              google::protobuf::Arena arena;
              read = server::ReadGrpcRequest(
                         *in, {},
                         google::protobuf::Arena::CreateMessage<
                             v1::ResolveRequest>(&arena))
                         .ok();
            }
            grpc::Slice slice = answer(*self);
            *out = grpc::ByteBuffer(&slice, 1);
            self->cpu_ns_ +=
                static_cast<int64_t>((ThreadCpuSeconds() - cpu) * 1e9);
            ++self->calls_;
            return read ? grpc::Status::OK
                        : grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "unreadable");
          },
          this)));
}

}  // namespace flyteoverride::bench
