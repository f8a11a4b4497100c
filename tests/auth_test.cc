// Who may ask (docs/security.md), over real sockets: every row of the rules'
// table, one call each, against the servers of tests/auth_fixture.h.
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/auth_fixture.h"

namespace flyteoverride::tests {
namespace {

class AuthTest : public AuthServers, public testing::TestWithParam<Row> {
 public:
  static void SetUpTestSuite() { StartServers(); }
  static void TearDownTestSuite() { StopServers(); }
};

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
}  // namespace
}  // namespace flyteoverride::tests
