// Several replicas, one PostgreSQL database (docs/design.md section 6): three server
// processes start at once on a fresh database, and clients resolve through
// all of them together: distinct executions, identical first calls racing
// on one execution, and different inputs racing for one execution id. Then
// every acknowledged record is there exactly once and reads the same through
// every replica; identical racers all got the one answer; of different
// inputs for one id, one won and every other got ALREADY_EXISTS.
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "storage/store_test_factories.h"
#include "tests/postgres_util.h"
#include "tests/server_process.h"

namespace flyteoverride::tests {
namespace {

using google::protobuf::util::MessageDifferencer;
using grpc::StatusCode;

constexpr int kReplicas = 3;
constexpr int kNodes = 200;
// Distinct executions: writers, and calls each, spread over the replicas.
constexpr int kWriters = 6;
constexpr int kCallsEach = 15;
// Racing rounds of each kind, and racers per round (each replica gets two).
constexpr int kRounds = 8;
constexpr int kRacers = 2 * kReplicas;
constexpr absl::Duration kTimeout = absl::Seconds(30);

struct Outcome {
  grpc::Status status;
  v1::ResolveResponse response;
};

// What the load produced, shared by the tests that check it.
struct Load {
  std::string dsn;
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  std::mutex mu;
  std::map<std::string, Outcome> distinct;              // by execution
  std::vector<std::vector<Outcome>> same, conflicting;  // [round][racer]
  std::vector<std::vector<v1::ResolveRequest>> conflicting_requests;
};

void SameNodes(const v1::ResolveResponse& want,
               const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& got,
               const std::string& what) {
  ASSERT_EQ(got.size(), want.nodes_size()) << what;
  for (int i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(MessageDifferencer::Equals(got[i], want.nodes(i)))
        << what << " node " << i << ":\n"
        << got[i].DebugString() << "\nwant:\n"
        << want.nodes(i).DebugString();
  }
}

class PostgresReplicas : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!PostgresWanted()) return;
    load_ = new Load;
    auto dsn = storage::FreshPostgresDatabase();
    if (!dsn.ok()) {
      setup_error_ = dsn.status().ToString();
      return;
    }
    load_->dsn = *dsn;
    // Started together: their migrations race too.
    for (int i = 0; i < kReplicas; ++i) {
      load_->replicas.push_back(std::make_unique<ServerProcess>(
          absl::StrCat("replica-", i), PostgresStorage(load_->dsn)));
    }
    for (auto& replica : load_->replicas) {
      if (!replica->WaitServing()) {
        setup_error_ = replica->Why();
        return;
      }
    }
    RunLoad();
  }

  static void TearDownTestSuite() {
    delete load_;
    load_ = nullptr;
  }

  void SetUp() override {
    if (!PostgresWanted()) GTEST_SKIP() << kPostgresSkipped;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static ServerProcess& Replica(int i) {
    return *load_->replicas[i % kReplicas];
  }

  // Writers of distinct executions, while rounds of racers run beside them.
  static void RunLoad() {
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([w] {
        for (int i = 0; i < kCallsEach; ++i) {
          const std::string name = absl::StrCat("distinct-", w, "-", i);
          Outcome outcome;
          outcome.status = Replica(w + i).Resolve(
              RecordedRequest(name, kNodes, name), &outcome.response, kTimeout);
          std::lock_guard<std::mutex> lock(load_->mu);
          load_->distinct[name] = std::move(outcome);
        }
      });
    }
    for (int round = 0; round < kRounds; ++round) {
      const std::string same = absl::StrCat("same-", round);
      load_->same.push_back(Race(std::vector<v1::ResolveRequest>(
          kRacers, RecordedRequest(same, kNodes, "one input"))));
      const std::string conflict = absl::StrCat("conflict-", round);
      std::vector<v1::ResolveRequest> requests;
      for (int r = 0; r < kRacers; ++r) {
        requests.push_back(
            RecordedRequest(conflict, kNodes, absl::StrCat("input ", r)));
      }
      load_->conflicting.push_back(Race(requests));
      load_->conflicting_requests.push_back(std::move(requests));
    }
    for (auto& writer : writers) writer.join();
  }

  // Racer r sends requests[r] through replica r, all released at once.
  static std::vector<Outcome> Race(
      const std::vector<v1::ResolveRequest>& requests) {
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    std::vector<std::future<Outcome>> racers;
    for (size_t r = 0; r < requests.size(); ++r) {
      racers.push_back(std::async(std::launch::async, [&, r] {
        start.wait();
        Outcome outcome;
        outcome.status =
            Replica(r).Resolve(requests[r], &outcome.response, kTimeout);
        return outcome;
      }));
    }
    go.set_value();
    std::vector<Outcome> outcomes;
    for (auto& racer : racers) outcomes.push_back(racer.get());
    return outcomes;
  }

  // GetResolved through every replica gives `want`'s digest and nodes.
  static void ReadsTheSameEverywhere(const std::string& name,
                                     const v1::ResolveResponse& want) {
    for (int i = 0; i < kReplicas; ++i) {
      v1::GetResolvedResponse got;
      const grpc::Status status =
          Replica(i).GetResolved(name, "", &got, kTimeout);
      ASSERT_TRUE(status.ok())
          << name << " on replica " << i << ": " << status.error_code() << " "
          << status.error_message();
      EXPECT_EQ(got.input_digest(), want.input_digest())
          << name << " on replica " << i;
      SameNodes(want, got.nodes(), absl::StrCat(name, " on replica ", i));
    }
  }

  static Load* load_;
  static std::string setup_error_;
};

