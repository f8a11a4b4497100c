// overridectl's client side: calls a running override-resolver over gRPC.
#ifndef FLYTEOVERRIDE_TOOLS_REMOTE_H_
#define FLYTEOVERRIDE_TOOLS_REMOTE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"

namespace flyteoverride::tools {

struct RemoteOptions {
  // A gRPC target: HOST:PORT, or dns:///HOST:PORT; calls go round robin
  // over every address it resolves to.
  std::string address;
  // TLS when ca_file is set; mutual TLS when cert_file and key_file are too.
  std::string ca_file, cert_file, key_file;
  // A file holding a bearer token (an IdP's JWT), sent with every call in
  // the "flyte-authorization" key; empty: none.
  std::string token_file;
  int timeout_seconds = 30;
};

// A failed call: its status, and the violations and warnings its details
// carried.
struct RemoteError {
  absl::Status status;
  std::vector<v1::Violation> violations;
  std::vector<v1::Violation> warnings;
};

class Remote {
 public:
  static absl::StatusOr<std::unique_ptr<Remote>> Connect(
      const RemoteOptions& options);

  // Each returns false and fills `error` when the call fails.
  bool Inspect(const v1::InspectWorkflowRequest& request,
               v1::InspectWorkflowResponse* response, RemoteError* error);
  bool Resolve(const v1::ResolveRequest& request, v1::ResolveResponse* response,
               RemoteError* error);
  bool GetResolved(const v1::GetResolvedRequest& request,
                   v1::GetResolvedResponse* response, RemoteError* error);
  bool ListExecutions(const v1::ListExecutionsRequest& request,
                      v1::ListExecutionsResponse* response, RemoteError* error);

 private:
  Remote(std::unique_ptr<v1::OverrideResolver::Stub> stub, int timeout_seconds,
         std::string token)
      : stub_(std::move(stub)),
        timeout_seconds_(timeout_seconds),
        token_(std::move(token)) {}
  void Prepare(grpc::ClientContext* context) const;
  // One unary call of `method` with the deadline and token.
  template <typename Request, typename Response>
  bool Call(grpc::Status (v1::OverrideResolver::Stub::*method)(
                grpc::ClientContext*, const Request&, Response*),
            const Request& request, Response* response, RemoteError* error);

  std::unique_ptr<v1::OverrideResolver::Stub> stub_;
  int timeout_seconds_;
  std::string token_;
};

// The violations in a gRPC status's details (google.rpc.Status with
// flyteoverride.v1.ErrorDetails, or google.rpc.BadRequest).
std::vector<v1::Violation> ViolationsFromDetails(const std::string& details);

// The warnings in a gRPC status's details (flyteoverride.v1.ErrorDetails).
std::vector<v1::Violation> WarningsFromDetails(const std::string& details);

}  // namespace flyteoverride::tools

#endif  // FLYTEOVERRIDE_TOOLS_REMOTE_H_
