#include "tests/auth_fixture.h"

#include <cstdlib>
#include <vector>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/test_credentials.h"
#include "config/config.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "storage/sqlite_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"
#include "tools/inputs.h"

namespace flyteoverride::tests {
namespace {

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

}  // namespace


std::string* AuthServers::dir_ = nullptr;
std::map<std::string, std::string>* AuthServers::tokens_ = nullptr;
server::Server* AuthServers::grpc_ = nullptr;
server::Server* AuthServers::http_ = nullptr;

void AuthServers::StartServers() {
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

void AuthServers::StopServers() {
  delete grpc_;
  delete http_;
}

std::string AuthServers::File(const std::string& name) {
  return absl::StrCat(*dir_, "/", name);
}

std::unique_ptr<server::Server> AuthServers::Start(const config::Config& config) {
  auto store = storage::SqliteStore::Open({config.storage.sqlite_path});
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  auto started = server::Server::Start(config, *std::move(store));
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

void AuthServers::MakeTokens() {
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

std::unique_ptr<v1::OverrideResolver::Stub> AuthServers::Stub(
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

v1::ResolveRequest AuthServers::Request(const std::string& project,
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

std::string AuthServers::Token(const std::string& name) {
  return name.empty() ? "" : tokens_->at(name);
}

grpc::Status AuthServers::Call(v1::OverrideResolver::Stub* stub, const Row& row,
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

}  // namespace flyteoverride::tests
