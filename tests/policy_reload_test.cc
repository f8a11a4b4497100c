// The real binary under an operator policy: a Resolve is judged by the
// config's `policy:` section, SIGHUP (or the file watcher) applies a new
// policy without a restart, and a bad file keeps the policy in force, logged
// and counted (docs/policy.md section 7). /metrics counts the policy's
// rejections and clamps by rule.
#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/e2e_util.h"
#include "tools/remote.h"

namespace flyteoverride::tests {
namespace {

std::string RetriesPolicy(int max, absl::string_view action = "reject") {
  return absl::StrCat(
      "storage: {driver: memory}\n"
      "policy:\n"
      "  global:\n"
      "    retries: {max: ",
      max, ", action: ", action, "}\n");
}

// The reasons of a failed call's violations, joined by ",".
std::string Reasons(const grpc::Status& status) {
  std::string out;
  for (const v1::Violation& v :
       tools::ViolationsFromDetails(status.error_details())) {
    absl::StrAppend(&out, out.empty() ? "" : ",", v.reason());
  }
  return out;
}

double Metric(int http_port, const std::string& series) {
  return MetricValue(HttpCall(http_port, "GET", "/metrics").body, series);
}

double Reloads(int http_port, const char* result) {
  return Metric(http_port,
                absl::StrCat("override_resolver_config_reloads_total{result=\"",
                             result, "\"}"));
}

constexpr char kRetriesRejected[] =
    "override_resolver_policy_outcomes_total{rule=\"retries.max\","
    "action=\"rejected\"}";
constexpr char kRetriesClamped[] =
    "override_resolver_policy_outcomes_total{rule=\"retries.max\","
    "action=\"clamped\"}";
constexpr char kRetriesViolations[] =
    "override_resolver_violations_total{reason=\"POLICY_MAX_RETRIES\"}";

TEST(PolicyReload, SighupAppliesANewPolicyAndABadFileKeepsTheOld) {
  const std::string path = absl::StrCat(TmpDir(), "/policy_reload.yaml");
  ASSERT_TRUE(WriteFile(path, RetriesPolicy(10)));
  const std::string log_path = absl::StrCat(TmpDir(), "/policy_reload.stderr");
  Child child({ServerBinary(), "--config", path, "--grpc-port", "0",
               "--http-port", "0"},
              log_path);
  const std::string line = child.ReadStdoutLine(absl::Seconds(30));
  int grpc_port = 0, http_port = 0;
  ASSERT_TRUE(ParseServingLine(line, &grpc_port, &http_port)) << line;
  auto stub = v1::OverrideResolver::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port),
                          grpc::InsecureChannelCredentials()));
  // training_pipeline's launch plan gives hook challenger 4 retries.
  auto request = ExampleRequest("training_pipeline");
  ASSERT_TRUE(request.ok()) << request.status();
  request->mutable_options()->set_dry_run(true);
  auto resolve = [&] {
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(absl::Seconds(20)));
    v1::ResolveResponse response;
    return stub->Resolve(&context, *request, &response);
  };

  grpc::Status status = resolve();
  ASSERT_TRUE(status.ok()) << status.error_message();
  {
    grpc::ClientContext context;
    v1::InspectWorkflowRequest inspect;
    *inspect.mutable_closure() = request->closure();
    v1::InspectWorkflowResponse response;
    ASSERT_TRUE(stub->InspectWorkflow(&context, inspect, &response).ok());
    ASSERT_GT(response.hooks_size(), 0);
    const v1::PolicyView& view = response.hooks(0).policy();
    ASSERT_EQ(view.limits_size(), 1);
    EXPECT_EQ(view.limits(0).field(), "retries");
    EXPECT_EQ(view.limits(0).max(), "10");
  }

  // A stricter policy: applied without a restart.
  ASSERT_TRUE(WriteFile(path, RetriesPolicy(3)));
  child.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Reloads(http_port, "ok") >= 1; },
                      absl::Seconds(30)));
  status = resolve();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_EQ(Reasons(status), "POLICY_MAX_RETRIES") << status.error_message();
  EXPECT_EQ(Metric(http_port, kRetriesRejected), 1);
  EXPECT_EQ(Metric(http_port, kRetriesViolations), 1);

  // A bad file: refused, counted, and the stricter policy stays.
  ASSERT_TRUE(
      WriteFile(path, "policy:\n  global:\n    retries: {max: many}\n"));
  child.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Reloads(http_port, "error") >= 1; },
                      absl::Seconds(30)));
  EXPECT_EQ(Reasons(resolve()), "POLICY_MAX_RETRIES");
  EXPECT_EQ(Metric(http_port, kRetriesRejected), 2);

  // Clamped: answered, and counted by rule and action.
  ASSERT_TRUE(WriteFile(path, RetriesPolicy(3, "clamp")));
  child.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Reloads(http_port, "ok") >= 2; },
                      absl::Seconds(30)));
  status = resolve();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Metric(http_port, kRetriesClamped), 1);
  EXPECT_EQ(Metric(http_port, kRetriesRejected), 2);
  EXPECT_EQ(Metric(http_port, kRetriesViolations), 2);

  child.Signal(SIGTERM);
  const int exit = child.Wait(absl::Seconds(30));
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << exit;
  const std::string log = child.ReadStderr(absl::Seconds(1));
  EXPECT_THAT(log, testing::HasSubstr("SIGHUP"));
  EXPECT_THAT(log, testing::HasSubstr("config reloaded; policy applied"));
  EXPECT_THAT(log, testing::HasSubstr("config reload refused"));
  EXPECT_THAT(log, testing::HasSubstr("policy.global.retries.max"));
}

}  // namespace
}  // namespace flyteoverride::tests
