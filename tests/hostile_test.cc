// A hostile client over real sockets (docs/design.md section 10): what it
// sends costs the server a bounded amount, probes answer throughout, and
// the server stays SERVING after it.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tools/inputs.h"
#include "tools/remote.h"
#include "config/config.h"
#include "storage/memory_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::testing::HasSubstr;

// 300 clients that send headers (and half a body) and stall cannot make the
// probes wait: they are served on a listener of their own.
TEST(Hostile, StalledConnectionsDoNotStopTheProbes) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  std::vector<StalledConnection> stalled;
  for (int i = 0; i < 300; ++i) {
    stalled.emplace_back(harness.http_port(),
                         i % 2 == 0
                             ? "POST /v1/resolve HTTP/1.1\r\nHost: x\r\n"
                             : "POST /v1/resolve HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 100000\r\n\r\n{\"closure\":");
  }
  const int probes = harness.server().probe_port();
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    const absl::Time start = absl::Now();
    const HttpResult result =
        HttpCall(probes, "GET", path, "", absl::Seconds(2));
    EXPECT_EQ(result.status, 200) << path << ": " << result.body;
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << path;
  }
  EXPECT_EQ(harness.Check(""), grpc::health::v1::HealthCheckResponse::SERVING);
  // The probe port serves nothing else.
  const HttpResult api = HttpCall(probes, "POST", "/v1/resolve", "{}");
  EXPECT_EQ(api.status, 404) << api.body;
  EXPECT_THAT(api.body, HasSubstr("probe port"));
}

// Sends `bytes` as the request of `method` and returns the status.
grpc::Status RawCall(grpc::Channel* channel, const char* method,
                     const std::string& bytes) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Seconds(10)));
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel,
      grpc::internal::RpcMethod(method, grpc::internal::RpcMethod::NORMAL_RPC),
      &context, request, &response);
}

// A request nested `levels` branch nodes deep: about four messages a level.
std::string DeeplyNested(int levels) {
  v1::ResolveRequest request;
  flyteidl::core::Node* node =
      request.mutable_closure()->mutable_primary()->mutable_template_()->add_nodes();
  for (int i = 0; i < levels; ++i) {
    node->set_id(absl::StrCat("b", i));
    node = node->mutable_branch_node()
               ->mutable_if_else()
               ->mutable_case_()
               ->mutable_then_node();
  }
  return request.SerializeAsString();
}

// Headers that trickle a byte at a time never let the connection go idle;
// the server closes it when their time (10 s) is up, and the probes answer
// throughout.
TEST(Hostile, TrickledHeadersAreCutWhenTheirTimeIsUp) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  StalledConnection client(harness.http_port(), "POST /v1/resolve HTTP/1.1\r\n");
  const absl::Time start = absl::Now();
  bool open = true;
  while (open && absl::Now() - start < absl::Seconds(20)) {
    absl::SleepFor(absl::Milliseconds(500));
    open = client.Send("X");
    ASSERT_EQ(HttpCall(harness.server().probe_port(), "GET", "/healthz",
                       "", absl::Seconds(1))
                  .status,
              200);
  }
  EXPECT_FALSE(open);
  EXPECT_GE(absl::Now() - start, absl::Seconds(9));
  EXPECT_LT(absl::Now() - start, absl::Seconds(12));
}

