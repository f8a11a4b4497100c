// What the in-process end-to-end suites share: a real server::Server on
// loopback ports with a gRPC channel to it (Harness), the configuration they
// start it with, and small builders for requests. Linking this library keeps
// gRPC initialised for the whole test binary (see e2e_server.cc).
// Test-only; never linked into the server.
#ifndef FLYTEOVERRIDE_TESTS_E2E_SERVER_H_
#define FLYTEOVERRIDE_TESTS_E2E_SERVER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "flyteidl/core/identifier.pb.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "config/config.h"
#include "server/server.h"
#include "tests/resolver_client.h"
#include "storage/store.h"

namespace flyteoverride::tests {

// Big enough that resolving BigRequest(kSlowNodes) takes a good part of a
// second or more here.
constexpr int kSlowNodes = 100'000;

// Loopback, ports 0 (chosen by the kernel), in-memory storage, 10 s grace.
config::Config TestConfig();

// The code's canonical name ("INVALID_ARGUMENT"), for failure messages.
std::string CodeName(grpc::StatusCode code);

// ExampleRequest(name), failing the current test (and returning an empty
// request) when the example cannot be read.
v1::ResolveRequest Example(const std::string& name);

// A running in-process server with a client channel to it. Check ok() before
// anything else (START_HARNESS does). Not thread-safe to construct; the call
// methods may be used from several threads at once, each call with its own
// context.
class Harness : public ResolverClient {
 public:
  Harness(const config::Config& config, std::unique_ptr<storage::Store> store);

  bool ok() const { return server_ != nullptr; }
  // Why the server did not start, when !ok().
  const std::string& error() const { return error_; }
  server::Server& server() { return *server_; }
  int http_port() const { return server_->http_port(); }

  // The body of GET /metrics.
  std::string Metrics();

 private:
  std::string error_;
  std::unique_ptr<server::Server> server_;
};

// Declares Harness `name` and stops the test unless its server started.
#define START_HARNESS(name, config, store) \
  Harness name((config), (store));         \
  ASSERT_TRUE(name.ok()) << name.error()

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_E2E_SERVER_H_
