// Who may ask (docs/security.md), over real sockets: a server with mutual
// TLS and an `auth:` section on gRPC, and one without TLS for the HTTP API,
// over one SQLite file. Certificates are made by openssl for this run (a CA,
// clients with a SPIFFE URI, a DNS name or only a CN, a client of another
// CA and an expired one); tokens are signed here with keys made here.
#include <cstdlib>
#include <algorithm>
#include <map>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/test_credentials.h"
#include "config/config.h"
#include "encoding/json_format.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "storage/sqlite_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"
#include "tools/inputs.h"
#include "tools/remote.h"

namespace flyteoverride::tests {
namespace {

using ::testing::HasSubstr;
namespace creds = auth::testing;

// Sourced after tests/certificates.sh, in the test's own directory.
constexpr char kMakeCertificates[] = R"(
ca ca
ca rogue-ca
leaf server ca server "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf admin ca admin "subjectAltName=URI:spiffe://cluster.local/ns/flyte/sa/flyteadmin
extendedKeyUsage=clientAuth"
leaf propeller ca propeller "subjectAltName=URI:spiffe://cluster.local/ns/flyte/sa/flytepropeller
extendedKeyUsage=clientAuth"
leaf stranger ca stranger "subjectAltName=URI:spiffe://cluster.local/ns/other/sa/x
extendedKeyUsage=clientAuth"
leaf mlbot ca mlbot "subjectAltName=DNS:ml-bot.example.com
extendedKeyUsage=clientAuth"
leaf operator ca ml-operator "extendedKeyUsage=clientAuth"
leaf rogue rogue-ca rogue "subjectAltName=URI:spiffe://cluster.local/ns/flyte/sa/flyteadmin
extendedKeyUsage=clientAuth"
expired_leaf expired ca expired "subjectAltName=URI:spiffe://cluster.local/ns/flyte/sa/flyteadmin
extendedKeyUsage=clientAuth"
)";

constexpr char kRules[] = R"(
auth:
  jwt: {issuer: "https://idp.example.com", audience: "flyteoverride", jwks_file: JWKS}
  rules:
    - name: propeller
      principals: ["spiffe://cluster.local/ns/flyte/sa/flytepropeller"]
      allow: [GetResolved, ResolveDynamic]
      reveal_secrets: true
    - name: flyteadmin
      principals: ["spiffe://cluster.local/ns/flyte/sa/flyteadmin"]
      allow: [InspectWorkflow, Resolve, GetResolved]
    - name: ml-team
      groups: ["ml-engineers"]
      allow: [InspectWorkflow, "Resolve:dry_run", GetResolved]
      projects: ["ml-*"]
      domains: [development, staging]
    - name: ml-bot
      principals: ["ml-bot.example.com"]
      allow: [GetResolved, ListExecutions]
      projects: ["ml-*"]
    - name: ml-operator
      principals: ["ml-operator"]
      allow: [ResolveDynamic]
      projects: ["ml-*"]
    - name: recorder
      principals: ["recorder"]
      allow: [Resolve]
secret_environment: ["*_TOKEN"]
storage: {driver: sqlite, sqlite_path: DB}
)";

enum class Rpc { kInspect, kResolveDry, kResolveRecord, kGet, kDynamic, kList };

// What a row expects: the rules let the call through (any code but the two
// refusals: the call itself may still fail), or one refusal.
enum class Expect { kGranted, kDenied, kUnauthenticated, kNoHandshake };

struct Row {
  const char* name;
  const char* certificate;  // a client certificate file's stem
  const char* token;        // a key of Tokens(); "" for none
  Rpc rpc;
  const char* project;
  const char* domain;
  Expect expect;
  const char* header = "authorization";
};

