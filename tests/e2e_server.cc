#include "tests/e2e_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

// gRPC stays initialised between tests: otherwise the last object released in
// each test (the server) shuts the library down, which waits for its
// executor's timers (seconds). Registered when this file is linked in (the
// library is alwayslink).
class KeepGrpc : public testing::Environment {
 public:
  void SetUp() override { grpc_init(); }
};
const testing::Environment* const kKeepGrpc =
    testing::AddGlobalTestEnvironment(new KeepGrpc);

}  // namespace

config::Config TestConfig() {
  config::Config config;
  config.bind_address = "127.0.0.1";
  config.grpc_port = 0;
  config.http_port = 0;
  config.shutdown_grace = absl::Seconds(10);
  config.storage.driver = config::StorageConfig::Driver::kMemory;
  return config;
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

v1::ResolveRequest Example(const std::string& name) {
  auto request = ExampleRequest(name);
  EXPECT_TRUE(request.ok()) << name << ": " << request.status();
  return request.ok() ? *std::move(request) : v1::ResolveRequest();
}

Harness::Harness(const config::Config& config,
                 std::unique_ptr<storage::Store> store) {
  auto started = server::Server::Start(config, std::move(store));
  if (!started.ok()) {
    error_ = started.status().ToString();
    return;
  }
  server_ = *std::move(started);
  Connect(server_->grpc_port());
}

std::string Harness::Metrics() {
  return HttpCall(http_port(), "GET", "/metrics").body;
}

}  // namespace flyteoverride::tests
