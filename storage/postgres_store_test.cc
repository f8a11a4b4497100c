// What only PostgreSQL shows: migrations under concurrent starts, a schema
// newer than the binary, large records, replicas racing, lost connections and
// an unreachable server. Runs against the server FO_POSTGRES_DSN names
// (scripts/test.sh starts one); the shared behaviour is in the conformance
// suite.
#include "storage/postgres_store.h"

#include <netinet/in.h>
#include <postgresql/libpq-fe.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "storage/store_test_factories.h"

namespace flyteoverride::storage {
namespace {

// The first cell of `sql`'s result, as text, on a connection of its own.
absl::StatusOr<std::string> Query(const std::string& dsn,
                                  const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  absl::StatusOr<std::string> value;
  if (PQstatus(conn) != CONNECTION_OK) {
    value = absl::UnavailableError(PQerrorMessage(conn));
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = std::string(PQgetvalue(result, 0, 0));
    } else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      value = std::string();
    } else {
      value = absl::InternalError(PQresultErrorMessage(result));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

v1::StoredNode Node(const std::string& path) {
  v1::StoredNode node;
  node.mutable_node()->set_node_path(path);
  node.mutable_node()->add_hooks("train");
  node.mutable_node()->mutable_overrides()->set_retries(2);
  node.add_hooks()->set_name("train");
  return node;
}

ExecutionRecord Record(const std::string& name, const std::string& digest,
                       int nodes = 2) {
  ExecutionRecord record;
  record.key = {"p", "d", name, ""};
  record.input_digest = digest;
  for (int i = 0; i < nodes; ++i) {
    record.nodes.push_back(Node(absl::StrCat("n", i)));
  }
  record.created = absl::FromUnixSeconds(1700000000);
  record.expires = absl::FromUnixSeconds(1900000000);
  return record;
}

// A port nothing listens on: bound, then released.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("FO_POSTGRES_DSN") == nullptr && !PostgresRequired()) {
      GTEST_SKIP() << "FO_POSTGRES_DSN is not set; scripts/test.sh sets it";
    }
    auto dsn = FreshPostgresDatabase();
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    dsn_ = *dsn;
  }

  absl::StatusOr<std::unique_ptr<PostgresStore>> Open(int pool_size = 4) {
    return PostgresStore::Open({dsn_, pool_size, absl::Seconds(10)});
  }

  std::string dsn_;
};

TEST_F(PostgresStoreTest, ConcurrentStartsMigrateOnceAndAllSucceed) {
  constexpr int kReplicas = 8;
  std::vector<absl::Status> opened(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] { opened[i] = Open(1).status(); });
  }
  for (auto& thread : threads) thread.join();
  for (const absl::Status& status : opened) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(*Query(dsn_, "SELECT count(*) FROM schema_migrations"),
            absl::StrCat(kPostgresSchemaVersion));
  EXPECT_EQ(*Query(dsn_, "SELECT max(version) FROM schema_migrations"),
            absl::StrCat(kPostgresSchemaVersion));
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefusedWithAClearMessage) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(
      Query(dsn_, "INSERT INTO schema_migrations (version) VALUES (99)").ok());
  auto store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"),
            std::string::npos)
      << store.status();
}

TEST_F(PostgresStoreTest, ReopeningAMigratedDatabaseKeepsItsRecords) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->PutIfAbsent(Record("e", "abc")).ok());
  }
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->GetHeader({"p", "d", "e", ""})->input_digest, "abc");
}

TEST_F(PostgresStoreTest, VersionOneDatabasesGainTheListingIndex) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->PutIfAbsent(Record("e", "abc")).ok());
  }
  ASSERT_TRUE(Query(dsn_, "DROP INDEX executions_by_scope").ok());
  ASSERT_TRUE(
      Query(dsn_, "DELETE FROM schema_migrations WHERE version > 1").ok());
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*Query(dsn_, "SELECT max(version) FROM schema_migrations"),
            absl::StrCat(kPostgresSchemaVersion));
  EXPECT_EQ(*Query(dsn_,
                   "SELECT count(*) FROM pg_indexes WHERE indexname = "
                   "'executions_by_scope'"),
            "1");
  ListQuery query{"p", "d", "", std::nullopt, 10};
  query.now = absl::FromUnixSeconds(1800000000);
  auto listed = (*store)->ListRecords(query);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].header.input_digest, "abc");
}