class AuthTest : public testing::TestWithParam<Row> {
 public:
  static void SetUpTestSuite() {
    dir_ = new std::string(absl::StrCat(TmpDir(), "/auth"));
    const std::string script = absl::StrCat(*dir_, ".sh");
    ASSERT_TRUE(WriteFile(script, CertificateScript(kMakeCertificates)));
    const std::string command =
        absl::StrCat("rm -rf ", *dir_, " && mkdir -p ", *dir_, " && cd ", *dir_,
                     " && sh ", script, " >", *dir_, "/openssl.log 2>&1");
    ASSERT_EQ(std::system(command.c_str()), 0)
        << tools::ReadFile(*dir_ + "/openssl.log").value_or("");
    MakeTokens();
    std::string yaml = kRules;
    yaml.replace(yaml.find("JWKS"), 4, File("jwks.json"));
    yaml.replace(yaml.find("DB"), 2, File("records.db"));
    auto parsed = config::ParseConfig(yaml);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    config::Config config = *parsed;
    config.grpc_port = 0;
    config.http_port = 0;
    config.shutdown_grace = absl::Seconds(2);
    // The HTTP API's server: no TLS (bearer tokens only).
    http_ = Start(config).release();
    ASSERT_NE(http_, nullptr);
    config.tls.cert_file = File("server.crt");
    config.tls.key_file = File("server.key");
    config.tls.client_ca_file = File("ca.crt");
    grpc_ = Start(config).release();
    ASSERT_NE(grpc_, nullptr);
    // The records the reads read, written as FlyteAdmin writes them.
    for (const char* execution : {"ml-proj/development/e1",
                                  "prod/production/e2"}) {
      const std::vector<std::string> id = absl::StrSplit(execution, '/');
      v1::ResolveResponse response;
      grpc::ClientContext context;
      ASSERT_TRUE(Stub("admin")
                      ->Resolve(&context, Request(id[0], id[1], id[2], false),
                                &response)
                      .ok())
          << execution;
    }
  }

  static void TearDownTestSuite() {
    delete grpc_;
    delete http_;
  }

 protected:
  static std::string File(const std::string& name) {
    return absl::StrCat(*dir_, "/", name);
  }

  static std::unique_ptr<server::Server> Start(const config::Config& config) {
    auto store = storage::SqliteStore::Open({config.storage.sqlite_path});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return nullptr;
    auto started = server::Server::Start(config, *std::move(store));
    EXPECT_TRUE(started.ok()) << started.status();
    return started.ok() ? *std::move(started) : nullptr;
  }

  // Keys of the IdP (RS256 "rsa-1", ES256 "ec-1") in the JWKS file, and a
  // key it does not publish.
  static void MakeTokens() {
    static auth::UniquePkey* rsa = new auth::UniquePkey(creds::NewRsaKey());
    static auth::UniquePkey* ec = new auth::UniquePkey(creds::NewEcKey());
    static auth::UniquePkey* other = new auth::UniquePkey(creds::NewRsaKey());
    ASSERT_TRUE(WriteFile(
        File("jwks.json"),
        creds::JwksJson({creds::PublicJwk(rsa->get(), "rsa-1"),
                         creds::PublicJwk(ec->get(), "ec-1")})));
    const absl::Time now = absl::Now();
    auto claims = [now](absl::string_view sub, bool groups) {
      google::protobuf::Struct c = creds::StandardClaims(now);
      (*c.mutable_fields())["sub"].set_string_value(std::string(sub));
      if (!groups) c.mutable_fields()->erase("groups");
      return c;
    };
    tokens_ = new std::map<std::string, std::string>();
    auto& t = *tokens_;
    t["alice"] = creds::SignJwt(creds::Header("RS256", "rsa-1"),
                                claims("alice", true), rsa->get());
    t["alice-ec"] = creds::SignJwt(creds::Header("ES256", "ec-1"),
                                   claims("alice", true), ec->get());
    t["bob"] = creds::SignJwt(creds::Header("RS256", "rsa-1"),
                              claims("bob", false), rsa->get());
    t["recorder"] = creds::SignJwt(creds::Header("RS256", "rsa-1"),
                                   claims("recorder", false), rsa->get());
    google::protobuf::Struct expired = claims("alice", true);
    (*expired.mutable_fields())["exp"].set_number_value(
        absl::ToUnixSeconds(now - absl::Hours(1)));
    (*expired.mutable_fields())["iat"].set_number_value(
        absl::ToUnixSeconds(now - absl::Hours(2)));
    t["expired"] = creds::SignJwt(creds::Header("RS256", "rsa-1"), expired,
                                  rsa->get());
    google::protobuf::Struct issuer = claims("alice", true);
    (*issuer.mutable_fields())["iss"].set_string_value("https://evil.example");
    t["wrong-issuer"] =
        creds::SignJwt(creds::Header("RS256", "rsa-1"), issuer, rsa->get());
    google::protobuf::Struct audience = claims("alice", true);
    (*audience.mutable_fields())["aud"].set_string_value("someone-else");
    t["wrong-audience"] =
        creds::SignJwt(creds::Header("RS256", "rsa-1"), audience, rsa->get());
    t["wrong-key"] = creds::SignJwt(creds::Header("RS256", "rsa-1"),
                                    claims("alice", true), other->get());
    t["alg-none"] = absl::StrCat(
        creds::Base64Url(creds::Json(creds::Header("none", ""))), ".",
        creds::Base64Url(creds::Json(claims("alice", true))), ".");
    t["hs256"] = creds::SignHs256(creds::Header("HS256", "rsa-1"),
                                  claims("alice", true), "guessable");
    t["garbage"] = "not.a.token";
  }

