// The servers the authorization suites call (docs/security.md): one with
// mutual TLS and an `auth:` section on gRPC, one without TLS for the HTTP
// API, over one SQLite file. Certificates are made by openssl for the run (a
// CA, clients with a SPIFFE URI, a DNS name or only a CN, a client of another
// CA and an expired one); tokens are signed here with keys made here.
#ifndef FLYTEOVERRIDE_TESTS_AUTH_FIXTURE_H_
#define FLYTEOVERRIDE_TESTS_AUTH_FIXTURE_H_

#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "grpcpp/support/status.h"
#include "server/server.h"

namespace flyteoverride::tests {

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

// Short names, for tables of rows.
constexpr Expect G = Expect::kGranted, D = Expect::kDenied,
                 U = Expect::kUnauthenticated, H = Expect::kNoHandshake;
constexpr Rpc kInspect = Rpc::kInspect, kDry = Rpc::kResolveDry,
              kRecord = Rpc::kResolveRecord, kGet = Rpc::kGet,
              kDynamic = Rpc::kDynamic, kList = Rpc::kList;

// Started once per suite: StartServers in SetUpTestSuite, StopServers in
// TearDownTestSuite.
class AuthServers {
 public:
  static void StartServers();
  static void StopServers();

  // A file of the run's certificates, keys and records.
  static std::string File(const std::string& name);
  static std::unique_ptr<server::Server> Start(const config::Config& config);

  // Keys of the IdP (RS256 "rsa-1", ES256 "ec-1") in the JWKS file, and a
  // key it does not publish.
  static void MakeTokens();

  // A stub over mutual TLS with that client certificate ("" for none).
  static std::unique_ptr<v1::OverrideResolver::Stub> Stub(
      const std::string& certificate);

  // The training example, with a secret and a plain environment value.
  static v1::ResolveRequest Request(const std::string& project,
                                    const std::string& domain,
                                    const std::string& name, bool dry_run);

  static std::string Token(const std::string& name);
  // The row's call, with `token` as a bearer token; `serial` makes a
  // recording call's execution name new.
  static grpc::Status Call(v1::OverrideResolver::Stub* stub, const Row& row,
                           const std::string& token, int serial);

  static std::string* dir_;
  static std::map<std::string, std::string>* tokens_;
  static server::Server* grpc_;
  static server::Server* http_;
};

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_AUTH_FIXTURE_H_