TEST_F(PostgresStoreTest, TenThousandNodesWriteAndReadBack) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  const ExecutionRecord record = Record("big", "digest", 10000);
  absl::Time start = absl::Now();
  auto put = (*store)->PutIfAbsent(record);
  ASSERT_TRUE(put.ok()) << put.status();
  const absl::Duration write = absl::Now() - start;
  start = absl::Now();
  auto all = (*store)->GetNodes(record.key, "");
  const absl::Duration read = absl::Now() - start;
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 10000u);
  for (size_t i = 1; i < all->size(); ++i) {
    ASSERT_LT((*all)[i - 1].node().node_path(), (*all)[i].node().node_path());
  }
  start = absl::Now();
  auto one = (*store)->GetNodes(record.key, "n9999");
  const absl::Duration read_one = absl::Now() - start;
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].node().overrides().retries(), 2);
  // Reported, not asserted: timings vary with the machine.
  std::cout << "10000 nodes: write " << write << ", read all " << read
            << ", read one " << read_one << "\n";
}

TEST_F(PostgresStoreTest, AFailedWriteLeavesNothingBehind) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  ExecutionRecord record = Record("dup", "digest");
  record.nodes.push_back(Node("n0"));  // a second n0 breaks the primary key
  auto put = (*store)->PutIfAbsent(record);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(put.status().message().find("23505"), std::string::npos)
      << put.status();
  EXPECT_EQ((*store)->GetHeader(record.key).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*Query(dsn_, "SELECT count(*) FROM nodes"), "0");
  // The connection went back to the pool clean: the store still writes.
  EXPECT_TRUE((*store)->PutIfAbsent(Record("dup", "digest"))->created);
}

TEST_F(PostgresStoreTest, ReplicasRacingOnOneKeyLeaveOneRecordAndOneAnswer) {
  constexpr int kReplicas = 4, kCallsEach = 4;
  std::vector<std::unique_ptr<PostgresStore>> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    auto store = Open(2);
    ASSERT_TRUE(store.ok()) << store.status();
    replicas.push_back(*std::move(store));
  }
  std::vector<absl::StatusOr<PutOutcome>> outcomes(kReplicas * kCallsEach);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas * kCallsEach; ++i) {
    threads.emplace_back([&, i] {
      outcomes[i] = replicas[i % kReplicas]->PutIfAbsent(
          Record("race", absl::StrCat("digest-", i), 50));
    });
  }
  for (auto& thread : threads) thread.join();
  int created = 0;
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    created += outcome->created;
    EXPECT_EQ(outcome->input_digest, outcomes[0]->input_digest);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(*Query(dsn_, "SELECT count(*) FROM executions"), "1");
  EXPECT_EQ(*Query(dsn_, "SELECT count(*) FROM nodes"), "50");
}

TEST_F(PostgresStoreTest, PoolNeverOpensMoreThanItsSize) {
  auto store = Open(2);
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      EXPECT_TRUE(
          (*store)->PutIfAbsent(Record(absl::StrCat("e", i), "d", 20)).ok());
    });
  }
  for (auto& thread : threads) thread.join();
  auto open = Query(dsn_,
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND application_name = "
                    "'override-resolver'");
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_LE(std::stoi(*open), 2);
}

// A call retried once when its first try was UNAVAILABLE: the most a caller
// should see after its connections died.
template <typename Call>
auto AtMostOneUnavailable(const Call& call) {
  auto result = call();
  if (!result.ok()) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable)
        << result.status();
    result = call();
  }
  return result;
}

TEST_F(PostgresStoreTest, ServiceResumesAfterConnectionsAreKilled) {
  auto store = Open(4);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->PutIfAbsent(Record("before", "a")).ok());
  // Kills every server process of the database but the caller's own, which
  // is what a restart or failover does to the pool's idle connections.
  const auto kill_connections = [&] {
    auto killed = Query(dsn_,
                        "SELECT count(pg_terminate_backend(pid)) FROM "
                        "pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()");
    ASSERT_TRUE(killed.ok()) << killed.status();
    EXPECT_GE(std::stoi(*killed), 1);
  };

  kill_connections();
  auto header = AtMostOneUnavailable([&] {
    return (*store)->GetHeader({"p", "d", "before", ""});
  });
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->input_digest, "a");

  kill_connections();
  auto put = AtMostOneUnavailable(
      [&] { return (*store)->PutIfAbsent(Record("after", "b")); });
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->input_digest, "b");

  kill_connections();
  auto nodes = AtMostOneUnavailable([&] {
    return (*store)->GetNodes(ExecutionKey{"p", "d", "after", ""}, "");
  });
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(nodes->size(), 2u);
  EXPECT_TRUE((*store)->Ping().ok());
}