// Bytes gRPC cannot parse are the caller's mistake, never INTERNAL: the
// service reads them itself, with its own nesting limit.
TEST(Hostile, UnparseableGrpcBytesAreInvalidArgument) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const std::string valid = Example("training_pipeline").SerializeAsString();
  std::string bad_utf8;
  {
    v1::ResolveRequest request;
    request.mutable_execution_id()->set_name("x");
    bad_utf8 = request.SerializeAsString();
    bad_utf8.back() = '\xff';  // the name's one byte
  }
  struct Case {
    const char* name;
    std::string bytes;
  };
  for (const Case& row : std::vector<Case>{
           {"truncated", valid.substr(0, valid.size() / 2)},
           {"garbage", "\x0a\xff\xff\xff\xff\x0f garbage"},
           {"invalid UTF-8 in a string", bad_utf8},
           {"nested past the limit", DeeplyNested(200)}}) {
    const grpc::Status status = RawCall(
        harness.channel().get(), "/flyteoverride.v1.OverrideResolver/Resolve",
        row.bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << row.name << ": " << status.error_message();
    const auto violations =
        tools::ViolationsFromDetails(status.error_details());
    ASSERT_EQ(violations.size(), 1u) << row.name;
    EXPECT_EQ(violations[0].reason(), "MALFORMED_REQUEST") << row.name;
  }
  // Within the limit, a deep closure reaches the resolver, which judges it.
  const grpc::Status deep = RawCall(harness.channel().get(),
                                    "/flyteoverride.v1.OverrideResolver/Resolve",
                                    DeeplyNested(40));
  EXPECT_NE(deep.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << deep.error_message();
  EXPECT_EQ(harness.Check(""), grpc::health::v1::HealthCheckResponse::SERVING);
}

// `nodes` empty nodes: 2 bytes each on the wire, a whole message each once
// parsed. With the closure, primary and template: nodes + 3 elements.
std::string EmptyNodes(int nodes) {
  v1::ResolveRequest request;
  auto* workflow =
      request.mutable_closure()->mutable_primary()->mutable_template_();
  for (int i = 0; i < nodes; ++i) workflow->add_nodes();
  return request.SerializeAsString();
}

// The same as JSON: 2 * nodes + 4 objects, lists and members.
std::string EmptyNodesJson(int nodes) {
  std::string body = R"({"closure":{"primary":{"template":{"nodes":[)";
  for (int i = 0; i < nodes; ++i) body += i == 0 ? "{}" : ",{}";
  return body + "]}}}}";
}

bool RefusedForElements(const grpc::Status& status) {
  const auto violations = tools::ViolationsFromDetails(status.error_details());
  return status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
         violations.size() == 1 &&
         violations[0].reason() == "TOO_MANY_ELEMENTS";
}

// What parsing may build is counted before the parse, over gRPC and HTTP
// alike: limit - 1 and limit pass on to the resolver, limit + 1 is refused.
TEST(Hostile, ElementsAreCountedBeforeTheParse) {
  config::Config config = TestConfig();
  config.max_request_elements = 1000;
  START_HARNESS(harness, config, storage::MemoryStore::Create());
  const char* resolve = "/flyteoverride.v1.OverrideResolver/Resolve";
  for (int elements : {999, 1000, 1001}) {
    const grpc::Status status =
        RawCall(harness.channel().get(), resolve, EmptyNodes(elements - 3));
    EXPECT_EQ(RefusedForElements(status), elements > 1000)
        << elements << ": " << status.error_message();
  }
  for (int nodes : {497, 498, 499}) {  // 998, 1000, 1002 elements
    const HttpResult result = HttpCall(harness.http_port(), "POST",
                                       "/v1/resolve", EmptyNodesJson(nodes));
    EXPECT_EQ(result.status == 413 &&
                  result.body.find("TOO_MANY_ELEMENTS") != std::string::npos,
              nodes == 499)
        << nodes << ": " << result.status << " " << result.body.substr(0, 300);
  }
}

// With the defaults: 2.5 million empty nodes (5 MB as protobuf, 7.5 MB as
// JSON) would take gigabytes once parsed; they are refused at once, and
// memory stays within the budget.
TEST(Hostile, ParseAmplificationIsRefusedWithTheDefaults) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const absl::Time start = absl::Now();
  const grpc::Status status =
      RawCall(harness.channel().get(),
              "/flyteoverride.v1.OverrideResolver/Resolve", EmptyNodes(2'500'000));
  EXPECT_TRUE(RefusedForElements(status)) << status.error_message();
  const HttpResult result =
      HttpCall(harness.http_port(), "POST", "/v1/resolve",
               EmptyNodesJson(2'500'000), absl::Seconds(30));
  EXPECT_EQ(result.status, 413) << result.body.substr(0, 300);
  EXPECT_THAT(result.body, HasSubstr("TOO_MANY_ELEMENTS"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(harness.Check(""), grpc::health::v1::HealthCheckResponse::SERVING);
}

// Memory is admitted before it is spent: a declared body over the limit is
// refused before a byte of it is read, and bodies beyond the in-flight
// budget are refused (503, Retry-After) rather than held.
TEST(Hostile, RequestBytesAreAdmittedBeforeTheyAreRead) {
  config::Config config = TestConfig();
  config.max_message_bytes = 1000;
  config.max_request_bytes_in_flight = 1500;
  START_HARNESS(harness, config, storage::MemoryStore::Create());
  const int port = harness.http_port();
  auto headers = [](size_t length) {
    return absl::StrCat("POST /v1/resolve HTTP/1.1\r\nHost: x\r\n",
                        "Connection: close\r\nContent-Length: ", length,
                        "\r\n\r\n");
  };
  HttpResult over = HttpRaw(port, headers(1001), absl::Seconds(5));
  EXPECT_EQ(over.status, 413) << over.body;
  // 999 bytes of one body are held by a client that stalls; a second body
  // of 1000 cannot fit beside them.
  StalledConnection holding(port, headers(1000) + std::string(999, ' '));
  absl::SleepFor(absl::Milliseconds(300));
  HttpResult full =
      HttpRaw(port, headers(1000) + std::string(1000, ' '), absl::Seconds(5));
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_THAT(full.body, HasSubstr("retry"));
  // A client that declares much and sends nothing holds nothing: a body
  // that fits beside the first is read and judged as usual.
  StalledConnection declaring(port, headers(1000));
  HttpResult small = HttpCall(port, "POST", "/v1/resolve", "{}");
  EXPECT_NE(small.status, 503) << small.body;
  EXPECT_EQ(HttpCall(harness.server().probe_port(), "GET", "/healthz").status,
            200);
}

// This process's resident memory, in bytes (0 when unknown).
size_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    size_t kib = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %zu kB", &kib) == 1)
      return kib * 1024;
  }
  return 0;
}

