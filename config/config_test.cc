#include "config/config.h"

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "config/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using testing::BadConfig;

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, NamesKeyAndLine) { testing::ExpectRefused(GetParam()); }

const BadConfig kBadConfigs[] = {
    {"UnknownTopLevelKey", 4,
     "# comment\nlogging:\n  level: info\nsever:\n  a: 1\n",
     "unknown key \"sever\" (did you mean \"server\"?)"},
    {"UnknownNestedKeySuggested", 3,
     "server:\n  grpc_port: 1\n  http_prot: 9\n",
     "unknown key \"server.http_prot\" (did you mean \"server.http_port\"?)"},
    {"UnknownNestedKeyListsKeys", 2, "storage:\n  colour: red\n",
     "unknown key \"storage.colour\"; expected storage.{driver, "},
    {"BooleanNotTrueOrFalse", 2, "rewrite:\n  forbid_task_copies: yes\n",
     "rewrite.forbid_task_copies: must be true or false"},
    {"IntegerNotANumber", 2, "server:\n  grpc_port: abc\n",
     "server.grpc_port: must be an integer, got \"abc\""},
    {"IntegerQuoted", 2, "limits:\n  max_violations: \"10\"\n",
     "limits.max_violations: must be an integer, got the quoted string"},
    {"IntegerFraction", 2, "limits:\n  max_nesting_depth: 1.5\n",
     "limits.max_nesting_depth: must be an integer"},
    {"IntegerBeyondInt", 2, "limits:\n  max_node_instances: 99999999999\n",
     "limits.max_node_instances: must be an integer, got \"99999999999\""},
    {"IntegerMissingValue", 2, "server:\n  grpc_port:\n",
     "server.grpc_port: must be an integer, got nothing"},
    {"SizeWithSuffix", 2, "server:\n  max_message_bytes: 64Mi\n",
     "server.max_message_bytes: must be an integer number of bytes"},
    {"SectionIsList", 2, "limits: {}\nserver:\n  - grpc_port: 1\n",
     "server: must be a mapping, got a list"},
    {"SectionIsScalar", 1, "logging: debug\n",
     "logging: must be a mapping, got \"debug\""},
    {"PolicyIsScalar", 1, "policy: strict\n", "policy: must be a mapping"},
    {"StringIsMapping", 2, "tls:\n  cert_file:\n    path: x\n",
     "tls.cert_file: must be a string, got a mapping"},
    {"DurationWithoutUnit", 2, "server:\n  default_deadline: 30\n",
     "server.default_deadline: must be a duration like"},
    {"DurationBadSyntax", 2, "storage:\n  retention: 30 days\n",
     "storage.retention: must be a duration"},
    {"DurationIsList", 2, "storage:\n  timeout: [1s]\n",
     "storage.timeout: must be a duration"},
    {"DurationInfinite", 2, "storage:\n  purge_interval: inf\n",
     "storage.purge_interval: must be a duration"},
    {"PortOutOfRange", 7,
     "# resolver\n\nlogging:\n  level: info\n\nserver:\n  grpc_port: 70000\n",
     "server.grpc_port: must be 0..65535, got 70000"},
    {"PortNegative", 2, "server:\n  http_port: -1\n",
     "server.http_port: must be 0..65535, got -1"},
    {"PortsEqual", 3, "server:\n  grpc_port: 9000\n  http_port: 9000\n",
     "server.http_port: must differ from server.grpc_port"},
    {"PortEqualsOtherDefault", 2, "server:\n  grpc_port: 8090\n",
     "server.http_port: must differ from server.grpc_port, got 8090"},
    {"DeadlineZero", 2, "server:\n  default_deadline: 0s\n",
     "server.default_deadline: must be positive, got 0"},
    {"GraceNegative", 2, "server:\n  shutdown_grace: -5s\n",
     "server.shutdown_grace: must not be negative, got -5s"},
    {"PurgeIntervalNegative", 2, "storage:\n  purge_interval: -1m\n",
     "storage.purge_interval: must be positive"},
    {"RetentionZero", 3, "storage:\n  driver: memory\n  retention: 0s\n",
     "storage.retention: must be positive"},
    {"ConcurrentCallsZero", 2, "server:\n  max_concurrent_calls: 0\n",
     "server.max_concurrent_calls: must be at least 1, got 0"},
    {"QueuedCallsNegative", 2, "server:\n  max_queued_calls: -3\n",
     "server.max_queued_calls: must be at least 0, got -3"},
    {"MessageBytesZero", 2, "server:\n  max_message_bytes: 0\n",
     "server.max_message_bytes: must be 1..2147483647, got 0"},
    {"MessageBytesBeyondGrpc", 2, "server:\n  max_message_bytes: 3000000000\n",
     "server.max_message_bytes: must be 1..2147483647"},
    {"RequestElementsZero", 2, "server:\n  max_request_elements: 0\n",
     "server.max_request_elements: must be at least 1, got 0"},
    {"NestingDepthZero", 2, "limits:\n  max_nesting_depth: 0\n",
     "limits.max_nesting_depth: must be 1..1000"},
    {"PoolSizeZero", 2, "storage:\n  postgres_pool_size: 0\n",
     "storage.postgres_pool_size: must be at least 1"},
    {"TlsCertWithoutKey", 2, "tls:\n  cert_file: server.pem\n",
     "tls.key_file: must be set when tls.cert_file is"},
    {"TlsKeyWithoutCert", 3, "tls:\n\n  key_file: server.key\n",
     "tls.cert_file: must be set when tls.key_file is"},
    {"ClientCaWithoutCert", 2, "tls:\n  client_ca_file: ca.pem\n",
     "tls.cert_file: must be set when tls.client_ca_file is"},
    {"PostgresWithoutDsn", 2, "storage:\n  driver: postgres\n",
     "storage.postgres_dsn: must be set when storage.driver is postgres"},
    {"SqlitePathEmpty", 2, "storage:\n  sqlite_path: \"\"\n",
     "storage.sqlite_path: must be set when storage.driver is sqlite"},
    {"UnknownDriver", 2, "storage:\n  driver: mysql\n",
     "storage.driver: must be memory, sqlite or postgres, got \"mysql\""},
    {"UnknownKeyNearNothing", 2, "storage:\n  pool: 1\n",
     "unknown key \"storage.pool\""},
    {"BadLogLevel", 3, "logging:\n  format: json\n  level: verbose\n",
     "logging.level: must be one of trace, debug, info, warn, error"},
    {"BadLogFormat", 2, "logging:\n  format: xml\n",
     "logging.format: must be one of text, json; got \"xml\""},
    {"BindAddressEmpty", 2, "server:\n  bind_address: \"\"\n",
     "server.bind_address: must be an IP address or host name"},
    {"DuplicateKey", 3, "server:\n  grpc_port: 1\n  grpc_port: 2\n",
     "server.grpc_port: duplicate key (first at line 2)"},
    {"DuplicateSection", 3, "tls: {}\nlimits: {}\ntls: {}\n",
     "tls: duplicate key (first at line 1)"},
    {"YamlSyntaxError", 3, "server:\n  grpc_port: 1\n  http_port: x: y\n",
     "YAML syntax error"},
    {"UnclosedFlowMapping", 2, "server: {grpc_port: 1\n", "YAML syntax error"},
    // Debian's yaml-cpp 0.7 loops forever on these in LoadAll.
    {"StrayCommaFirst", 1, ",server:\n  grpc_port: 1\n",
     "YAML syntax error at column 1"},
    {"StrayCommaAfterList", 2, "- a\n,\n", "YAML syntax error at column 1"},
    {"ScalarAtTopLevel", 1, "just a string\n",
     "the top level must be a mapping of sections, got \"just a string\""},
    {"ListAtTopLevel", 1, "- server\n- limits\n",
     "the top level must be a mapping of sections, got a list"},
    {"KeyNotAString", 1, "{[a, b]: 1}\n",
     "top level keys must be strings, got a list"},
    {"TwoDocuments", 2, "server: {}\n---\nlimits: {}\n",
     "a second YAML document"},
};

