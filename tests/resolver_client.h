// A gRPC client of one override-resolver on loopback, shared by the
// in-process harness (e2e_server.h) and the child-process one
// (server_process.h): every call with a deadline, responses of any size.
// Test-only. The call methods may be used from several threads at once.
#ifndef FLYTEOVERRIDE_TESTS_RESOLVER_CLIENT_H_
#define FLYTEOVERRIDE_TESTS_RESOLVER_CLIENT_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "flyteidl/core/identifier.pb.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"

namespace flyteoverride::tests {

// The deadline of a call unless a test says otherwise.
constexpr absl::Duration kCallTimeout = absl::Seconds(20);

// flytesnacks/development/NAME.
flyteidl::core::WorkflowExecutionIdentifier ExecutionId(
    const std::string& name);

class ResolverClient {
 public:
  // Opens a plaintext channel to 127.0.0.1:`grpc_port`.
  void Connect(int grpc_port);

  v1::OverrideResolver::Stub& stub() { return *stub_; }
  grpc::health::v1::Health::Stub& health() { return *health_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  grpc::Status Resolve(const v1::ResolveRequest& request,
                       v1::ResolveResponse* response,
                       absl::Duration timeout = kCallTimeout);
  grpc::Status Inspect(const v1::InspectWorkflowRequest& request,
                       v1::InspectWorkflowResponse* response);
  // GetResolved for ExecutionId(execution); "" for every node.
  grpc::Status GetResolved(const std::string& execution,
                           const std::string& node_path,
                           v1::GetResolvedResponse* response,
                           absl::Duration timeout = kCallTimeout);
  grpc::Status ResolveDynamic(const v1::ResolveDynamicRequest& request,
                              v1::ResolveDynamicResponse* response);
  // ListExecutions of flytesnacks/development, a page of `page_size` after
  // `page_token`.
  grpc::Status ListExecutions(int page_size, const std::string& page_token,
                              v1::ListExecutionsResponse* response);
  // SERVING, NOT_SERVING, ...; or UNKNOWN with `status` set when the call
  // failed.
  grpc::health::v1::HealthCheckResponse::ServingStatus Check(
      const std::string& service, grpc::Status* status = nullptr);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::OverrideResolver::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_RESOLVER_CLIENT_H_
