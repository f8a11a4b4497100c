// Authorization beyond the rules' table (docs/security.md), against the
// servers of tests/auth_fixture.h: refusals that reveal nothing, secrets,
// the HTTP API and HTTPS, overridectl's token file, audit lines.
#include <cstdlib>
#include <algorithm>
#include <map>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "encoding/json_format.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "tests/auth_fixture.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"
#include "tools/inputs.h"
#include "tools/remote.h"

namespace flyteoverride::tests {
namespace {

using ::testing::HasSubstr;

class AuthTest : public AuthServers, public testing::Test {
 public:
  static void SetUpTestSuite() { StartServers(); }
  static void TearDownTestSuite() { StopServers(); }
};

TEST_F(AuthTest, ARefusalDoesNotRevealWhetherARecordExists) {
  const Row existing{"", "stranger", "", kGet, "ml-proj", "development", D};
  const Row missing{"", "stranger", "", kGet, "ml-proj", "development", D};
  const grpc::Status a = Call(Stub("stranger").get(), existing, "", 0);
  v1::GetResolvedRequest request;
  request.mutable_execution_id()->set_project("ml-proj");
  request.mutable_execution_id()->set_domain("development");
  request.mutable_execution_id()->set_name("never-recorded");
  v1::GetResolvedResponse response;
  grpc::ClientContext context;
  const grpc::Status b =
      Stub("stranger")->GetResolved(&context, request, &response);
  EXPECT_EQ(a.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(b.error_code(), a.error_code());
  EXPECT_EQ(b.error_message(), a.error_message());
  (void)missing;
}

// The secret's value as `certificate` (and `token`) reads it back.
std::string SecretAsReadBy(v1::OverrideResolver::Stub* stub,
                           const std::string& token, std::string* plain) {
  v1::GetResolvedRequest request;
  request.mutable_execution_id()->set_project("ml-proj");
  request.mutable_execution_id()->set_domain("development");
  request.mutable_execution_id()->set_name("e1");
  request.set_explain(true);
  v1::GetResolvedResponse response;
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  const grpc::Status status = stub->GetResolved(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::string secret;
  for (const v1::ResolvedNode& node : response.nodes()) {
    const auto& environment = node.overrides().environment();
    if (auto it = environment.find("API_TOKEN"); it != environment.end())
      secret = it->second;
    if (auto it = environment.find("LEVEL"); it != environment.end())
      *plain = it->second;
    for (const v1::ProvenanceEntry& entry : node.provenance()) {
      // Explained values are redacted with the rest.
      if (entry.field() == "environment.API_TOKEN") {
        EXPECT_EQ(entry.assignment().value().string_value(), secret);
      }
    }
  }
  return secret;
}

TEST_F(AuthTest, SecretsAreShownOnlyToRulesThatRevealThem) {
  std::string plain;
  EXPECT_EQ(SecretAsReadBy(Stub("propeller").get(), "", &plain), "s3cret");
  EXPECT_EQ(plain, "debug");
  plain.clear();
  EXPECT_EQ(SecretAsReadBy(Stub("admin").get(), "", &plain), "<redacted>");
  EXPECT_EQ(plain, "debug");
  EXPECT_EQ(SecretAsReadBy(Stub("stranger").get(), Token("alice"), &plain),
            "<redacted>");
}

// The HTTP API takes bearer tokens, and names the scheme when there is none.
TEST_F(AuthTest, TheHttpApiIsProtectedTheSameWay) {
  const int port = http_->http_port();
  auto bearer = [](const std::string& token) {
    return std::vector<std::string>{"Authorization: Bearer " + token};
  };
  const std::string read = "/v1/executions/ml-proj/development/e1";
  HttpResult none = HttpCall(port, "GET", read);
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_THAT(none.headers, HasSubstr("WWW-Authenticate: Bearer"));
  HttpResult expired =
      HttpCall(port, "GET", read, "", absl::Seconds(10), bearer(Token("expired")));
  EXPECT_EQ(expired.status, 401) << expired.body;
  HttpResult alice =
      HttpCall(port, "GET", read, "", absl::Seconds(10), bearer(Token("alice")));
  EXPECT_EQ(alice.status, 200) << alice.body;
  // JSON writes "<" and ">" as \u003c and \u003e.
  EXPECT_THAT(alice.body, HasSubstr("redacted"));
  EXPECT_THAT(alice.body, testing::Not(HasSubstr("s3cret")));
  HttpResult prod = HttpCall(port, "GET", "/v1/executions/prod/production/e2",
                             "", absl::Seconds(10), bearer(Token("alice")));
  EXPECT_EQ(prod.status, 403) << prod.body;
  const std::string body = encoding::DeterministicJson(
      Request("ml-proj", "development", "http-1", true), false);
  HttpResult preview = HttpCall(port, "POST", "/v1/resolve", body,
                                absl::Seconds(10), bearer(Token("alice")));
  EXPECT_EQ(preview.status, 200) << preview.body.substr(0, 300);
  const std::string record = encoding::DeterministicJson(
      Request("ml-proj", "development", "http-2", false), false);
  HttpResult squat = HttpCall(port, "POST", "/v1/resolve", record,
                              absl::Seconds(10), bearer(Token("alice")));
  EXPECT_EQ(squat.status, 403) << squat.body;
  HttpResult recorded = HttpCall(port, "POST", "/v1/resolve", record,
                                 absl::Seconds(10), bearer(Token("recorder")));
  EXPECT_EQ(recorded.status, 200) << recorded.body.substr(0, 300);
}

// With TLS the HTTP API is HTTPS, and a client certificate names the caller
// there as on gRPC.
TEST_F(AuthTest, OverHttpsTheClientCertificateNamesTheCaller) {
  const int port = grpc_->http_port();
  const std::string read = "/v1/executions/ml-proj/development/e1";
  auto as = [&](const std::string& who) {
    return HttpsCall(port, "GET", read, "", File("ca.crt"), File(who + ".crt"),
                     File(who + ".key"));
  };
  const HttpResult propeller = as("propeller");
  EXPECT_EQ(propeller.status, 200) << propeller.body;
  EXPECT_THAT(propeller.body, HasSubstr("s3cret"));
  const HttpResult admin = as("admin");
  EXPECT_EQ(admin.status, 200) << admin.body;
  EXPECT_THAT(admin.body, testing::Not(HasSubstr("s3cret")));
  EXPECT_EQ(as("stranger").status, 403);
  EXPECT_EQ(HttpsCall(port, "GET", read, "", File("ca.crt"), "", "").status,
            401);
}

// overridectl's client sends the token of --token-file.
TEST_F(AuthTest, OverridectlSendsTheTokenOfItsTokenFile) {
  ASSERT_TRUE(WriteFile(File("alice.token"), Token("alice") + "\n"));
  v1::GetResolvedRequest request;
  request.mutable_execution_id()->set_project("ml-proj");
  request.mutable_execution_id()->set_domain("development");
  request.mutable_execution_id()->set_name("e1");
  for (const bool with_token : {true, false}) {
    tools::RemoteOptions options;
    options.address = absl::StrCat("127.0.0.1:", http_->grpc_port());
    if (with_token) options.token_file = File("alice.token");
    auto remote = tools::Remote::Connect(options);
    ASSERT_TRUE(remote.ok()) << remote.status();
    v1::GetResolvedResponse response;
    tools::RemoteError error;
    const bool ok = (*remote)->GetResolved(request, &response, &error);
    EXPECT_EQ(ok, with_token) << error.status;
    if (!with_token) {
      EXPECT_EQ(error.status.code(), absl::StatusCode::kUnauthenticated);
    }
  }
}

// A record read (or a listing) leaves one audit line naming who, under
// which rule, what and how it ended; never a value.
TEST_F(AuthTest, ReadsAndWritesLeaveAnAuditLineWithoutValues) {
  std::ostringstream lines;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines);
  spdlog::default_logger()->sinks().push_back(sink);
  std::string plain;
  SecretAsReadBy(Stub("propeller").get(), "", &plain);
  const Row refused{"", "stranger", "", kGet, "ml-proj", "development", D};
  Call(Stub("stranger").get(), refused, "", 0);
  const Row listing{"", "mlbot", "", kList, "ml-proj", "development", G};
  Call(Stub("mlbot").get(), listing, "", 0);
  spdlog::default_logger()->flush();
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::find(sinks.begin(), sinks.end(), sink));
  const std::string log = lines.str();
  EXPECT_THAT(log, HasSubstr("audit"));
  EXPECT_THAT(log, HasSubstr(
                       "principal=spiffe://cluster.local/ns/flyte/sa/flytepropeller "
                       "rule=propeller rpc=GetResolved "
                       "execution=ml-proj/development/e1"));
  EXPECT_THAT(log, HasSubstr("outcome=OK"));
  EXPECT_THAT(log, HasSubstr("principal=spiffe://cluster.local/ns/other/sa/x "
                             "rpc=GetResolved"));
  EXPECT_THAT(log, HasSubstr("outcome=PERMISSION_DENIED"));
  // A listing names its scope.
  EXPECT_THAT(log, HasSubstr("principal=ml-bot.example.com rule=ml-bot "
                             "rpc=ListExecutions "
                             "execution=ml-proj/development/*"));
  EXPECT_THAT(log, testing::Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace flyteoverride::tests