INSTANTIATE_TEST_SUITE_P(Table, BadConfigTest, ::testing::ValuesIn(kBadConfigs),
                         testing::RowName);

void ExpectDefaults(const Config& c) {
  EXPECT_EQ(c.bind_address, "127.0.0.1");
  EXPECT_EQ(c.grpc_port, 8089);
  EXPECT_EQ(c.http_port, 8090);
  EXPECT_EQ(c.max_message_bytes, 64 << 20);
  EXPECT_EQ(c.max_request_elements, 2'000'000);
  EXPECT_EQ(c.max_nesting_depth, 64);
  EXPECT_EQ(c.max_node_instances, 2'000'000);
  EXPECT_EQ(c.max_violations, 100);
  EXPECT_EQ(c.max_concurrent_calls, 32);
  EXPECT_EQ(c.max_queued_calls, 64);
  EXPECT_EQ(c.default_deadline, absl::Seconds(30));
  EXPECT_EQ(c.shutdown_grace, absl::Seconds(20));
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, "text");
  EXPECT_FALSE(c.tls.enabled());
  EXPECT_EQ(c.storage.driver, StorageConfig::Driver::kSqlite);
  EXPECT_EQ(c.storage.sqlite_path, "override-resolver.db");
  EXPECT_EQ(c.storage.postgres_dsn, "");
  EXPECT_EQ(c.storage.postgres_pool_size, 8);
  EXPECT_EQ(c.storage.retention, absl::Hours(720));
  EXPECT_EQ(c.storage.purge_interval, absl::Minutes(10));
  EXPECT_EQ(c.storage.timeout, absl::Seconds(5));
}

