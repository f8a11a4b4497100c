// Calls spread over replicas by a real load balancer (docs/operations.md,
// "Balancing"): three server processes on one PostgreSQL database behind
// nginx running deploy/nginx/override-resolver.conf. Client threads share
// one channel (one HTTP/2 connection) to nginx, record executions and read
// each back, retrying what clients retry a bounded number of times. Under
// that load one replica is killed with SIGKILL and another stopped with
// SIGTERM.
// Then no call has failed for good, every acknowledged record reads the
// same through nginx and through the survivor, every replica served calls,
// and the survivor served all of them once it was alone.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "storage/store_test_factories.h"
#include "tests/nginx_process.h"
#include "tests/postgres_util.h"
#include "tests/server_process.h"

namespace flyteoverride::tests {
namespace {

using grpc::StatusCode;

constexpr char kSite[] = "deploy/nginx/override-resolver.conf";
constexpr int kReplicas = 3;
constexpr int kClients = 4;
constexpr int kNodes = 50;
// Attempts of one call: waits of 50ms doubling up to 1s, about 5s in all,
// more than nginx needs to find that a replica is gone.
constexpr int kAttempts = 10;
constexpr absl::Duration kCallTimeout = absl::Seconds(15);
constexpr absl::Duration kPhaseTimeout = absl::Seconds(20);

// override_resolver_calls_total summed over its labels; -1 without an
// answer from /metrics.
double CallsServed(ServerProcess& replica) {
  const HttpResult metrics = HttpCall(replica.http_port(), "GET", "/metrics");
  if (metrics.status != 200) return -1;
  double total = 0;
  for (absl::string_view line : absl::StrSplit(metrics.body, '\n')) {
    if (!absl::StartsWith(line, "override_resolver_calls_total{")) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value))
      total += value;
  }
  return total;
}

// What a client retries (docs/design.md section 5): UNAVAILABLE, and a
// CANCELLED it did not cause. These clients never cancel, so a CANCELLED
// comes from a replica whose shutdown began as the call reached it: gRPC
// cancels calls it had not yet handed to a handler (grpc/grpc#41785).
bool Retryable(const grpc::Status& status) {
  return status.error_code() == StatusCode::UNAVAILABLE ||
         status.error_code() == StatusCode::CANCELLED;
}

struct Retries {
  std::atomic<int> unavailable{0}, cancelled{0};
};

// `call` until it is not Retryable, kAttempts at most.
grpc::Status WithRetries(const std::function<grpc::Status()>& call,
                         Retries* retries) {
  absl::Duration wait = absl::Milliseconds(50);
  for (int attempt = 1;; ++attempt) {
    grpc::Status status = call();
    if (!Retryable(status) || attempt == kAttempts) return status;
    ++(status.error_code() == StatusCode::CANCELLED ? retries->cancelled
                                                    : retries->unavailable);
    absl::SleepFor(wait);
    wait = std::min(2 * wait, absl::Seconds(1));
  }
}

// Client threads calling through one channel until stopped.
class Load {
 public:
  explicit Load(ResolverClient* through) : through_(through) {
    for (int c = 0; c < kClients; ++c)
      threads_.emplace_back([this, c] { Run(c); });
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
  }

  // Calls answered OK so far, Resolve and GetResolved together.
  int answered() const { return answered_; }
  const Retries& retries() const { return retries_; }
  // Named in failures: what was happening to the replicas when one failed.
  void set_phase(const char* phase) { phase_ = phase; }
  // Acknowledged records: execution name to input digest. After Stop().
  const std::map<std::string, std::string>& records() const { return records_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  void Run(int client) {
    for (int i = 0; !stop_; ++i) {
      const std::string name = absl::StrCat("balanced-", client, "-", i);
      v1::ResolveResponse resolved;
      grpc::Status status = WithRetries(
          [&] {
            return through_->Resolve(RecordedRequest(name, kNodes, name),
                                     &resolved, kCallTimeout);
          },
          &retries_);
      if (!status.ok()) {
        Fail(absl::StrCat("Resolve ", name, ": ", status.error_code(), " ",
                          status.error_message()));
        continue;
      }
      ++answered_;
      {
        std::lock_guard<std::mutex> lock(mu_);
        records_[name] = resolved.input_digest();
      }
      v1::GetResolvedResponse read;
      status = WithRetries(
          [&] { return through_->GetResolved(name, "", &read, kCallTimeout); },
          &retries_);
      if (!status.ok() || read.input_digest() != resolved.input_digest()) {
        Fail(absl::StrCat("GetResolved ", name, ": ", status.error_code(), " ",
                          status.error_message(), " digest ",
                          read.input_digest()));
        continue;
      }
      ++answered_;
    }
  }

  void Fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_.push_back(absl::StrCat(phase_.load(), ": ", what));
  }

