#include "tools/remote.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tools/inputs.h"

namespace flyteoverride::tools {
namespace {

// gRPC's default is pick_first: every call to the first address that
// answers. round_robin spreads calls over every address the name resolves
// to (a headless Service behind dns:///). Retried: UNAVAILABLE, which a
// replica answers when it is shutting down or cannot reach storage, and
// CANCELLED, which gRPC answers for a call that reached a replica as its
// shutdown began (grpc/grpc#41785); gRPC never retries a call the caller
// cancelled. Every call is idempotent (docs/design.md section 5), so a
// retry is safe.
constexpr char kServiceConfig[] = R"json({
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{"service": "flyteoverride.v1.OverrideResolver"}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.2s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE", "CANCELLED"]
    }
  }]
})json";

bool Fail(const grpc::Status& status, RemoteError* error) {
  error->status =
      absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message());
  error->violations = ViolationsFromDetails(status.error_details());
  error->warnings = WarningsFromDetails(status.error_details());
  return false;
}

}  // namespace

std::vector<v1::Violation> ViolationsFromDetails(const std::string& details) {
  std::vector<v1::Violation> violations;
  google::rpc::Status status;
  if (details.empty() || !status.ParseFromString(details)) return violations;
  for (const auto& any : status.details()) {
    v1::ErrorDetails rich;
    if (any.UnpackTo(&rich))
      return {rich.violations().begin(), rich.violations().end()};
  }
  for (const auto& any : status.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& field : bad_request.field_violations()) {
      v1::Violation violation;
      violation.set_field(field.field());
      violation.set_description(field.description());
      violations.push_back(std::move(violation));
    }
  }
  return violations;
}

std::vector<v1::Violation> WarningsFromDetails(const std::string& details) {
  google::rpc::Status status;
  if (details.empty() || !status.ParseFromString(details)) return {};
  for (const auto& any : status.details()) {
    v1::ErrorDetails rich;
    if (any.UnpackTo(&rich))
      return {rich.warnings().begin(), rich.warnings().end()};
  }
  return {};
}

absl::StatusOr<std::unique_ptr<Remote>> Remote::Connect(
    const RemoteOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!options.ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    auto ca = ReadFile(options.ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    if (!options.cert_file.empty()) {
      auto cert = ReadFile(options.cert_file);
      auto key = ReadFile(options.key_file);
      if (!cert.ok()) return cert.status();
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  std::string token;
  if (!options.token_file.empty()) {
    auto text = ReadFile(options.token_file);
    if (!text.ok()) return text.status();
    token = std::string(absl::StripAsciiWhitespace(*text));
  }
  // The default service config: used unless the name resolver supplies one
  // (gRPC's DNS resolver does not look for one unless asked to).
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(kServiceConfig);
  auto channel = grpc::CreateCustomChannel(options.address, credentials, args);
  return std::unique_ptr<Remote>(
      new Remote(v1::OverrideResolver::NewStub(channel),
                 options.timeout_seconds, std::move(token)));
}

void Remote::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(timeout_seconds_));
  if (!token_.empty())
    context->AddMetadata("flyte-authorization", "Bearer " + token_);
}

template <typename Request, typename Response>
bool Remote::Call(
    grpc::Status (v1::OverrideResolver::Stub::*method)(grpc::ClientContext*,
                                                       const Request&,
                                                       Response*),
    const Request& request, Response* response, RemoteError* error) {
  grpc::ClientContext context;
  Prepare(&context);
  grpc::Status status = (stub_.get()->*method)(&context, request, response);
  return status.ok() || Fail(status, error);
}

bool Remote::Inspect(const v1::InspectWorkflowRequest& request,
                     v1::InspectWorkflowResponse* response,
                     RemoteError* error) {
  return Call(&v1::OverrideResolver::Stub::InspectWorkflow, request, response,
              error);
}

bool Remote::Resolve(const v1::ResolveRequest& request,
                     v1::ResolveResponse* response, RemoteError* error) {
  return Call(&v1::OverrideResolver::Stub::Resolve, request, response, error);
}

bool Remote::GetResolved(const v1::GetResolvedRequest& request,
                         v1::GetResolvedResponse* response,
                         RemoteError* error) {
  return Call(&v1::OverrideResolver::Stub::GetResolved, request, response,
              error);
}

bool Remote::ListExecutions(const v1::ListExecutionsRequest& request,
                            v1::ListExecutionsResponse* response,
                            RemoteError* error) {
  return Call(&v1::OverrideResolver::Stub::ListExecutions, request, response,
              error);
}

}  // namespace flyteoverride::tools
