// What the end-to-end suites share: the bundled examples as requests, large
// generated closures for slow calls, deadlines, a raw HTTP/1.1 client, and a
// child process running the real binary. Test-only; never linked into the
// server.
#ifndef FLYTEOVERRIDE_TESTS_E2E_UTIL_H_
#define FLYTEOVERRIDE_TESTS_E2E_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::tests {

// $TEST_TMPDIR (or /tmp outside Bazel).
std::string TmpDir();

// Writes `text` to `path`; false on failure.
bool WriteFile(const std::string& path, const std::string& text);

// A shell script that sources tests/certificates.sh (key, ca, leaf,
// expired_leaf) from the runfiles, then runs `commands`. Needs
// //tests:certificates.sh in the test's data.
std::string CertificateScript(const std::string& commands);

// A gRPC deadline `timeout` from now.
std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout);

// An example under examples/NAME as a Resolve request: closure, launch-plan
// and execution maps (members TaskNodeOverrides does not know are dropped;
// only `invalid` has one). No execution id, no options.
absl::StatusOr<v1::ResolveRequest> ExampleRequest(const std::string& name);

// A closure whose primary workflow has `nodes` task nodes n0..n{nodes-1}, all
// calling one task and all declaring hook `hook` with no defaults. Resolving
// it is slow in proportion to `nodes` (hundreds of thousands take seconds).
flyteidl::core::CompiledWorkflowClosure BigClosure(int nodes,
                                                   const std::string& hook);

// A request resolving BigClosure(nodes, "big") with an execution override for
// "big" (a memory request and an environment variable), dry run.
v1::ResolveRequest BigRequest(int nodes);

// Polls `condition` every few milliseconds until it holds or `timeout`
// passes; returns whether it held.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

// A minimal HTTP/1.1 client over loopback (Connection: close).
struct HttpResult {
  int status = 0;  // 0: no response (connection failed or closed early)
  std::string headers;  // the header lines as sent, status line excluded
  std::string body;
};
// `headers`: extra request header lines ("Authorization: Bearer ..."); a
// Content-Type among them replaces the JSON one a body gets.
HttpResult HttpCall(int port, const std::string& method,
                    const std::string& target, const std::string& body = "",
                    absl::Duration timeout = absl::Seconds(10),
                    const std::vector<std::string>& headers = {});
// The same over HTTPS, by curl: the server's certificate checked against
// `ca_file`, and a client certificate when `cert_file` is set.
HttpResult HttpsCall(int port, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::string& ca_file, const std::string& cert_file,
                     const std::string& key_file);
// Sends `bytes` as they are and reads the answer, for malformed requests.
HttpResult HttpRaw(int port, const std::string& bytes,
                   absl::Duration timeout = absl::Seconds(10));

// The value of one Prometheus sample line `series value` in `metrics`
// (`series` with its labels, exactly as rendered); -1 when absent.
double MetricValue(const std::string& metrics, const std::string& series);

// A child process with its stdout piped, and its stderr piped or, for
// chatty children that nobody reads while they run, written to a file.
class Child {
 public:
  // Starts `argv[0]` with `argv`; check running(). With `stderr_file`,
  // stderr goes there (truncated) instead of a pipe.
  explicit Child(const std::vector<std::string>& argv,
                 const std::string& stderr_file = "");
  ~Child();  // kills the child if it still runs
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool running() const { return pid_ > 0 && !exited_; }
  pid_t pid() const { return pid_; }
  // The next stdout line (without "\n"), or "" at EOF or past `timeout`.
  std::string ReadStdoutLine(absl::Duration timeout);
  // Everything on stderr until EOF or `timeout` (with a file: its content).
  std::string ReadStderr(absl::Duration timeout);
  void Signal(int signal);
  // The raw wait status once the child exits, or -1 past `timeout` (the child
  // is then killed).
  int Wait(absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stderr_file_;
  bool exited_ = false;
  int status_ = -1;
  std::string stdout_buffer_;
};

// A client connection that sent `bytes` and then says nothing more, until
// it is destroyed: what a stalled or hostile client leaves on a server.
class StalledConnection {
 public:
  StalledConnection(int port, const std::string& bytes);
  ~StalledConnection();
  StalledConnection(StalledConnection&& other) noexcept;
  StalledConnection(const StalledConnection&) = delete;
  StalledConnection& operator=(const StalledConnection&) = delete;

  // Sends `more` (a trickle); false once the server has closed the
  // connection.
  bool Send(const std::string& more);

 private:
  int fd_ = -1;
};

// The ports in the binary's start line ("... gRPC on HOST:P, HTTP on
// HOST:Q"); false when the line does not match.
bool ParseServingLine(const std::string& line, int* grpc_port, int* http_port);

// The runfiles path of the server binary.
std::string ServerBinary();

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_E2E_UTIL_H_
