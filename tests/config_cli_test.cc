// A bad config file stops the real binary at start, with a message naming the
// key (docs/design.md section 7). A few rows end to end; server/config_test.cc has
// the full table of the parser.
#include <sys/wait.h>

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::testing::HasSubstr;

struct BadStart {
  const char* name;
  const char* yaml;  // the config file; nullptr: no file at that path
  std::vector<std::string> flags;
  const char* want;  // in stderr: the key (or flag, or file) at fault
};

void PrintTo(const BadStart& row, std::ostream* os) { *os << row.name; }

class BadStartTest : public testing::TestWithParam<BadStart> {};

TEST_P(BadStartTest, ExitsNonZeroNamingTheKey) {
  const BadStart& row = GetParam();
  const std::string path = absl::StrCat(TmpDir(), "/", row.name, ".yaml");
  if (row.yaml != nullptr) {
    ASSERT_TRUE(WriteFile(path, row.yaml));
  }
  std::vector<std::string> argv = {
      ServerBinary(), "--config", path, "--grpc-port", "0", "--http-port", "0"};
  argv.insert(argv.end(), row.flags.begin(), row.flags.end());
  Child child(argv);
  ASSERT_TRUE(child.running());
  const std::string stdout_line = child.ReadStdoutLine(absl::Seconds(30));
  const std::string stderr_text = child.ReadStderr(absl::Seconds(30));
  const int status = child.Wait(absl::Seconds(30));
  ASSERT_NE(status, -1) << "still running: " << stdout_line;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0)
      << "wait status " << status;
  EXPECT_THAT(stderr_text, HasSubstr(row.want));
  EXPECT_THAT(stdout_line, testing::Not(HasSubstr("serving")));
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadStartTest,
    testing::Values(
        BadStart{"misspelt_section", "sever:\n  grpc_port: 0\n", {}, "sever"},
        BadStart{"port_out_of_range",
                 "server:\n  grpc_port: 70000\n",
                 {},
                 "server.grpc_port"},
        BadStart{"bare_duration",
                 "server:\n  default_deadline: 30\n",
                 {},
                 "server.default_deadline"},
        BadStart{"postgres_without_dsn",
                 "storage:\n  driver: postgres\n",
                 {},
                 "storage.postgres_dsn"},
        BadStart{"cert_without_key",
                 "tls:\n  cert_file: /etc/tls/tls.crt\n",
                 {},
                 "tls.key_file"},
        BadStart{"unknown_log_level",
                 "logging:\n  level: loud\n",
                 {},
                 "logging.level"},
        BadStart{"missing_file", nullptr, {}, "missing_file.yaml"},
        BadStart{"auth_keys_unreadable",
                 "auth:\n  jwt: {issuer: \"https://idp\", audience: \"a\", "
                 "jwks_file: /nonexistent/jwks.json}\n"
                 "  rules:\n    - {name: r, principals: [x], allow: [Resolve]}\n"
                 "storage:\n  driver: memory\n",
                 {},
                 "/nonexistent/jwks.json cannot be read"},
        BadStart{"insecure_remote",
                 "server:\n  bind_address: 0.0.0.0\nstorage:\n  driver: memory\n",
                 {},
                 "server.allow_insecure_remote"},
        BadStart{"bad_port_flag", "", {"--grpc-port", "eighty"}, "--grpc-port"},
        BadStart{"unreadable_tls_files",
                 "tls:\n  cert_file: /nonexistent/tls.crt\n"
                 "  key_file: /nonexistent/tls.key\n"
                 "storage:\n  driver: memory\n",
                 {},
                 "/nonexistent/tls.crt"}),
    [](const testing::TestParamInfo<BadStart>& info) {
      return std::string(info.param.name);
    });

// --help, -h and --version answer and exit 0, starting nothing.
TEST(Flags, HelpAndVersionPrintAndExitZero) {
  for (const char* flag : {"--help", "-h", "--version"}) {
    Child child({ServerBinary(), flag});
    ASSERT_TRUE(child.running());
    const std::string first = child.ReadStdoutLine(absl::Seconds(30));
    const int status = child.Wait(absl::Seconds(30));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << flag << ": wait status " << status;
    EXPECT_THAT(first, HasSubstr("override-resolver")) << flag;
    EXPECT_THAT(first, testing::Not(HasSubstr("serving"))) << flag;
  }
}

// gRPC would let a second server share the port (SO_REUSEPORT) and balance
// clients between two stores; the second start must fail instead.
TEST(Flags, ASecondServerOnTheSamePortFailsToStart) {
  const std::string path = absl::StrCat(TmpDir(), "/memory.yaml");
  ASSERT_TRUE(WriteFile(path, "storage:\n  driver: memory\n"));
  Child first({ServerBinary(), "--config", path, "--grpc-port", "0",
               "--http-port", "0"});
  int grpc_port = 0, http_port = 0;
  ASSERT_TRUE(ParseServingLine(first.ReadStdoutLine(absl::Seconds(30)),
                               &grpc_port, &http_port));
  Child second({ServerBinary(), "--config", path, "--grpc-port",
                absl::StrCat(grpc_port), "--http-port", "0"});
  const std::string line = second.ReadStdoutLine(absl::Seconds(30));
  const std::string stderr_text = second.ReadStderr(absl::Seconds(30));
  const int status = second.Wait(absl::Seconds(30));
  EXPECT_THAT(line, testing::Not(HasSubstr("serving")));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0)
      << "wait status " << status;
  EXPECT_THAT(stderr_text, HasSubstr(absl::StrCat(":", grpc_port)));
}

}  // namespace
}  // namespace flyteoverride::tests
