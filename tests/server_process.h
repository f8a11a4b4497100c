// The real override-resolver binary as a child process, for the suites that
// kill servers, run several on one database, or take their database away:
// a config written under $TEST_TMPDIR, free ports, stderr in a file, and a
// gRPC channel to it. Also the recorded Resolve requests those suites send.
// Test-only; never linked into the server.
#ifndef FLYTEOVERRIDE_TESTS_SERVER_PROCESS_H_
#define FLYTEOVERRIDE_TESTS_SERVER_PROCESS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "flyteidl/core/identifier.pb.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "tests/e2e_util.h"
#include "tests/resolver_client.h"

namespace flyteoverride::tests {

// A Resolve that records: BigClosure(nodes, "big") under execution `name`,
// with an execution override for "big" whose environment carries `variant`.
// Requests that differ only in `variant` have different input digests; each
// answer has exactly `nodes` nodes.
v1::ResolveRequest RecordedRequest(const std::string& name, int nodes,
                                   const std::string& variant);

// The YAML of a `storage:` section for each driver.
std::string SqliteStorage(const std::string& path);
std::string PostgresStorage(const std::string& dsn,
                            const std::string& timeout = "5s",
                            int pool_size = 4);

// One server process. Not thread-safe to start or stop; the call methods
// may be used from several threads at once.
class ServerProcess : public ResolverClient {
 public:
  // Writes `config_yaml` to $TEST_TMPDIR/NAME.yaml and starts the binary on
  // ports 0, its stderr in $TEST_TMPDIR/NAME.stderr. Then WaitServing().
  ServerProcess(const std::string& name, const std::string& config_yaml);

  // Reads the start line; false (see Why()) when none came within `timeout`.
  bool WaitServing(absl::Duration timeout = absl::Seconds(60));
  // The start line and stderr, for failure messages.
  std::string Why();

  Child& child() { return *child_; }
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }

  // The status of GET /readyz, 0 without an answer within `timeout`.
  int Readyz(absl::Duration timeout = absl::Seconds(5));

 private:
  std::string name_;
  std::unique_ptr<Child> child_;
  std::string line_;
  int grpc_port_ = 0;
  int http_port_ = 0;
};

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_SERVER_PROCESS_H_
