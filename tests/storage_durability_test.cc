// A writer process killed with SIGKILL mid-stream loses no acknowledged
// record and leaves no partial one (docs/design.md section 6: "writes are atomic"),
// on SQLite and on PostgreSQL. The real binary records Resolve calls that
// several client threads stream at it; at a random moment it is killed; the
// store is then opened directly, past the service, and read back. Repeated
// a few times on the same database, each restart recovering what the last
// kill left.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "encoding/digest.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"
#include "storage/store_test_factories.h"
#include "tests/postgres_util.h"
#include "tests/server_process.h"

namespace flyteoverride::tests {
namespace {

using google::protobuf::util::MessageDifferencer;

// Nodes per record: enough that a write takes a while, so kills land in one.
constexpr int kNodes = 400;
constexpr int kClients = 3;
constexpr int kKills = 5;
constexpr absl::Duration kCallTimeout = absl::Seconds(30);

// What the store holds, read with SQL past the store: per execution name,
// its digest and how many node rows it has; and node rows whose execution
// row is missing.
struct Census {
  std::map<std::string, std::pair<std::string, int>> executions;
  int orphan_nodes = -1;
};

constexpr char kExecutionsSql[] =
    "SELECT e.name, e.input_digest, "
    "(SELECT count(*) FROM nodes n WHERE n.execution_id = e.id) "
    "FROM executions e";
constexpr char kOrphansSql[] =
    "SELECT count(*) FROM nodes WHERE execution_id NOT IN "
    "(SELECT id FROM executions)";

absl::StatusOr<Census> SqliteCensus(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    return absl::InternalError(absl::StrCat("cannot open ", path));
  }
  Census census;
  absl::Status status;
  auto each_row = [&](const char* sql,
                      const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* statement = nullptr;
    int code = sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
    while (code == SQLITE_OK || code == SQLITE_ROW) {
      code = sqlite3_step(statement);
      if (code == SQLITE_ROW) row(statement);
    }
    if (code != SQLITE_DONE && status.ok())
      status = absl::InternalError(absl::StrCat(sql, ": ", sqlite3_errmsg(db)));
    sqlite3_finalize(statement);
  };
  auto text = [](sqlite3_stmt* s, int column) {
    const unsigned char* value = sqlite3_column_text(s, column);
    return std::string(value ? reinterpret_cast<const char*>(value) : "");
  };
  each_row("PRAGMA integrity_check", [&](sqlite3_stmt* s) {
    if (text(s, 0) != "ok" && status.ok())
      status = absl::DataLossError(absl::StrCat("integrity: ", text(s, 0)));
  });
  each_row(kExecutionsSql, [&](sqlite3_stmt* s) {
    census.executions[text(s, 0)] = {text(s, 1), sqlite3_column_int(s, 2)};
  });
  each_row(kOrphansSql, [&](sqlite3_stmt* s) {
    census.orphan_nodes = sqlite3_column_int(s, 0);
  });
  sqlite3_close(db);
  if (!status.ok()) return status;
  return census;
}

absl::StatusOr<Census> PostgresCensus(const std::string& dsn) {
  auto executions = SqlRows(dsn, kExecutionsSql);
  if (!executions.ok()) return executions.status();
  auto orphans = SqlRows(dsn, kOrphansSql);
  if (!orphans.ok()) return orphans.status();
  Census census;
  for (const auto& row : *executions)
    census.executions[row[0]] = {row[1], std::stoi(row[2])};
  census.orphan_nodes = std::stoi((*orphans)[0][0]);
  return census;
}

// What the clients sent and what the server acknowledged, over every round.
struct Ledger {
  std::mutex mu;
  std::set<std::string> sent;
  std::map<std::string, v1::ResolveResponse> acked;
  std::vector<std::string> failures;  // calls that failed before the kill
};

struct Backend {
  std::string name;
  std::string storage_yaml;
  std::function<absl::StatusOr<std::unique_ptr<storage::Store>>()> open;
  std::function<absl::StatusOr<Census>()> census;
  // Waits until the killed writer can change nothing more; an error if it
  // still can.
  std::function<absl::Status()> settle = [] { return absl::OkStatus(); };
};

// Streams recorded Resolve calls at a fresh server on the backend until it
// is killed at a random moment; returns how many calls were in flight then.
int StreamAndKill(const Backend& backend, int round, std::mt19937* random,
                  Ledger* ledger) {
  ServerProcess server(absl::StrCat(backend.name, "-", round),
                       backend.storage_yaml);
  if (!server.WaitServing()) {
    ADD_FAILURE() << server.Why();
    return -1;
  }
  std::atomic<bool> killed{false};
  std::atomic<int> in_flight{0}, acked{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int seq = 0; !killed; ++seq) {
        const std::string name = absl::StrCat("r", round, "-c", c, "-", seq);
        const v1::ResolveRequest request = RecordedRequest(name, kNodes, name);
        {
          std::lock_guard<std::mutex> lock(ledger->mu);
          ledger->sent.insert(name);
        }
        ++in_flight;
        v1::ResolveResponse response;
        const grpc::Status status =
            server.Resolve(request, &response, kCallTimeout);
        --in_flight;
        std::lock_guard<std::mutex> lock(ledger->mu);
        if (status.ok()) {
          ledger->acked[name] = std::move(response);
          ++acked;
        } else if (!killed) {
          ledger->failures.push_back(absl::StrCat(
              name, ": ", status.error_code(), " ", status.error_message()));
          return;
        }
      }
    });
  }
  // A random moment once the stream is going: after some acknowledgements,
  // plus a random fraction of a call's time.
  const int after = std::uniform_int_distribution<int>(5, 80)(*random);
  EXPECT_TRUE(WaitFor([&] { return acked >= after; }, absl::Seconds(60)))
      << "only " << acked << " calls acknowledged\n"
      << server.Why();
  absl::SleepFor(absl::Microseconds(
      std::uniform_int_distribution<int>(0, 20'000)(*random)));
  const int in_flight_at_kill = in_flight;
  killed = true;
  server.child().Signal(SIGKILL);
  for (auto& client : clients) client.join();
  const int wait = server.child().Wait(absl::Seconds(10));
  EXPECT_TRUE(WIFSIGNALED(wait) && WTERMSIG(wait) == SIGKILL)
      << "wait status " << wait;
  std::cout << backend.name << " round " << round << ": killed after " << acked
            << " acknowledged, " << in_flight_at_kill << " in flight\n";
  return in_flight_at_kill;
}

// Every acknowledged record whole, with its digest and nodes; every record
// present complete; nothing else in the store.
void CheckStore(const Backend& backend, Ledger* ledger) {
  std::lock_guard<std::mutex> lock(ledger->mu);
  EXPECT_TRUE(ledger->failures.empty())
      << ledger->failures.size()
      << " calls failed before the kill; first: " << ledger->failures.front();
  auto store = backend.open();
  ASSERT_TRUE(store.ok()) << store.status();
  for (const auto& [name, response] : ledger->acked) {
    const storage::ExecutionKey key{"flytesnacks", "development", name, ""};
    auto header = (*store)->GetHeader(key);
    ASSERT_TRUE(header.ok())
        << "acknowledged " << name << " lost: " << header.status();
    EXPECT_EQ(header->input_digest, response.input_digest()) << name;
    auto nodes = (*store)->GetNodes(key, "");
    ASSERT_TRUE(nodes.ok()) << name << ": " << nodes.status();
    ASSERT_EQ(nodes->size(), static_cast<size_t>(response.nodes_size()))
        << name;
    for (int i = 0; i < response.nodes_size(); ++i) {
      // Records keep the explanation the answer did not ask for.
      v1::ResolvedNode recorded = (*nodes)[i].node();
      ASSERT_GT(recorded.provenance_size(), 0) << name << " node " << i;
      recorded.clear_effective();
      recorded.clear_provenance();
      ASSERT_TRUE(MessageDifferencer::Equals(recorded, response.nodes(i)))
          << name << " node " << i << ":\n"
          << recorded.DebugString() << "\nacknowledged:\n"
          << response.nodes(i).DebugString();
    }
  }
  // Sent but not acknowledged: there whole (the kill came after the commit)
  // or not at all.
  int unacknowledged_present = 0;
  for (const std::string& name : ledger->sent) {
    if (ledger->acked.count(name)) continue;
    const storage::ExecutionKey key{"flytesnacks", "development", name, ""};
    auto header = (*store)->GetHeader(key);
    if (!header.ok()) {
      EXPECT_EQ(header.status().code(), absl::StatusCode::kNotFound)
          << name << ": " << header.status();
      continue;
    }
    ++unacknowledged_present;
    EXPECT_EQ(header->input_digest,
              encoding::InputDigest(RecordedRequest(name, kNodes, name)))
        << name;
    auto nodes = (*store)->GetNodes(key, "");
    ASSERT_TRUE(nodes.ok()) << name << ": " << nodes.status();
    EXPECT_EQ(nodes->size(), static_cast<size_t>(kNodes))
        << name << " is there in part";
  }
  std::cout << "  " << ledger->acked.size() << " acknowledged, "
            << unacknowledged_present
            << " committed but unacknowledged, all whole\n";
  store->reset();
  auto census = backend.census();
  ASSERT_TRUE(census.ok()) << census.status();
  EXPECT_EQ(census->orphan_nodes, 0);
  EXPECT_EQ(census->executions.size(),
            ledger->acked.size() + unacknowledged_present);
  for (const auto& [name, execution] : census->executions) {
    EXPECT_TRUE(ledger->sent.count(name)) << "a record nobody sent: " << name;
    EXPECT_EQ(execution.second, kNodes) << name << " has missing nodes";
  }
}

void KillRepeatedly(const Backend& backend) {
  const unsigned seed = std::random_device()();
  std::cout << backend.name << ": random seed " << seed << "\n";
  std::mt19937 random(seed);
  Ledger ledger;
  int rounds_killed_mid_call = 0;
  for (int round = 0; round < kKills; ++round) {
    const int in_flight = StreamAndKill(backend, round, &random, &ledger);
    ASSERT_GE(in_flight, 0);
    rounds_killed_mid_call += in_flight > 0;
    const absl::Status settled = backend.settle();
    ASSERT_TRUE(settled.ok()) << settled;
    CheckStore(backend, &ledger);
    if (testing::Test::HasFatalFailure()) return;
  }
  // The point is a kill with writes under way; with clients streaming
  // back to back, calls are nearly always in flight.
  EXPECT_GT(rounds_killed_mid_call, 0) << "every kill found the server idle";
  EXPECT_GT(ledger.acked.size(), 0u);
}

TEST(StorageDurability, SqliteKeepsEveryAcknowledgedRecordWholeAcrossSigkill) {
  const std::string path = absl::StrCat(TmpDir(), "/durability.db");
  KillRepeatedly(
      Backend{"sqlite", SqliteStorage(path),
              [path]() -> absl::StatusOr<std::unique_ptr<storage::Store>> {
                auto store = storage::SqliteStore::Open({path});
                if (!store.ok()) return store.status();
                return std::unique_ptr<storage::Store>(*std::move(store));
              },
              [path] { return SqliteCensus(path); }});
}

TEST(StorageDurability,
     PostgresKeepsEveryAcknowledgedRecordWholeAcrossSigkill) {
  if (!PostgresWanted()) GTEST_SKIP() << kPostgresSkipped;
  auto dsn = storage::FreshPostgresDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  const std::string database = *dsn;
  KillRepeatedly(Backend{
      "postgres", PostgresStorage(database),
      [database]() -> absl::StatusOr<std::unique_ptr<storage::Store>> {
        auto store =
            storage::PostgresStore::Open({database, 2, absl::Seconds(10)});
        if (!store.ok()) return store.status();
        return std::unique_ptr<storage::Store>(*std::move(store));
      },
      [database] { return PostgresCensus(database); },
      // A COMMIT the writer sent just before it died may still land: wait
      // for its sessions to end.
      [database]() -> absl::Status {
        absl::Status status;
        const bool gone = WaitFor(
            [&] {
              auto rows = SqlRows(database,
                                  "SELECT count(*) FROM pg_stat_activity "
                                  "WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()");
              status = rows.status();
              return rows.ok() && (*rows)[0][0] == "0";
            },
            absl::Seconds(20));
        if (!status.ok()) return status;
        if (!gone) {
          return absl::DeadlineExceededError(
              "the killed server's sessions are still open after 20 s");
        }
        return absl::OkStatus();
      }});
}

}  // namespace
}  // namespace flyteoverride::tests