TEST(ParseConfig, EmptyTextGivesDefaults) {
  for (const char* yaml : {"", "\n", "# nothing configured\n", "---\n"}) {
    absl::StatusOr<Config> config = ParseConfig(yaml);
    ASSERT_TRUE(config.ok()) << config.status();
    ExpectDefaults(*config);
  }
}

TEST(ParseConfig, EmptySectionsKeepDefaults) {
  absl::StatusOr<Config> config =
      ParseConfig("server:\nlimits: {}\ntls:\nstorage:\nlogging:\npolicy:\n");
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectDefaults(*config);
}

TEST(ParseConfig, DefaultsAreValid) {
  EXPECT_TRUE(ValidateConfig(Config()).ok());
}

constexpr char kFullConfig[] = R"yaml(
server:
  bind_address: 0.0.0.0
  grpc_port: 9089
  http_port: 0            # pick a free port
  max_message_bytes: 8388608
  max_concurrent_calls: 4
  max_queued_calls: 0
  default_deadline: 1m30s
  shutdown_grace: 0s
limits:
  max_nesting_depth: 16
  max_node_instances: 5000
  max_violations: 10
tls:
  cert_file: /etc/resolver/tls.crt
  key_file: /etc/resolver/tls.key
  client_ca_file: /etc/resolver/ca.crt
storage:
  driver: postgres
  sqlite_path: unused.db
  postgres_dsn: "host=db user=resolver sslmode=verify-full"
  postgres_pool_size: 16
  retention: 168h
  purge_interval: 1h30m
  timeout: 500ms
logging:
  level: debug
  format: json
policy:
  global:
    retries: {max: 5}
    resources: {cpu: {max_limit: "8"}}
)yaml";

TEST(ParseConfig, FullFileReadsEveryValue) {
  absl::StatusOr<Config> config = ParseConfig(kFullConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  const Config& c = *config;
  EXPECT_EQ(c.bind_address, "0.0.0.0");
  EXPECT_EQ(c.grpc_port, 9089);
  EXPECT_EQ(c.http_port, 0);
  EXPECT_EQ(c.max_message_bytes, 8388608);
  EXPECT_EQ(c.max_concurrent_calls, 4);
  EXPECT_EQ(c.max_queued_calls, 0);
  EXPECT_EQ(c.default_deadline, absl::Seconds(90));
  EXPECT_EQ(c.shutdown_grace, absl::ZeroDuration());
  EXPECT_EQ(c.max_nesting_depth, 16);
  EXPECT_EQ(c.max_node_instances, 5000);
  EXPECT_EQ(c.max_violations, 10);
  EXPECT_EQ(c.tls.cert_file, "/etc/resolver/tls.crt");
  EXPECT_EQ(c.tls.key_file, "/etc/resolver/tls.key");
  EXPECT_EQ(c.tls.client_ca_file, "/etc/resolver/ca.crt");
  EXPECT_TRUE(c.tls.enabled());
  EXPECT_TRUE(c.tls.mutual());
  EXPECT_EQ(c.storage.driver, StorageConfig::Driver::kPostgres);
  EXPECT_EQ(c.storage.sqlite_path, "unused.db");
  EXPECT_EQ(c.storage.postgres_dsn,
            "host=db user=resolver sslmode=verify-full");
  EXPECT_EQ(c.storage.postgres_pool_size, 16);
  EXPECT_EQ(c.storage.retention, absl::Hours(168));
  EXPECT_EQ(c.storage.purge_interval, absl::Minutes(90));
  EXPECT_EQ(c.storage.timeout, absl::Milliseconds(500));
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_format, "json");
}