  static std::unique_ptr<v1::OverrideResolver::Stub> Stub(
      const std::string& certificate) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = tools::ReadFile(File("ca.crt")).value_or("");
    if (!certificate.empty()) {
      options.pem_cert_chain =
          tools::ReadFile(File(certificate + ".crt")).value_or("");
      options.pem_private_key =
          tools::ReadFile(File(certificate + ".key")).value_or("");
    }
    return v1::OverrideResolver::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", grpc_->grpc_port()),
        grpc::SslCredentials(options)));
  }

  // The training example, with a secret and a plain environment value.
  static v1::ResolveRequest Request(const std::string& project,
                                    const std::string& domain,
                                    const std::string& name, bool dry_run) {
    v1::ResolveRequest request = Example("training_pipeline");
    request.mutable_execution_id()->set_project(project);
    request.mutable_execution_id()->set_domain(domain);
    request.mutable_execution_id()->set_name(name);
    request.mutable_options()->set_dry_run(dry_run);
    auto& environment =
        *(*request.mutable_execution_overrides())["train"].mutable_environment();
    environment["API_TOKEN"] = "s3cret";
    environment["LEVEL"] = "debug";
    return request;
  }

  static std::string Token(const std::string& name) {
    return name.empty() ? "" : tokens_->at(name);
  }

  static grpc::Status Call(v1::OverrideResolver::Stub* stub, const Row& row,
                             const std::string& token, int serial) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata(row.header, "Bearer " + token);
    const std::string name =
        absl::StrCat(row.project, "/", row.domain).find("prod") == 0 ? "e2" : "e1";
    switch (row.rpc) {
      case Rpc::kInspect: {
        v1::InspectWorkflowRequest request;
        *request.mutable_closure() = Example("training_pipeline").closure();
        request.set_project(row.project);
        request.set_domain(row.domain);
        v1::InspectWorkflowResponse response;
        return stub->InspectWorkflow(&context, request, &response);
      }
      case Rpc::kResolveDry:
      case Rpc::kResolveRecord: {
        v1::ResolveResponse response;
        return stub->Resolve(
            &context,
            Request(row.project, row.domain,
                            absl::StrCat("new-", serial),
                            row.rpc == Rpc::kResolveDry),
            &response);
      }
      case Rpc::kGet: {
        v1::GetResolvedRequest request;
        request.mutable_execution_id()->set_project(row.project);
        request.mutable_execution_id()->set_domain(row.domain);
        request.mutable_execution_id()->set_name(name);
        v1::GetResolvedResponse response;
        return stub->GetResolved(&context, request, &response);
      }
      case Rpc::kDynamic: {
        v1::ResolveDynamicRequest request;
        request.mutable_execution_id()->set_project(row.project);
        request.mutable_execution_id()->set_domain(row.domain);
        request.mutable_execution_id()->set_name(name);
        request.set_parent_node_path("no-such-node");
        v1::ResolveDynamicResponse response;
        return stub->ResolveDynamic(&context, request, &response);
      }
      case Rpc::kList: {
        v1::ListExecutionsRequest request;
        request.set_project(row.project);
        request.set_domain(row.domain);
        v1::ListExecutionsResponse response;
        return stub->ListExecutions(&context, request, &response);
      }
    }
    return grpc::Status::CANCELLED;
  }

  static std::string* dir_;
  static std::map<std::string, std::string>* tokens_;
  static server::Server* grpc_;
  static server::Server* http_;
};

