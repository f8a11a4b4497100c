// End to end over loopback: the HTTP/JSON surface of the same server, its
// liveness and readiness probes and /metrics, and readiness turning while
// in-flight calls drain at shutdown.
#include <chrono>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"
#include "tools/inputs.h"

namespace flyteoverride::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ExampleJson(const std::string& name, const std::string& extra) {
  const std::string dir = absl::StrCat("examples/", name, "/");
  std::string body = absl::StrCat(
      "{\"closure\": ", tools::ReadFile(dir + "closure.json").value_or("null"));
  if (auto lp = tools::ReadFile(dir + "launch_plan.json"); lp.ok())
    absl::StrAppend(&body, ", \"launchPlanOverrides\": ", *lp);
  if (auto exec = tools::ReadFile(dir + "execution.json"); exec.ok())
    absl::StrAppend(&body, ", \"executionOverrides\": ", *exec);
  absl::StrAppend(&body, extra, "}");
  return body;
}

constexpr char kExecutionIdInvalid[] =
    ", \"executionId\": {\"project\": \"flytesnacks\", \"domain\": "
    "\"development\", \"name\": \"exec-http-invalid\"}";

TEST(Http, ProbesApiAndMetrics) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  EXPECT_EQ(HttpCall(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(HttpCall(port, "GET", "/readyz").status, 200);

  int resolved_ok = 0;
  HttpResult result = HttpCall(port, "POST", "/v1/resolve",
                               ExampleJson("training_pipeline", ""));
  ASSERT_EQ(result.status, 200) << result.body;
  ++resolved_ok;
  EXPECT_THAT(result.body, HasSubstr("\"nodes\""));
  EXPECT_THAT(result.body, HasSubstr("\"nodePath\":\"n1/n0\""));

  // Recorded over HTTP, read back over HTTP and gRPC.
  result = HttpCall(port, "POST", "/v1/resolve",
                    ExampleJson("training_pipeline",
                                ", \"executionId\": {\"project\": "
                                "\"flytesnacks\", \"domain\": \"development\", "
                                "\"name\": \"exec-http\"}"));
  ASSERT_EQ(result.status, 200) << result.body;
  ++resolved_ok;
  result =
      HttpCall(port, "GET",
               "/v1/executions/flytesnacks/development/exec-http?node=n1/n0");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_THAT(result.body, HasSubstr("\"nodePath\":\"n1/n0\""));
  EXPECT_THAT(result.body, Not(HasSubstr("\"nodePath\":\"n2/n0\"")));
  result =
      HttpCall(port, "GET", "/v1/executions/flytesnacks/development/exec-http");
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_THAT(result.body, HasSubstr("\"nodePath\":\"n4\""));
  v1::GetResolvedResponse stored;
  EXPECT_TRUE(harness.GetResolved("exec-http", "n4", &stored).ok());
  EXPECT_EQ(HttpCall(port, "GET",
                     "/v1/executions/flytesnacks/development/exec-http?node=n9")
                .status,
            404);
  EXPECT_EQ(
      HttpCall(port, "GET", "/v1/executions/flytesnacks/development/exec-none")
          .status,
      404);

  // The invalid example: 400 with all six violations in one answer, the
  // unknown member (`timeout`) among them, and nothing recorded.
  result = HttpCall(port, "POST", "/v1/resolve",
                    ExampleJson("invalid", kExecutionIdInvalid));
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("\"violations\""));
  EXPECT_THAT(result.body, HasSubstr("INVALID_ARGUMENT"));
  for (const char* reason :
       {"REQUEST_ABOVE_LIMIT", "BAD_ENVIRONMENT_KEY", "UNKNOWN_HOOK",
        "BAD_QUANTITY", "NEGATIVE_RETRIES", "UNKNOWN_FIELD"}) {
    EXPECT_THAT(result.body, HasSubstr(absl::StrCat("\"", reason, "\"")));
  }
  EXPECT_THAT(result.body, HasSubstr("evaluate"));
  EXPECT_THAT(result.body, HasSubstr("timeout"));
  // Only the unknown member wrong: still refused, still not recorded.
  result = HttpCall(port, "POST", "/v1/resolve",
                    ExampleJson("training_pipeline",
                                absl::StrCat(kExecutionIdInvalid,
                                             ", \"options\": {\"dryRun\": "
                                             "false, \"colour\": 1}")));
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("colour"));
  EXPECT_EQ(HttpCall(port, "GET",
                     "/v1/executions/flytesnacks/development/exec-http-invalid")
                .status,
            404);

  // Not JSON at all: 400, not 500.
  result = HttpCall(port, "POST", "/v1/resolve", "\x01\x02garbage\xff{{");
  EXPECT_EQ(result.status, 400) << result.body;
  // Not HTTP at all: the server answers 400 (or hangs up), never crashes.
  result = HttpRaw(port, "\x16\x03\x01 garbage bytes\r\n\r\n");
  EXPECT_TRUE(result.status == 400 || result.status == 0) << result.status;
  EXPECT_EQ(HttpCall(port, "GET", "/healthz").status, 200);

  // A gRPC Resolve counts with the HTTP ones: one registry, one runner.
  v1::ResolveRequest request = Example("map_task");
  request.mutable_options()->set_dry_run(true);
  v1::ResolveResponse response;
  ASSERT_TRUE(harness.Resolve(request, &response).ok());
  ++resolved_ok;
  const std::string metrics = harness.Metrics();
  EXPECT_EQ(
      MetricValue(metrics,
                  "override_resolver_calls_total{rpc=\"Resolve\",code=\"OK\"}"),
      resolved_ok)
      << metrics;
  EXPECT_EQ(MetricValue(metrics,
                        "override_resolver_calls_total{rpc=\"Resolve\",code="
                        "\"INVALID_ARGUMENT\"}"),
            3)  // the invalid example, the unknown option, the body not JSON
      << metrics;
  EXPECT_THAT(metrics, HasSubstr("override_resolver_call_duration_seconds"));
  // Every call admitted has its CPU counted; a resolve costs some.
  const double admitted = resolved_ok + 3;
  EXPECT_EQ(MetricValue(metrics, "override_resolver_call_cpu_seconds_count{"
                                 "rpc=\"Resolve\"}"),
            admitted)
      << metrics;
  EXPECT_GT(MetricValue(metrics,
                        "override_resolver_call_cpu_seconds_sum{rpc=\"Resolve\"}"),
            0)
      << metrics;
}

