// When the database goes away (docs/storage.md, "When the database is
// down"): the real binary runs on a PostgreSQL server of the test's own
// (scripts/postgres.sh, instance "outage-PID"), with storage.timeout 1s,
// while clients keep calling. The database then crashes (pg_ctl stop -m
// immediate) or freezes (every PostgreSQL process stopped with SIGSTOP: the
// port still accepts connections, nothing answers). Calls then fail with
// UNAVAILABLE within the storage timeout, never hanging to their deadline,
// and /readyz answers 503; nothing is half-written. Once the database is
// back, on the same port, calls succeed again and /readyz is 200, without
// restarting the server.
#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "encoding/digest.h"
#include "tests/postgres_util.h"
#include "tests/server_process.h"

namespace flyteoverride::tests {
namespace {

using grpc::StatusCode;

constexpr int kNodes = 50;
// Each call's deadline, and the bound a call that fails for storage must
// stay well under it: the storage timeout (1s) for each storage operation
// (GetResolved makes two), plus the resolve and slack for a loaded machine.
constexpr absl::Duration kDeadline = absl::Seconds(15);
constexpr absl::Duration kFailFast = absl::Seconds(5);
constexpr int kCallers = 2;

struct Call {
  std::string execution;  // empty for GetResolved
  grpc::StatusCode code;
  absl::Duration took;
};

class PostgresOutage : public testing::Test {
 protected:
  void SetUp() override {
    if (!PostgresWanted()) GTEST_SKIP() << kPostgresSkipped;
    auto postgres = OwnPostgres::Start("outage");
    ASSERT_TRUE(postgres.ok())
        << "could not start a PostgreSQL of this test's own with "
           "scripts/postgres.sh (Debian's postgresql package; as root it "
           "runs the server as the postgres user): "
        << postgres.status();
    postgres_ = *std::move(postgres);
    server_ = std::make_unique<ServerProcess>(
        "outage", absl::StrCat("server:\n  default_deadline: 15s\n",
                               PostgresStorage(postgres_->dsn(), "1s")));
    ASSERT_TRUE(server_->WaitServing()) << server_->Why();
  }

  void TearDown() override {
    StopCallers();
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->child().running())
          << "the server exited during the test\n"
          << server_->Why();
    }
    server_.reset();
    postgres_.reset();  // thaws, stops and removes it
  }

  // Resolve with a new execution id; the call's status, timed.
  Call ResolveNew(const std::string& prefix) {
    const std::string name = absl::StrCat(prefix, "-", counter_++);
    v1::ResolveResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status status = server_->Resolve(
        RecordedRequest(name, kNodes, name), &response, kDeadline);
    return Call{name, status.error_code(), absl::Now() - start};
  }

  Call Read(const std::string& execution) {
    v1::GetResolvedResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status status =
        server_->GetResolved(execution, "", &response, kDeadline);
    return Call{"", status.error_code(), absl::Now() - start};
  }

  // Clients that keep resolving new executions and reading `recorded`,
  // until StopCallers().
  void StartCallers(const std::string& recorded) {
    for (int c = 0; c < kCallers; ++c) {
      callers_.emplace_back([this, c, recorded] {
        for (int i = 0; !stop_; ++i) {
          // The first caller reads every third call; the rest write.
          Call call =
              c == 0 && i % 3 == 0 ? Read(recorded) : ResolveNew("during");
          {
            std::lock_guard<std::mutex> lock(mu_);
            calls_.push_back(std::move(call));
          }
          absl::SleepFor(absl::Milliseconds(20));
        }
      });
    }
  }

  void StopCallers() {
    stop_ = true;
    for (auto& caller : callers_) caller.join();
    callers_.clear();
  }