Load* PostgresReplicas::load_ = nullptr;
std::string PostgresReplicas::setup_error_;

TEST_F(PostgresReplicas, EveryAcknowledgedRecordIsStoredExactlyOnce) {
  // Every record the load acknowledged, by execution name.
  std::map<std::string, const v1::ResolveResponse*> acknowledged;
  for (const auto& [name, outcome] : load_->distinct) {
    EXPECT_TRUE(outcome.status.ok())
        << name << ": " << outcome.status.error_code() << " "
        << outcome.status.error_message();
    if (outcome.status.ok()) acknowledged[name] = &outcome.response;
  }
  EXPECT_EQ(load_->distinct.size(), static_cast<size_t>(kWriters * kCallsEach));
  for (int round = 0; round < kRounds; ++round) {
    for (const auto& [prefix, outcomes] :
         {std::make_pair("same-", &load_->same[round]),
          std::make_pair("conflict-", &load_->conflicting[round])}) {
      for (const Outcome& outcome : *outcomes) {
        if (outcome.status.ok()) {
          acknowledged[absl::StrCat(prefix, round)] = &outcome.response;
          break;
        }
      }
    }
  }

  // Past the service: one row per execution, each with all its nodes.
  auto rows = SqlRows(load_->dsn,
                      "SELECT e.org, e.project, e.domain, e.name, count(*) "
                      "FILTER (WHERE n.node_path IS NOT NULL) "
                      "FROM executions e LEFT JOIN nodes n "
                      "ON n.execution_id = e.id GROUP BY e.id");
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::map<std::string, int> rows_per_name;
  for (const auto& row : *rows) {
    EXPECT_EQ(row[1], "flytesnacks");
    EXPECT_EQ(row[2], "development");
    ++rows_per_name[row[3]];
    EXPECT_EQ(row[4], absl::StrCat(kNodes)) << row[3] << " is incomplete";
  }
  EXPECT_EQ(rows->size(), acknowledged.size());
  for (const auto& [name, count] : rows_per_name) {
    EXPECT_EQ(count, 1) << name;
    EXPECT_TRUE(acknowledged.count(name)) << "unacknowledged record " << name;
  }
  for (const auto& [name, response] : acknowledged) {
    EXPECT_EQ(rows_per_name[name], 1) << name;
    ReadsTheSameEverywhere(name, *response);
  }
}

TEST_F(PostgresReplicas, IdenticalFirstCallsOnSeveralReplicasGetOneAnswer) {
  for (int round = 0; round < kRounds; ++round) {
    const std::vector<Outcome>& racers = load_->same[round];
    for (size_t r = 0; r < racers.size(); ++r) {
      ASSERT_TRUE(racers[r].status.ok())
          << "round " << round << " racer " << r << ": "
          << racers[r].status.error_code() << " "
          << racers[r].status.error_message();
      EXPECT_EQ(racers[r].response.input_digest(),
                racers[0].response.input_digest());
      SameNodes(racers[0].response, racers[r].response.nodes(),
                absl::StrCat("round ", round, " racer ", r));
      EXPECT_EQ(racers[r].response.warnings_size(), 0)
          << racers[r].response.DebugString();
    }
    ReadsTheSameEverywhere(absl::StrCat("same-", round), racers[0].response);
  }
}

TEST_F(PostgresReplicas, DifferentInputsForOneIdAreAlreadyExistsOnAllButOne) {
  for (int round = 0; round < kRounds; ++round) {
    const std::vector<Outcome>& racers = load_->conflicting[round];
    int winner = -1;
    for (size_t r = 0; r < racers.size(); ++r) {
      if (racers[r].status.ok()) {
        EXPECT_EQ(winner, -1) << "round " << round << ": racers " << winner
                              << " and " << r << " both won";
        winner = static_cast<int>(r);
      } else {
        EXPECT_EQ(racers[r].status.error_code(), StatusCode::ALREADY_EXISTS)
            << "round " << round << " racer " << r << ": "
            << racers[r].status.error_message();
      }
    }
    ASSERT_NE(winner, -1) << "round " << round << ": nobody won";
    const std::string name = absl::StrCat("conflict-", round);
    ReadsTheSameEverywhere(name, racers[winner].response);
    // Afterwards, on every replica: the winner's inputs get the recorded
    // answer again, anyone else's ALREADY_EXISTS.
    const auto& requests = load_->conflicting_requests[round];
    for (int i = 0; i < kReplicas; ++i) {
      for (size_t r = 0; r < requests.size(); ++r) {
        v1::ResolveResponse response;
        const grpc::Status status =
            Replica(i).Resolve(requests[r], &response, kTimeout);
        if (static_cast<int>(r) == winner) {
          ASSERT_TRUE(status.ok()) << status.error_message();
          EXPECT_EQ(response.input_digest(),
                    racers[winner].response.input_digest());
        } else {
          EXPECT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS)
              << "replica " << i << " racer " << r;
        }
      }
    }
  }
}

}  // namespace
}  // namespace flyteoverride::tests