// SIGTERM's path in process: readiness turns, in-flight calls finish, new
// ones are refused.
TEST(Http, ShutdownTurnsReadinessAndDrainsCalls) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  ASSERT_EQ(HttpCall(port, "GET", "/readyz").status, 200);
  const v1::ResolveRequest slow = BigRequest(kSlowNodes);
  auto slow_call = std::async(std::launch::async, [&] {
    v1::ResolveResponse response;
    grpc::Status status = harness.Resolve(slow, &response, absl::Seconds(60));
    return std::make_pair(status, response.nodes_size());
  });
  ASSERT_TRUE(WaitFor(
      [&] {
        return MetricValue(harness.Metrics(),
                           "override_resolver_calls_in_flight") == 1;
      },
      absl::Seconds(30)));
  auto shutdown =
      std::async(std::launch::async, [&] { harness.server().Shutdown(); });
  // While the slow call drains, /readyz says 503.
  int readyz = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        readyz = HttpCall(port, "GET", "/readyz", "", absl::Seconds(2)).status;
        return readyz == 503;
      },
      absl::Seconds(10)))
      << "last /readyz: " << readyz;
  const auto [status, nodes] = slow_call.get();
  EXPECT_TRUE(status.ok()) << CodeName(status.error_code()) << ": "
                           << status.error_message();
  EXPECT_EQ(nodes, kSlowNodes);
  ASSERT_EQ(shutdown.wait_for(std::chrono::seconds(30)),
            std::future_status::ready);
}