TEST(ParseConfig, ForbidTaskCopiesIsReadAndOffByDefault) {
  EXPECT_FALSE(ParseConfig("")->forbid_task_copies);
  auto config = ParseConfig("rewrite:\n  forbid_task_copies: true\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->forbid_task_copies);
}

TEST(ParseConfig, MemoryDriverNeedsNoPath) {
  absl::StatusOr<Config> config =
      ParseConfig("storage:\n  driver: memory\n  sqlite_path: \"\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->storage.driver, StorageConfig::Driver::kMemory);
}

TEST(ParseConfig, ReportsEveryProblemInLineOrder) {
  absl::StatusOr<Config> config = ParseConfig(
      "server:\n  grpc_port: abc\n  max_queue_calls: 1\nlogging:\n  level: "
      "[x]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(
      std::string(config.status().message()),
      "config line 2: server.grpc_port: must be an integer, got \"abc\"; "
      "config line 3: unknown key \"server.max_queue_calls\" (did you mean "
      "\"server.max_queued_calls\"?); "
      "config line 5: logging.level: must be a string, got a list");
}

TEST(ParseConfig, ReportsEverySemanticProblem) {
  absl::StatusOr<Config> config = ParseConfig(
      "logging:\n  level: loud\nserver:\n  grpc_port: 70000\n"
      "  max_concurrent_calls: 0\n");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, StartsWith("config line 2: logging.level: "));
  EXPECT_THAT(message, HasSubstr("; config line 4: server.grpc_port: "));
  EXPECT_THAT(message, HasSubstr("; config line 5: server.max_concurrent"));
}

// A type error hides nothing: range and cross-key checks of the other keys
// are reported with it, in line order.
TEST(ParseConfig, TypeErrorsAndSemanticProblemsTogether) {
  absl::StatusOr<Config> config = ParseConfig(
      "server:\n  grpc_port: abc\n  max_concurrent_calls: 0\n"
      "storage:\n  driver: postgres\n");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, StartsWith("config line 2: server.grpc_port: must be "
                                  "an integer, got \"abc\""));
  EXPECT_THAT(message, HasSubstr("; config line 3: server.max_concurrent"));
  EXPECT_THAT(message, HasSubstr("storage.postgres_dsn"));
  // The refused key is not judged again on its default.
  EXPECT_EQ(message.find("server.grpc_port", message.find("grpc_port") + 1),
            std::string::npos);
}

TEST(ValidateConfig, NamesEveryKeyWithoutLines) {
  Config config;
  config.grpc_port = 70000;  // as a --grpc-port flag might set it
  config.log_level = "loud";
  config.tls.client_ca_file = "ca.pem";
  config.storage.driver = StorageConfig::Driver::kPostgres;
  config.storage.timeout = -absl::Seconds(1);
  const absl::Status status = ValidateConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  EXPECT_THAT(message, StartsWith("server.grpc_port: must be 0..65535"));
  for (const char* key : {"; tls.cert_file: ", "; storage.postgres_dsn: ",
                          "; storage.timeout: ", "; logging.level: "}) {
    EXPECT_THAT(message, HasSubstr(key));
  }
  EXPECT_THAT(message, ::testing::Not(HasSubstr("line")));
}

TEST(DriverName, RoundTripsThroughConfig) {
  for (auto driver :
       {StorageConfig::Driver::kMemory, StorageConfig::Driver::kSqlite,
        StorageConfig::Driver::kPostgres}) {
    absl::StatusOr<Config> config = ParseConfig(absl::StrCat(
        "storage:\n  driver: ", DriverName(driver), "\n  postgres_dsn: x\n"));
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->storage.driver, driver);
  }
}

std::string TempFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir ? dir : "/tmp", "/", name);
  std::ofstream(path) << text;
  return path;
}

TEST(LoadConfigFile, ReadsFile) {
  absl::StatusOr<Config> config =
      LoadConfigFile(TempFile("good.yaml", kFullConfig));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->grpc_port, 9089);
}

TEST(LoadConfigFile, ErrorNamesFileAndLine) {
  const std::string path = TempFile("bad.yaml", "server:\n  grpc_port: -2\n");
  absl::StatusOr<Config> config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              StartsWith(path + ": config line 2: server.grpc_port: "));
}

TEST(LoadConfigFile, MissingFileIsNotFound) {
  absl::StatusOr<Config> config = LoadConfigFile("/nonexistent/resolver.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("config file /nonexistent/resolver.yaml: "));
}

TEST(LoadConfigFile, DirectoryIsAnError) {
  const char* dir = std::getenv("TEST_TMPDIR");
  absl::StatusOr<Config> config = LoadConfigFile(dir ? dir : "/tmp");
  EXPECT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("config file "));
}

}  // namespace
}  // namespace flyteoverride::config