// The hostile requests of the bounded-work report, each answered at once
// with its limit, and memory after them within what docs/operations.md
// promises (the server and this test share the process: a generous bound).
TEST(Hostile, HostileRequestsAreRefusedAtOnceWithinTheMemoryBudget) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  const std::string closure =
      tools::ReadFile("examples/training_pipeline/closure.json").value_or("{}");
  std::string many_keys = R"({"train": {"environment": {)";
  for (int i = 0; i < 100'000; ++i)
    absl::StrAppend(&many_keys, i ? "," : "", "\"K", i, "\":\"v\"");
  absl::StrAppend(&many_keys, "}}}");
  std::string many_unknown = "{";
  for (int i = 0; i < 20'000; ++i)
    absl::StrAppend(&many_unknown, i ? "," : "", "\"nohook", i,
                    "\": {\"retries\": 1}");
  absl::StrAppend(&many_unknown, "}");
  struct Case {
    const char* name;
    std::string body;
    const char* reason;
  };
  for (const Case& row : std::vector<Case>{
           {"100,000 environment keys",
            absl::StrCat(R"({"closure": )", closure,
                         R"(, "executionOverrides": )", many_keys, "}"),
            "TOO_MANY_ENVIRONMENT_KEYS"},
           {"20,000 unknown hook names",
            absl::StrCat(R"({"closure": )", closure,
                         R"(, "executionOverrides": )", many_unknown, "}"),
            "TOO_MANY_MAP_ENTRIES"},
           {"a node id of 100 KB",
            absl::StrCat(R"({"closure": {"primary": {"template": {"nodes": [{"id": ")",
                         std::string(100'000, 'n'), R"("}]}}}})"),
            "NODE_ID_TOO_LONG"}}) {
    const absl::Time start = absl::Now();
    const HttpResult result = HttpCall(port, "POST", "/v1/resolve", row.body,
                                       absl::Seconds(30));
    EXPECT_EQ(result.status, 413) << row.name << ": " << result.body.substr(0, 300);
    EXPECT_THAT(result.body, HasSubstr(row.reason)) << row.name;
    EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << row.name;
    EXPECT_EQ(HttpCall(harness.server().probe_port(), "GET", "/healthz").status,
              200);
  }
  const size_t rss = ResidentBytes();
  ASSERT_GT(rss, 0u);
  EXPECT_LT(rss, size_t{512} << 20) << "resident: " << (rss >> 20) << " MiB";
}

}  // namespace
}  // namespace flyteoverride::tests