// The grants docs/storage.md lists are enough once an owner has migrated.
TEST_F(PostgresStoreTest, ARuntimeRoleWithTheDocumentedGrantsServes) {
  ASSERT_TRUE(Open().ok());  // migrated by the owner
  const std::string role = absl::StrCat("fo_app_", getpid());
  ASSERT_TRUE(Query(dsn_, absl::StrCat("DROP ROLE IF EXISTS ", role)).ok());
  for (const std::string& grant : {
           absl::StrCat("CREATE ROLE ", role, " LOGIN"),
           absl::StrCat("GRANT CONNECT ON DATABASE ",
                        *Query(dsn_, "SELECT current_database()"), " TO ",
                        role),
           absl::StrCat("GRANT USAGE ON SCHEMA public TO ", role),
           absl::StrCat(
               "GRANT SELECT, INSERT, UPDATE, DELETE ON executions TO ", role),
           absl::StrCat("GRANT SELECT, INSERT ON nodes, dynamic_parents TO ",
                        role),
           absl::StrCat("GRANT SELECT ON schema_migrations TO ", role),
           absl::StrCat("GRANT USAGE ON SEQUENCE executions_id_seq TO ", role),
       }) {
    ASSERT_TRUE(Query(dsn_, grant).ok()) << grant;
  }
  {
    auto store = PostgresStore::Open(
        {absl::StrCat(dsn_, " user=", role), 2, absl::Seconds(10)});
    ASSERT_TRUE(store.ok()) << store.status();
    const ExecutionKey key{"p", "d", "e", ""};
    ExecutionRecord record = Record("e", "a");
    record.expires = absl::FromUnixSeconds(1);
    EXPECT_TRUE((*store)->PutIfAbsent(record).ok());
    EXPECT_FALSE((*store)->PutIfAbsent(record)->created);
    EXPECT_TRUE((*store)->GetHeader(key).ok());
    EXPECT_TRUE((*store)->GetNodes(key, "n1").ok());
    ListQuery query{"p", "d", "", std::nullopt, 10};
    auto listed = (*store)->ListRecords(query);
    EXPECT_TRUE(listed.ok()) << listed.status();
    auto dynamic = (*store)->PutDynamic(key, "n0", "x", {Node("n0/d0")});
    EXPECT_TRUE(dynamic.ok()) << dynamic.status();
    auto purged = (*store)->PurgeExpired(absl::FromUnixSeconds(2), 10);
    ASSERT_TRUE(purged.ok()) << purged.status();
    EXPECT_EQ(*purged, 1);
    EXPECT_TRUE((*store)->Ping().ok());
  }
  // The role owns nothing; dropping it leaves the database as it was.
  Query(dsn_, absl::StrCat("DROP OWNED BY ", role)).status().IgnoreError();
  Query(dsn_, absl::StrCat("DROP ROLE ", role)).status().IgnoreError();
}

TEST(PostgresStoreUnreachable, ClosedPortIsUnavailableQuickly) {
  const absl::Time start = absl::Now();
  auto store = PostgresStore::Open(
      {absl::StrCat("host=127.0.0.1 port=", ClosedPort(),
                    " dbname=override user=postgres connect_timeout=3"),
       2, absl::Seconds(3)});
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable)
      << store.status();
  EXPECT_LT(took, absl::Seconds(5));
}

TEST(PostgresStoreUnreachable, SilentServerIsUnavailableWithinTheTimeout) {
  // Accepts TCP connections (the kernel's backlog does) but never answers.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  ASSERT_EQ(listen(fd, 8), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const absl::Time start = absl::Now();
  auto store = PostgresStore::Open(
      {absl::StrCat("host=127.0.0.1 port=", ntohs(address.sin_port),
                    " dbname=override user=postgres sslmode=disable"),
       2, absl::Milliseconds(500)});
  const absl::Duration took = absl::Now() - start;
  close(fd);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable)
      << store.status();
  EXPECT_LT(took, absl::Seconds(5));
}

TEST(PostgresStoreOptions, MalformedConnectionStringIsInvalid) {
  auto store = PostgresStore::Open({"host=127.0.0.1 nonsense", 2});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument)
      << store.status();
}

}  // namespace
}  // namespace flyteoverride::storage
