// The real binary as operators run it: it starts on free ports, and on
// SIGTERM or SIGINT it turns NOT_SERVING, lets the calls in flight finish,
// and exits 0 (docs/design.md section 8).
#include <signal.h>
#include <sys/wait.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::grpc::StatusCode;
using HealthStatus = grpc::health::v1::HealthCheckResponse;

// Each slow call resolves this many nodes; kInFlight of them at once keep
// the server busy for a few seconds on a small machine.
constexpr int kSlowNodes = 25'000;
constexpr int kInFlight = 8;

std::string WriteConfig(const std::string& name, const std::string& yaml) {
  const std::string path = absl::StrCat(TmpDir(), "/", name, ".yaml");
  EXPECT_TRUE(WriteFile(path, yaml)) << path;
  return path;
}

// The binary, started on free ports; ready once it printed its ports.
class Running {
 public:
  explicit Running(const std::string& name,
                   const std::string& grace = "30s",
                   const std::string& more_config = "")
      : child_({ServerBinary(), "--config",
                WriteConfig(name, absl::StrCat("server:\n"
                                               "  shutdown_grace: ",
                                               grace,
                                               "\n"
                                               "storage:\n"
                                               "  driver: sqlite\n"
                                               "  sqlite_path: ",
                                               TmpDir(), "/", name, ".db\n",
                                               more_config)),
                "--grpc-port", "0", "--http-port", "0"},
               absl::StrCat(TmpDir(), "/", name, ".stderr")) {
    line_ = child_.ReadStdoutLine(absl::Seconds(30));
    if (!ParseServingLine(line_, &grpc_port_, &http_port_)) return;
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    channel_ =
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                  grpc::InsecureChannelCredentials(), args);
  }

  bool ok() const { return channel_ != nullptr; }
  std::string Why() {
    return absl::StrCat("stdout: \"", line_,
                        "\"\nstderr: ", child_.ReadStderr(absl::Seconds(1)));
  }
  Child& child() { return child_; }
  int http_port() const { return http_port_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  // A fresh connection each time, so that a server that stopped accepting
  // shows as UNAVAILABLE rather than riding an old connection.
  HealthStatus::ServingStatus Check(grpc::Status* status) {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                       grpc::InsecureChannelCredentials());
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::health::v1::HealthCheckRequest request;
    HealthStatus response;
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(absl::Seconds(2)));
    *status = health->Check(&context, request, &response);
    return status->ok() ? response.status() : HealthStatus::UNKNOWN;
  }

 private:
  Child child_;
  std::string line_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST(Shutdown, SigtermDrainsInFlightCallsAndExitsZero) {
  Running server("sigterm");
  ASSERT_TRUE(server.ok()) << server.Why();
  grpc::Status status;
  ASSERT_EQ(server.Check(&status), HealthStatus::SERVING)
      << status.error_message();
  ASSERT_EQ(HttpCall(server.http_port(), "GET", "/readyz").status, 200);

  const v1::ResolveRequest slow = BigRequest(kSlowNodes);
  auto stub = v1::OverrideResolver::NewStub(server.channel());
  std::vector<std::future<std::pair<grpc::Status, int>>> calls;
  for (int i = 0; i < kInFlight; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      v1::ResolveResponse response;
      grpc::ClientContext context;
      context.set_deadline(DeadlineIn(absl::Seconds(60)));
      grpc::Status result = stub->Resolve(&context, slow, &response);
      return std::make_pair(result, response.nodes_size());
    }));
  }
  // Every call admitted and running.
  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = HttpCall(server.http_port(), "GET", "/metrics").body;
        return MetricValue(metrics, "override_resolver_calls_in_flight") ==
               kInFlight;
      },
      absl::Seconds(30)))
      << metrics;

  server.child().Signal(SIGTERM);
  // During the grace period: readiness fails and health is not SERVING (or
  // new calls are refused), while the calls run on.
  int readyz = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        readyz =
            HttpCall(server.http_port(), "GET", "/readyz", "", absl::Seconds(2))
                .status;
        return readyz == 503;
      },
      absl::Seconds(10)))
      << "last /readyz: " << readyz;
  HealthStatus::ServingStatus serving = HealthStatus::SERVING;
  EXPECT_TRUE(WaitFor(
      [&] {
        serving = server.Check(&status);
        return serving == HealthStatus::NOT_SERVING ||
               status.error_code() == StatusCode::UNAVAILABLE;
      },
      absl::Seconds(10)))
      << "health: " << serving << " " << status.error_message();
  int still_running = 0;
  for (auto& call : calls) {
    still_running +=
        call.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  }
  EXPECT_GT(still_running, 0)
      << "every call ended before readiness turned; make them slower";

  for (auto& call : calls) {
    const auto [result, nodes] = call.get();
    EXPECT_TRUE(result.ok())
        << result.error_code() << ": " << result.error_message();
    EXPECT_EQ(nodes, kSlowNodes);
  }
  const int exit = server.child().Wait(absl::Seconds(30));
  ASSERT_NE(exit, -1) << "still running 30 s after the calls ended";
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0)
      << "wait status " << exit << "\n"
      << server.Why();
  const std::string log = server.child().ReadStderr(absl::Seconds(1));
  EXPECT_THAT(log, testing::HasSubstr("SIGTERM"));
  EXPECT_THAT(log, testing::HasSubstr("stopped"));
}

