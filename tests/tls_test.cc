// TLS and mutual TLS on the gRPC port (docs/design.md section 7), with certificates
// made by openssl for this run: a CA, a server certificate for 127.0.0.1 and
// localhost, a client certificate from the CA, and a rogue CA with a client
// certificate of its own.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "config/config.h"
#include "server/server.h"
#include "storage/memory_store.h"
#include "tests/e2e_util.h"
#include "tools/inputs.h"
#include "tools/remote.h"

namespace flyteoverride::tests {
namespace {

// Keeps gRPC initialised between tests (see e2e_server.cc).
class KeepGrpc : public testing::Environment {
 public:
  void SetUp() override { grpc_init(); }
};
const testing::Environment* const kKeepGrpc =
    testing::AddGlobalTestEnvironment(new KeepGrpc);

// Sourced after tests/certificates.sh, in the test's own directory.
constexpr char kMakeCertificates[] = R"(
ca ca
ca rogue-ca
leaf server ca server "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client ca client "extendedKeyUsage=clientAuth"
leaf rogue-client rogue-ca rogue-client "extendedKeyUsage=clientAuth"
)";

class TlsTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(absl::StrCat(TmpDir(), "/tls"));
    const std::string script = absl::StrCat(*dir_, ".sh");
    ASSERT_TRUE(WriteFile(script, CertificateScript(kMakeCertificates)));
    const std::string command =
        absl::StrCat("mkdir -p ", *dir_, " && cd ", *dir_, " && sh ", script,
                     " >", *dir_, "/openssl.log 2>&1");
    ASSERT_EQ(std::system(command.c_str()), 0)
        << tools::ReadFile(*dir_ + "/openssl.log").value_or("");
  }
  static std::string File(const std::string& name) {
    return absl::StrCat(*dir_, "/", name);
  }

  void Start(bool mutual) {
    config::Config config;
    config.grpc_port = 0;
    config.http_port = 0;
    config.shutdown_grace = absl::Seconds(5);
    config.tls.cert_file = File("server.crt");
    config.tls.key_file = File("server.key");
    if (mutual) config.tls.client_ca_file = File("ca.crt");
    ASSERT_TRUE(config::ValidateConfig(config).ok());
    auto started =
        server::Server::Start(config, storage::MemoryStore::Create());
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  // Resolves the `invalid` example's valid part through tools::Remote,
  // overridectl's client: TLS when `ca` is set, mutual with `client` too.
  grpc::StatusCode Resolve(const std::string& ca, const std::string& client) {
    tools::RemoteOptions options;
    options.address = absl::StrCat("127.0.0.1:", server_->grpc_port());
    options.timeout_seconds = 10;
    if (!ca.empty()) options.ca_file = File(ca + ".crt");
    if (!client.empty()) {
      options.cert_file = File(client + ".crt");
      options.key_file = File(client + ".key");
    }
    auto remote = tools::Remote::Connect(options);
    EXPECT_TRUE(remote.ok()) << remote.status();
    if (!remote.ok()) return grpc::StatusCode::INTERNAL;
    auto request = ExampleRequest("invalid");
    EXPECT_TRUE(request.ok()) << request.status();
    request->clear_execution_overrides();
    request->mutable_options()->set_dry_run(true);
    v1::ResolveResponse response;
    tools::RemoteError error;
    if ((*remote)->Resolve(*request, &response, &error)) {
      EXPECT_GT(response.nodes_size(), 0);
      return grpc::StatusCode::OK;
    }
    return static_cast<grpc::StatusCode>(error.status.code());
  }

  static std::string* dir_;
  std::unique_ptr<server::Server> server_;
};

std::string* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, MutualTlsServesOnlyClientsOfTheClientCa) {
  Start(/*mutual=*/true);
  EXPECT_EQ(Resolve("ca", "client"), grpc::StatusCode::OK);
  // Refused in the handshake: no certificate, one from another CA, or no TLS.
  EXPECT_EQ(Resolve("ca", ""), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Resolve("ca", "rogue-client"), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Resolve("", ""), grpc::StatusCode::UNAVAILABLE);
  // A client that does not trust the server's CA refuses the server.
  EXPECT_EQ(Resolve("rogue-ca", "client"), grpc::StatusCode::UNAVAILABLE);
  // Served again after refusals.
  EXPECT_EQ(Resolve("ca", "client"), grpc::StatusCode::OK);
}

TEST_F(TlsTest, TlsWithoutClientCaServesClientsWithoutCertificates) {
  Start(/*mutual=*/false);
  EXPECT_EQ(Resolve("ca", ""), grpc::StatusCode::OK);
  EXPECT_EQ(Resolve("ca", "client"), grpc::StatusCode::OK);
  EXPECT_EQ(Resolve("", ""), grpc::StatusCode::UNAVAILABLE);
}

// docs/configuration.md: "When it is on, it covers both listeners." The HTTP
// port does not do TLS yet (server/http_server.cc starts libmicrohttpd
// without MHD_USE_TLS): with mutual TLS configured, the JSON API is open to
// any plaintext client there. Enable once the HTTP listener does TLS.
// With TLS the API port speaks HTTPS with the same certificate, and under
// mutual TLS wants a client certificate of the same CA; the probe port stays
// plaintext.
TEST_F(TlsTest, WithTlsTheHttpApiIsServedOverHttps) {
  Start(/*mutual=*/true);
  const int port = server_->http_port();
  const std::string read = "/v1/executions/flytesnacks/development/any";
  const HttpResult client = HttpsCall(port, "GET", read, "", File("ca.crt"),
                                      File("client.crt"), File("client.key"));
  EXPECT_EQ(client.status, 404) << client.body;  // judged: no such record
  const HttpResult anonymous =
      HttpsCall(port, "GET", read, "", File("ca.crt"), "", "");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  const HttpResult rogue =
      HttpsCall(port, "GET", read, "", File("ca.crt"), File("rogue-client.crt"),
                File("rogue-client.key"));
  EXPECT_NE(rogue.status, 404) << rogue.body;
  EXPECT_NE(rogue.status, 200) << rogue.body;
  // Plaintext gets no HTTP answer from the TLS port.
  EXPECT_EQ(HttpCall(port, "GET", read, "", absl::Seconds(5)).status, 0);
  EXPECT_EQ(HttpCall(server_->probe_port(), "GET", "/readyz", "",
                     absl::Seconds(5))
                .status,
            200);
}

}  // namespace
}  // namespace flyteoverride::tests