TEST(Http, RewrittenClosureKeepsWhatTheSubsetDoesNotDeclare) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const HttpResult result =
      HttpCall(harness.http_port(), "POST", "/v1/resolve",
               ExampleJson("training_pipeline",
                           ", \"options\": {\"rewriteClosure\": true}"));
  ASSERT_EQ(result.status, 200) << result.body;
  const size_t at = result.body.find("\"rewrittenClosure\":");
  ASSERT_NE(at, std::string::npos);
  const std::string rewritten = result.body.substr(at);
  // Interfaces and bindings are not in the subset; they come back anyway.
  EXPECT_THAT(rewritten, HasSubstr("\"interface\""));
  EXPECT_THAT(rewritten, HasSubstr("\"inputs\""));
  EXPECT_THAT(rewritten, Not(HasSubstr("runtimeOverride")));
  EXPECT_THAT(result.body, HasSubstr("\"nodes\""));
}

// What the protobuf JSON parser alone would take silently: one field under
// two spellings (last wins), an object where a list belongs, an unknown enum
// value (read as the default). Each is refused, every one in one answer,
// naming its field; and the record is not written.
TEST(Http, LenientJsonShapesAreRefusedEachNamingItsField) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  const std::string closure =
      tools::ReadFile("examples/training_pipeline/closure.json").value_or("{}");
  HttpResult result = HttpCall(
      port, "POST", "/v1/resolve",
      absl::StrCat(
          R"({"closure": )", closure,
          R"(, "executionId": {"project": "p", "domain": "d", "name": "x"},
              "options": {"unknownHooks": "BOGUS"},
              "executionOverrides": {"train": {
                "containerImage": "a:1", "container_image": "b:1",
                "resources": {"requests": {"name": "MEMORY", "value": "8Gi"}}}}})"));
  ASSERT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr(R"("reason":"BAD_ENUM_VALUE")"));
  EXPECT_THAT(result.body, HasSubstr(R"("field":"options.unknown_hooks")"));
  EXPECT_THAT(result.body, HasSubstr(R"("reason":"DUPLICATE_FIELD")"));
  EXPECT_THAT(result.body,
              HasSubstr(R"("field":"execution_overrides[train].container_image")"));
  EXPECT_THAT(result.body, HasSubstr(R"("reason":"WRONG_TYPE")"));
  EXPECT_THAT(result.body, HasSubstr("expected a list of ResourceEntry"));
  EXPECT_EQ(HttpCall(port, "GET", "/v1/executions/p/d/x").status, 404);

  // The short spelling users write is refused too, with the name to use.
  result = HttpCall(port, "POST", "/v1/resolve",
                    absl::StrCat(R"({"closure": )", closure,
                                 R"(, "options": {"unknownHooks": "WARN"}})"));
  ASSERT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("did you mean UNKNOWN_HOOKS_WARN?"));
}

// GET /v1/executions/...?explain=true: why a recorded task got its values.
TEST(Http, RecordedExecutionsExplainOnRequest) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  ASSERT_EQ(HttpCall(port, "POST", "/v1/resolve",
                     ExampleJson("training_pipeline",
                                 R"(, "executionId": {"project": "p",
                                    "domain": "d", "name": "why"})"))
                .status,
            200);
  HttpResult plain =
      HttpCall(port, "GET", "/v1/executions/p/d/why?node=n1/n0");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_THAT(plain.body, Not(HasSubstr("\"provenance\"")));
  HttpResult explained =
      HttpCall(port, "GET", "/v1/executions/p/d/why?node=n1/n0&explain=true");
  ASSERT_EQ(explained.status, 200) << explained.body;
  EXPECT_THAT(explained.body, HasSubstr("\"provenance\""));
  EXPECT_THAT(explained.body, HasSubstr("\"effective\""));
}

// The closure as `flytectl get workflow -o json` prints it (an admin
// Workflow) is accepted where a closure is read.
TEST(Http, FlytectlWorkflowOutputIsAClosure) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const std::string closure =
      tools::ReadFile("examples/training_pipeline/closure.json").value_or("{}");
  HttpResult result = HttpCall(
      harness.http_port(), "POST", "/v1/inspect",
      absl::StrCat(R"({"closure": {"id": {"resourceType": "WORKFLOW"},
                       "closure": {"compiledWorkflow": )",
                   closure, "}}}"));
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_THAT(result.body, HasSubstr("\"name\":\"train\""));
}