  int Count(grpc::StatusCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const Call& call : calls_) n += call.code == code;
    return n;
  }

  // /readyz reaches `want`, each probe answered within kFailFast.
  void ExpectReadyz(int want) {
    int got = 0;
    EXPECT_TRUE(WaitFor(
        [&] {
          const absl::Time start = absl::Now();
          got = server_->Readyz(kDeadline);
          EXPECT_LT(absl::Now() - start, kFailFast) << "/readyz hung";
          return got == want;
        },
        absl::Seconds(30)))
        << "/readyz stayed " << got << ", want " << want;
  }

  // The database goes away by `take_down` and comes back by `bring_back`.
  void OutageAndRecovery(const std::function<absl::Status()>& take_down,
                         const std::function<absl::Status()>& bring_back) {
    // Before: records are made, and the replica is ready.
    v1::ResolveResponse before;
    ASSERT_TRUE(server_
                    ->Resolve(RecordedRequest("before", kNodes, "before"),
                              &before, kDeadline)
                    .ok());
    ExpectReadyz(200);
    StartCallers("before");
    ASSERT_TRUE(
        WaitFor([&] { return Count(StatusCode::OK) >= 5; }, absl::Seconds(30)));

    const absl::Status down = take_down();
    ASSERT_TRUE(down.ok()) << down;
    ExpectReadyz(503);
    EXPECT_NE(
        HttpCall(server_->http_port(), "GET", "/readyz").body.find("not ready"),
        std::string::npos);
    EXPECT_EQ(HttpCall(server_->http_port(), "GET", "/healthz").status, 200)
        << "the process is fine; only readiness follows the database";
    EXPECT_TRUE(WaitFor([&] { return Count(StatusCode::UNAVAILABLE) >= 5; },
                        absl::Seconds(30)))
        << "calls kept succeeding with the database down";
    // Calls of this thread too, each write and read.
    for (int i = 0; i < 3; ++i) {
      const Call write = ResolveNew("down");
      EXPECT_EQ(write.code, StatusCode::UNAVAILABLE) << write.execution;
      EXPECT_LT(write.took, kFailFast);
      const Call read = Read("before");
      EXPECT_EQ(read.code, StatusCode::UNAVAILABLE);
      EXPECT_LT(read.took, kFailFast);
    }

    const absl::Status back = bring_back();
    ASSERT_TRUE(back.ok()) << back;
    // Service resumes by itself: no restart of the server.
    Call after;
    EXPECT_TRUE(WaitFor(
        [&] {
          after = ResolveNew("after");
          return after.code == StatusCode::OK;
        },
        absl::Seconds(30)))
        << "calls still fail after the database came back: " << after.code;
    ExpectReadyz(200);
    const int ok_before_resume = Count(StatusCode::OK);
    EXPECT_TRUE(
        WaitFor([&] { return Count(StatusCode::OK) > ok_before_resume + 3; },
                absl::Seconds(30)));
    StopCallers();

    // No call hung, and none failed otherwise than UNAVAILABLE.
    std::lock_guard<std::mutex> lock(mu_);
    for (const Call& call : calls_) {
      EXPECT_TRUE(call.code == StatusCode::OK ||
                  call.code == StatusCode::UNAVAILABLE)
          << call.execution << ": code " << call.code;
      EXPECT_LT(call.took, kFailFast)
          << call.execution << " (code " << call.code << ")";
    }
    // Recorded before the outage: still there, the same.
    v1::GetResolvedResponse recorded;
    ASSERT_TRUE(server_->GetResolved("before", "", &recorded, kDeadline).ok());
    EXPECT_EQ(recorded.input_digest(), before.input_digest());
    EXPECT_EQ(recorded.nodes_size(), kNodes);
    // Nothing half-written: a failed write is absent, or there whole (the
    // connection broke just as COMMIT was sent).
    for (const Call& call : calls_) {
      if (call.execution.empty() || call.code == StatusCode::OK) continue;
      v1::GetResolvedResponse got;
      const grpc::Status status =
          server_->GetResolved(call.execution, "", &got, kDeadline);
      if (status.error_code() == StatusCode::NOT_FOUND) continue;
      ASSERT_TRUE(status.ok())
          << call.execution << ": " << status.error_message();
      EXPECT_EQ(got.nodes_size(), kNodes) << call.execution;
      EXPECT_EQ(got.input_digest(),
                encoding::InputDigest(
                    RecordedRequest(call.execution, kNodes, call.execution)));
    }
    absl::Duration slowest_failure;
    for (const Call& call : calls_) {
      if (call.code != StatusCode::OK)
        slowest_failure = std::max(slowest_failure, call.took);
    }
    std::cout << calls_.size() << " calls: " << CountLocked(StatusCode::OK)
              << " OK, " << CountLocked(StatusCode::UNAVAILABLE)
              << " UNAVAILABLE, the slowest failure in " << slowest_failure
              << "\n";
  }

  int CountLocked(grpc::StatusCode code) const {
    int n = 0;
    for (const Call& call : calls_) n += call.code == code;
    return n;
  }

  std::unique_ptr<OwnPostgres> postgres_;
  std::unique_ptr<ServerProcess> server_;
  std::atomic<int> counter_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> callers_;
  std::mutex mu_;
  std::vector<Call> calls_;
};

TEST_F(PostgresOutage, CrashedDatabaseFailsCallsFastAndServiceResumes) {
  OutageAndRecovery([&] { return postgres_->Crash(); },
                    [&] { return postgres_->Restart(); });
}

TEST_F(PostgresOutage, FrozenDatabaseFailsCallsWithinTheTimeoutAndResumes) {
  OutageAndRecovery([&] { return postgres_->Freeze(); },
                    [&] { return postgres_->Thaw(); });
}

}  // namespace
}  // namespace flyteoverride::tests