TEST(Shutdown, SigintExitsZero) {
  Running server("sigint");
  ASSERT_TRUE(server.ok()) << server.Why();
  grpc::Status status;
  ASSERT_EQ(server.Check(&status), HealthStatus::SERVING)
      << status.error_message();
  server.child().Signal(SIGINT);
  const int exit = server.child().Wait(absl::Seconds(30));
  ASSERT_NE(exit, -1) << "still running 30 s after SIGINT";
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0)
      << "wait status " << exit << "\n"
      << server.Why();
  EXPECT_THAT(server.child().ReadStderr(absl::Seconds(1)),
              testing::HasSubstr("SIGINT"));
}

// Idle, a SIGTERM'd server exits at once: the grace period is a bound, not
// a wait.
TEST(Shutdown, IdleServerExitsPromptly) {
  Running server("idle");
  ASSERT_TRUE(server.ok()) << server.Why();
  const absl::Time start = absl::Now();
  server.child().Signal(SIGTERM);
  const int exit = server.child().Wait(absl::Seconds(30));
  ASSERT_NE(exit, -1);
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << exit;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// A request of a few hundred bytes that asks for millions of instances: a
// sub-workflow of `width` hooked task nodes called `calls` times.
v1::ResolveRequest Multiplied(int calls, int width) {
  v1::ResolveRequest request;
  auto* closure = request.mutable_closure();
  flyteidl::core::Identifier task_id;
  task_id.set_resource_type(flyteidl::core::TASK);
  task_id.set_name("t");
  *closure->add_tasks()->mutable_template_()->mutable_id() = task_id;
  auto* sub = closure->add_sub_workflows()->mutable_template_();
  sub->mutable_id()->set_resource_type(flyteidl::core::WORKFLOW);
  sub->mutable_id()->set_name("sub");
  for (int i = 0; i < width; ++i) {
    auto* node = sub->add_nodes();
    node->set_id(absl::StrCat("n", i));
    *node->mutable_task_node()->mutable_reference_id() = task_id;
  }
  auto* primary = closure->mutable_primary()->mutable_template_();
  primary->mutable_id()->set_name("wf");
  for (int i = 0; i < calls; ++i) {
    auto* node = primary->add_nodes();
    node->set_id(absl::StrCat("w", i));
    *node->mutable_workflow_node()->mutable_sub_workflow_ref() = sub->id();
    node->mutable_runtime_override()->set_name("h");
  }
  (*request.mutable_execution_overrides())["h"].set_retries(1);
  request.mutable_options()->set_dry_run(true);
  return request;
}

// A call still working when the grace ends is stopped through its work
// budget: the process exits within the grace plus a second, whatever the
// call was doing.
TEST(Shutdown, ACallPastTheGraceIsStoppedAndTheProcessExitsInTime) {
  Running server("past-grace", "1s",
                 "limits:\n  max_node_instances: 5000000\n"
                 "  max_path_bytes: 200000000\n");
  ASSERT_TRUE(server.ok()) << server.Why();
  auto stub = v1::OverrideResolver::NewStub(server.channel());
  const v1::ResolveRequest huge = Multiplied(1000, 2000);  // 2M instances
  auto call = std::async(std::launch::async, [&] {
    v1::ResolveResponse response;
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(absl::Seconds(120)));
    return stub->Resolve(&context, huge, &response);
  });
  ASSERT_TRUE(WaitFor(
      [&] {
        return MetricValue(HttpCall(server.http_port(), "GET", "/metrics").body,
                           "override_resolver_calls_in_flight") == 1;
      },
      absl::Seconds(30)));
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_NE(call.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "the call ended before SIGTERM; make it larger";
  const absl::Time signalled = absl::Now();
  server.child().Signal(SIGTERM);
  const int exit = server.child().Wait(absl::Seconds(30));
  const absl::Duration took = absl::Now() - signalled;
  ASSERT_NE(exit, -1) << "still running 30 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << exit;
  EXPECT_LT(took, absl::Seconds(2) + absl::Milliseconds(500))
      << "grace 1 s: exited after " << took;
  const grpc::Status status = call.get();
  EXPECT_FALSE(status.ok());
}

// Clients that stall mid-request hold no thread and delay no exit: the
// process is gone within the grace plus a second of SIGTERM.
TEST(Shutdown, StalledClientsDoNotDelayTheExit) {
  Running server("stalled", "1s");
  ASSERT_TRUE(server.ok()) << server.Why();
  std::vector<StalledConnection> stalled;
  for (int i = 0; i < 100; ++i) {
    stalled.emplace_back(server.http_port(),
                         i % 2 == 0 ? "POST /v1/resolve HTTP/1.1\r\nHost: x\r\n"
                                    : "POST /v1/resolve HTTP/1.1\r\nHost: x\r\n"
                                      "Content-Length: 5000\r\n\r\n{");
  }
  absl::SleepFor(absl::Milliseconds(200));
  const absl::Time signalled = absl::Now();
  server.child().Signal(SIGTERM);
  const int exit = server.child().Wait(absl::Seconds(30));
  ASSERT_NE(exit, -1) << "still running 30 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << exit;
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(2) + absl::Milliseconds(500));
}

}  // namespace
}  // namespace flyteoverride::tests