// The hostile body of the bounded-work report: 200 KB of nested lists once
// kept a core busy for minutes. It is refused before any parser runs.
TEST(Http, DeeplyNestedJsonIsRefusedAtOnce) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const std::string body = absl::StrCat(R"({"closure": )",
                                        std::string(100'000, '['),
                                        std::string(100'000, ']'), "}");
  const absl::Time start = absl::Now();
  HttpResult result =
      HttpCall(harness.http_port(), "POST", "/v1/resolve", body);
  EXPECT_EQ(result.status, 400) << result.body;
  EXPECT_THAT(result.body, HasSubstr("MALFORMED_REQUEST"));
  EXPECT_THAT(result.body, HasSubstr("nests deeper than 100"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // a bound, not a benchmark
  EXPECT_EQ(HttpCall(harness.http_port(), "GET", "/healthz").status, 200);
}

// GET /v1/executions/{project}/{domain}: the listing in proto3 JSON,
// page by page; bad query parameters are 400 with an HttpError naming them.
TEST(Http, ExecutionsAreListedPageByPage) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  for (const char* name : {"list-a", "list-b"}) {
    HttpResult recorded = HttpCall(
        port, "POST", "/v1/resolve",
        ExampleJson("training_pipeline",
                    absl::StrCat(", \"executionId\": {\"project\": "
                                 "\"flytesnacks\", \"domain\": "
                                 "\"development\", \"name\": \"",
                                 name, "\"}")));
    ASSERT_EQ(recorded.status, 200) << recorded.body;
    absl::SleepFor(absl::Milliseconds(2));  // distinct creation times
  }
  HttpResult page = HttpCall(port, "GET",
                             "/v1/executions/flytesnacks/development?page_size=1");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("\"name\":\"list-b\""));
  EXPECT_THAT(page.body, Not(HasSubstr("list-a")));
  EXPECT_THAT(page.body, HasSubstr("\"createdAt\":\""));
  EXPECT_THAT(page.body, HasSubstr(
      "\"overriddenHooks\":[\"challenger\",\"evaluate\",\"train\"]"));
  const std::string key = "\"nextPageToken\":\"";
  const size_t at = page.body.find(key);
  ASSERT_NE(at, std::string::npos) << page.body;
  const std::string token = page.body.substr(
      at + key.size(), page.body.find('"', at + key.size()) - at - key.size());
  page = HttpCall(port, "GET",
                  absl::StrCat("/v1/executions/flytesnacks/development?"
                               "page_size=1&page_token=", token));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("\"name\":\"list-a\""));
  EXPECT_THAT(page.body, Not(HasSubstr("nextPageToken")));
  // Another org, or another domain, has none of them.
  page = HttpCall(port, "GET", "/v1/executions/flytesnacks/development?org=o");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "{}");

  for (const auto& [query, reason] :
       std::vector<std::pair<std::string, std::string>>{
           {"page_size=ten", "BAD_PAGE_SIZE"},
           {"page_size=-1", "BAD_PAGE_SIZE"},
           {"page_token=bm9wZQ", "BAD_PAGE_TOKEN"},
           {"pageSize=10", "UNKNOWN_FIELD"}}) {
    HttpResult bad = HttpCall(
        port, "GET",
        absl::StrCat("/v1/executions/flytesnacks/development?", query));
    EXPECT_EQ(bad.status, 400) << query << ": " << bad.body;
    EXPECT_THAT(bad.body, HasSubstr(absl::StrCat("\"", reason, "\"")));
    EXPECT_THAT(bad.body, HasSubstr("\"status\":\"INVALID_ARGUMENT\""));
  }
  EXPECT_EQ(HttpCall(port, "GET", "/v1/executions/flytesnacks").status, 404);
  EXPECT_EQ(
      MetricValue(harness.Metrics(),
                  "override_resolver_calls_total{rpc=\"ListExecutions\","
                  "code=\"INVALID_ARGUMENT\"}"),
      4);
}

}  // namespace
}  // namespace flyteoverride::tests