  ResolverClient* through_;
  std::atomic<bool> stop_{false};
  std::atomic<const char*> phase_{"three replicas"};
  std::atomic<int> answered_{0};
  Retries retries_;
  std::mutex mu_;
  std::map<std::string, std::string> records_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

TEST(NginxBalancing, CallsSpreadAndSurviveReplicasGoing) {
  if (!PostgresWanted()) GTEST_SKIP() << kPostgresSkipped;
  auto dsn = storage::FreshPostgresDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  std::vector<int> ports;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.push_back(std::make_unique<ServerProcess>(
        absl::StrCat("replica-", i),
        PostgresStorage(*dsn) + "server:\n  shutdown_grace: 2s\n"));
    ASSERT_TRUE(replicas[i]->WaitServing()) << replicas[i]->Why();
    ports.push_back(replicas[i]->grpc_port());
  }
  auto nginx = NginxProcess::Start("nginx", kSite, ports);
  ASSERT_TRUE(nginx.ok()) << nginx.status();
  ResolverClient through_nginx;
  through_nginx.Connect((*nginx)->port());
  ASSERT_TRUE(WaitFor(
      [&] {
        return through_nginx.Check("") ==
               grpc::health::v1::HealthCheckResponse::SERVING;
      },
      kPhaseTimeout))
      << (*nginx)->Log();

  ServerProcess& killed = *replicas[0];
  ServerProcess& stopped = *replicas[1];
  ServerProcess& survivor = *replicas[2];
  Load load(&through_nginx);

  const auto more_answers = [&](int count) {
    const int from = load.answered();
    return WaitFor([&] { return load.answered() >= from + count; },
                   kPhaseTimeout);
  };
  // One client connection, yet every replica serves a share of the calls.
  ASSERT_TRUE(more_answers(60)) << "no load: " << (*nginx)->Log();
  std::vector<double> shares;
  for (auto& replica : replicas) shares.push_back(CallsServed(*replica));
  std::cout << "balancing: calls served by each replica before the kill: "
            << absl::StrJoin(shares, ", ") << "\n";
  for (int i = 0; i < kReplicas; ++i)
    EXPECT_GE(shares[i], 10) << "replica " << i;
  load.set_phase("after SIGKILL");
  killed.child().Signal(SIGKILL);
  EXPECT_TRUE(more_answers(50)) << "the load stalled after SIGKILL";
  load.set_phase("after SIGTERM");
  stopped.child().Signal(SIGTERM);
  const int stop_status = stopped.child().Wait(absl::Seconds(10));
  EXPECT_TRUE(WIFEXITED(stop_status) && WEXITSTATUS(stop_status) == 0)
      << "wait status " << stop_status << "\n"
      << stopped.Why();

  // Alone now: calls answered from here on were served by the survivor,
  // but for those it had counted before `served` was read (one in flight
  // per client at most).
  load.set_phase("one replica left");
  const double served = CallsServed(survivor);
  const int answered = load.answered();
  EXPECT_TRUE(more_answers(50)) << "the load stalled after SIGTERM";
  load.Stop();
  const int answered_alone = load.answered() - answered;
  EXPECT_TRUE(WaitFor(
      [&] {
        return CallsServed(survivor) - served >= answered_alone - kClients;
      },
      absl::Seconds(5)))
      << "the survivor served " << CallsServed(survivor) - served << " of "
      << answered_alone << " calls answered while it was alone";

  EXPECT_TRUE(load.failures().empty())
      << load.failures().size()
      << " calls failed for good, the first: " << load.failures().front()
      << "\nnginx: " << (*nginx)->Log();
  std::cout << "balancing: " << load.records().size() << " records, "
            << load.answered() << " calls answered, retried "
            << load.retries().unavailable << " UNAVAILABLE and "
            << load.retries().cancelled << " CANCELLED\n";

  // Every acknowledged record, through nginx and from the survivor itself.
  for (const auto& [name, digest] : load.records()) {
    for (auto [what, client] :
         {std::make_pair("nginx", static_cast<ResolverClient*>(&through_nginx)),
          std::make_pair("the survivor",
                         static_cast<ResolverClient*>(&survivor))}) {
      v1::GetResolvedResponse read;
      const grpc::Status status = client->GetResolved(name, "", &read);
      ASSERT_TRUE(status.ok())
          << name << " through " << what << ": " << status.error_code() << " "
          << status.error_message();
      EXPECT_EQ(read.input_digest(), digest) << name << " through " << what;
      EXPECT_EQ(read.nodes_size(), kNodes) << name << " through " << what;
    }
  }
}

}  // namespace
}  // namespace flyteoverride::tests