std::string* AuthTest::dir_ = nullptr;
std::map<std::string, std::string>* AuthTest::tokens_ = nullptr;
server::Server* AuthTest::grpc_ = nullptr;
server::Server* AuthTest::http_ = nullptr;


int serial = 0;

TEST_P(AuthTest, TheRulesDecide) {
  const Row& row = GetParam();
  const grpc::Status status =
      Call(Stub(row.certificate).get(), row, Token(row.token), ++serial);
  const grpc::StatusCode code = status.error_code();
  switch (row.expect) {
    case Expect::kGranted:
      EXPECT_NE(code, grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
      EXPECT_NE(code, grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
      EXPECT_NE(code, grpc::StatusCode::UNAVAILABLE) << status.error_message();
      break;
    case Expect::kDenied:
      EXPECT_EQ(code, grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
      break;
    case Expect::kUnauthenticated:
      EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
      break;
    case Expect::kNoHandshake:
      EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE) << status.error_message();
      break;
  }
}

constexpr Expect G = Expect::kGranted, D = Expect::kDenied,
                 U = Expect::kUnauthenticated, H = Expect::kNoHandshake;
constexpr Rpc kInspect = Rpc::kInspect, kDry = Rpc::kResolveDry,
              kRecord = Rpc::kResolveRecord, kGet = Rpc::kGet,
              kDynamic = Rpc::kDynamic, kList = Rpc::kList;

INSTANTIATE_TEST_SUITE_P(
    Matrix, AuthTest,
    testing::Values(
        // FlyteAdmin: inspect, resolve and read anywhere; no dynamic nodes.
        Row{"admin_inspect", "admin", "", kInspect, "ml-proj", "development", G},
        Row{"admin_dry_run", "admin", "", kDry, "ml-proj", "development", G},
        Row{"admin_records", "admin", "", kRecord, "prod", "production", G},
        Row{"admin_reads", "admin", "", kGet, "prod", "production", G},
        Row{"admin_no_dynamic", "admin", "", kDynamic, "ml-proj", "development", D},
        // Propeller: reads and dynamic nodes; it may not squat on ids.
        Row{"propeller_reads", "propeller", "", kGet, "ml-proj", "development", G},
        Row{"propeller_dynamic", "propeller", "", kDynamic, "prod", "production", G},
        Row{"propeller_no_inspect", "propeller", "", kInspect, "ml-proj", "development", D},
        Row{"propeller_no_preview", "propeller", "", kDry, "ml-proj", "development", D},
        Row{"propeller_no_squat", "propeller", "", kRecord, "ml-proj", "development", D},
        // A certificate of the CA that no rule names: nothing.
        Row{"stranger_inspect", "stranger", "", kInspect, "ml-proj", "development", D},
        Row{"stranger_preview", "stranger", "", kDry, "ml-proj", "development", D},
        Row{"stranger_squat", "stranger", "", kRecord, "prod", "production", D},
        Row{"stranger_reads_existing", "stranger", "", kGet, "ml-proj", "development", D},
        Row{"stranger_reads_missing", "stranger", "", kGet, "nope", "development", D},
        Row{"stranger_dynamic", "stranger", "", kDynamic, "prod", "production", D},
        // A DNS SAN names the caller; its rule is for ml-* projects only.
        Row{"dns_reads_ml", "mlbot", "", kGet, "ml-proj", "development", G},
        Row{"dns_reads_prod", "mlbot", "", kGet, "prod", "production", D},
        Row{"dns_no_record", "mlbot", "", kRecord, "ml-proj", "development", D},
        Row{"dns_lists_ml", "mlbot", "", kList, "ml-proj", "development", G},
        Row{"dns_lists_prod", "mlbot", "", kList, "prod", "production", D},
        // Listing is a grant of its own: reading records is not enough.
        Row{"propeller_no_list", "propeller", "", kList, "ml-proj", "development", D},
        Row{"group_no_list", "stranger", "alice", kList, "ml-proj", "development", D},
        // Only a CN: dynamic nodes under ml-* executions, not across projects.
        Row{"cn_dynamic_ml", "operator", "", kDynamic, "ml-proj", "development", G},
        Row{"cn_dynamic_cross_project", "operator", "", kDynamic, "prod", "production", D},
        Row{"cn_no_read", "operator", "", kGet, "ml-proj", "development", D},
        // A token names the caller whatever the certificate: alice is in
        // ml-engineers, which previews and reads ml-* in two domains.
        Row{"group_inspect", "stranger", "alice", kInspect, "ml-proj", "development", G},
        Row{"group_inspect_other_project", "stranger", "alice", kInspect, "prod", "production", D},
        Row{"group_preview", "stranger", "alice", kDry, "ml-proj", "staging", G},
        Row{"group_preview_other_domain", "stranger", "alice", kDry, "ml-proj", "production", D},
        Row{"group_no_squat", "stranger", "alice", kRecord, "ml-proj", "development", D},
        Row{"group_reads", "stranger", "alice", kGet, "ml-proj", "development", G},
        Row{"group_reads_prod", "stranger", "alice", kGet, "prod", "production", D},
        Row{"group_no_dynamic", "stranger", "alice", kDynamic, "ml-proj", "development", D},
        Row{"es256_token", "stranger", "alice-ec", kGet, "ml-proj", "development", G},
        Row{"flyte_authorization_header", "stranger", "alice", kGet, "ml-proj", "development", G, "flyte-authorization"},
        Row{"token_without_groups", "stranger", "bob", kGet, "ml-proj", "development", D},
        // A token that fails refuses the call, even beside a good certificate.
        Row{"expired_token", "admin", "expired", kGet, "ml-proj", "development", U},
        Row{"wrong_issuer", "admin", "wrong-issuer", kGet, "ml-proj", "development", U},
        Row{"wrong_audience", "admin", "wrong-audience", kGet, "ml-proj", "development", U},
        Row{"wrong_key", "admin", "wrong-key", kGet, "ml-proj", "development", U},
        Row{"alg_none", "admin", "alg-none", kGet, "ml-proj", "development", U},
        Row{"hs256", "admin", "hs256", kGet, "ml-proj", "development", U},
        Row{"garbage_token", "admin", "garbage", kGet, "ml-proj", "development", U},
        // Certificates the handshake refuses: another CA's, an expired one.
        Row{"other_ca", "rogue", "", kGet, "ml-proj", "development", H},
        Row{"expired_certificate", "expired", "", kGet, "ml-proj", "development", H},
        Row{"no_certificate", "", "", kGet, "ml-proj", "development", H}),
    [](const testing::TestParamInfo<Row>& info) {
      return std::string(info.param.name);
    });

// A refusal says the same whether the execution exists or not.
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
