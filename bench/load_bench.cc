// What the service costs around the core, under load: the real server in
// this process, driven over real gRPC (and HTTP/JSON) on loopback by client
// threads, for closures of 100 and 1,000 task nodes (10,000 with --large).
//
//   bazel run -c opt //bench:load_bench [-- --seconds 3 --threads 8
//       --channels 4 --rounds 5 --sustain 60 --large --postgres DSN
//       --only "HTTP"]
//
// Every figure is set against a floor measured in the same run: a method
// registered only here (/flyteoverride.bench.Floor/Parse) that reads the
// same ResolveRequest bytes as the service reads them and answers an empty
// message (bench/floor_service). Per case: calls/s and its ratio to the floor's, p50 and p99
// latency, CPU per call and, for reference, the same work in process
// (parse, resolve, serialise; no transport). CPU per call is the process's
// CPU less the client threads' own, so it includes gRPC's client-side
// threads: an upper bound of the server's. Records go to a SQLite file
// (WAL, fsync on commit). At the end, the resident memory after --sustain
// seconds of Resolve dry runs. It reports; it never fails. The method and
// the figures: docs/performance.md.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/floor_service.h"
#include "bench/http_client.h"
#include "bench/load_driver.h"
#include "config/config.h"
#include "encoding/json_format.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/arena.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/override_service.h"
#include "server/server.h"
#include "storage/memory_store.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"
#include "spdlog/spdlog.h"
#include "synthetic/closure_gen.h"

namespace flyteoverride::bench {
namespace {

constexpr char kResolve[] = "/flyteoverride.v1.OverrideResolver/Resolve";
constexpr char kGetResolved[] =
    "/flyteoverride.v1.OverrideResolver/GetResolved";

struct Options {
  double seconds = 3;
  int threads = 8;
  int channels = 4;
  double sustain = 60;
  bool large = false;
  int rounds = 5;     // the floor and the dry run alternate this many times
  std::string only;  // run only the cases whose name holds this (and the floor)
  std::string postgres_dsn;  // also record to (and read from) PostgreSQL
};

v1::ResolveRequest Workload(int task_nodes) {
  synthetic::ClosureShape shape;
  shape.task_nodes = task_nodes;
  v1::ResolveRequest request = synthetic::GenerateRequest(shape);
  request.mutable_execution_id()->set_project("flytesnacks");
  request.mutable_execution_id()->set_domain("development");
  request.mutable_execution_id()->set_name("load");
  return request;
}

class Bench {
 public:
  // `postgres`, when there is one, is a second server whose records go to
  // PostgreSQL: the recorded and read rows run against it too.
  // The in-process reference runs the service as the server does: the same
  // options from `config` and the server's own policy.
  Bench(const Options& options, const config::Config& config,
        server::Server* server, FloorService* floor, server::Server* postgres)
      : options_(options),
        server_(server),
        floor_service_(floor),
        channels_(Channels(server, options.channels)),
        postgres_channels_(Channels(postgres, options.channels)),
        local_(LocalOptions(config, server), &memory_) {}

  static server::ServiceOptions LocalOptions(const config::Config& config,
                                             server::Server* server) {
    server::ServiceOptions options = server::ServiceOptionsFor(config);
    options.policy = server->policy();
    return options;
  }

  static std::vector<std::shared_ptr<grpc::Channel>> Channels(
      server::Server* server, int count) {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int c = 0; server != nullptr && c < count; ++c) {
      channels.push_back(grpc::CreateChannel(
          absl::StrCat("127.0.0.1:", server->grpc_port()),
          grpc::InsecureChannelCredentials()));
    }
    return channels;
  }

  bool Raw(int thread, const char* method, const std::string& bytes) const {
    return RawOn(channels_, thread, method, bytes);
  }

  static bool RawOn(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                    int thread, const char* method, const std::string& bytes) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
               channels[thread % channels.size()].get(),
               grpc::internal::RpcMethod(method,
                                         grpc::internal::RpcMethod::NORMAL_RPC),
               &context, request, &response)
        .ok();
  }

  // Runs one case, unless --only leaves it out, and prints its row. The
  // first case of a size is the floor.
  void Case(const char* name, int nodes, const std::function<Result()>& drive) {
    if (!options_.only.empty() && !absl::StrContains(name, options_.only))
      return;
    Row(name, nodes, drive(), 0);
  }

  void Row(const char* name, int nodes, const Result& r, double in_process,
           const std::string& notes = "") {
    if (floor_ == 0) floor_ = r.calls_per_second;
    const std::string local =
        in_process > 0 ? absl::StrFormat("%.0f", in_process) : "-";
    const std::string failed =
        r.failures > 0 ? absl::StrCat(notes, " ", r.failures, " failed") : notes;
    std::printf("%-34s %6d %9.0f %7.2fx %9.0f %9.0f %9.0f %10s %s\n", name,
                nodes, r.calls_per_second, r.calls_per_second / floor_,
                r.p50_us, r.p99_us, r.cpu_per_call_us, local.c_str(),
                failed.c_str());
    std::fflush(stdout);
  }

  // design.md section 13: the CPU a dry run costs beyond the floor's, as a
  // multiple of the same work beyond the parse in process, taken round by
  // round (the floor and the dry run side by side): the median and the
  // spread.
  static std::string Beyond(const RoundResults& floor,
                            const RoundResults& resolve) {
    // Against the work in process alone, and with every core busy.
    auto ratios = [&](const std::vector<double> RoundResults::*in_process) {
      std::vector<double> out;
      for (size_t r = 0; r < resolve.runs.size(); ++r) {
        const double work = (resolve.*in_process)[r] - (floor.*in_process)[r];
        if (work <= 0) continue;
        out.push_back((resolve.runs[r].cpu_per_call_us -
                       floor.runs[r].cpu_per_call_us) / work);
      }
      std::sort(out.begin(), out.end());
      return out;
    };
    const std::vector<double> alone = ratios(&RoundResults::in_process);
    const std::vector<double> busy = ratios(&RoundResults::in_process_busy);
    if (alone.empty() || busy.empty()) return "";
    const Result merged = Merged(resolve.runs);
    return absl::StrFormat(
        " beyond floor %.2fx in-proc busy (%.2f-%.2f), %.2fx alone "
        "(%.2f-%.2f), %zu rounds; one core ~%.0f/s",
        busy[busy.size() / 2], busy.front(), busy.back(),
        alone[alone.size() / 2], alone.front(), alone.back(),
        resolve.runs.size(), 1e6 / merged.cpu_per_call_us);
  }

  // The server's own count of the CPU its Resolve calls spent on their
  // threads, from admission to the log line
  // (override_resolver_call_cpu_seconds).
  HandlerCpu ResolveHandlerCpu() const {
    const std::string text = server_->registry()->Render();
    auto value = [&](absl::string_view series) {
      double out = 0;
      const size_t at = text.find(absl::StrCat("\n", series, " "));
      if (at != std::string::npos) {
        const size_t start = at + series.size() + 2;
        (void)absl::SimpleAtod(
            absl::string_view(text).substr(start, text.find('\n', start) - start),
            &out);
      }
      return out;
    };
    return {value("override_resolver_call_cpu_seconds_sum{rpc=\"Resolve\"}"),
            static_cast<int64_t>(value(
                "override_resolver_call_cpu_seconds_count{rpc=\"Resolve\"}"))};
  }

  // The same split on the server's own threads: what the handlers spent
  // per call, Resolve's and the floor's. Code runs slower in a server's
  // thread than in a hot loop (its caches hold gRPC's work between calls);
  // the parse shows by how much, so the last figures set the handler's work
  // beyond the parse, relative to the parse, against the same in process,
  // taken round by round (median), against each reference: what the service
  // itself adds (design.md section 13).
  static std::string InHandler(const HandlerCpu& resolve,
                               const HandlerCpu& floor,
                               const RoundResults& floor_rounds,
                               const RoundResults& resolve_rounds) {
    if (resolve.calls <= 0 || floor.calls <= 0) return "";
    const double resolve_us = resolve.seconds / resolve.calls * 1e6;
    const double floor_us = floor.seconds / floor.calls * 1e6;
    const double in_handler = (resolve_us - floor_us) / floor_us;
    // The in-process work beyond the parse, relative to the parse.
    auto relative = [&](const std::vector<double> RoundResults::*in_process) {
      std::vector<double> out;
      for (size_t r = 0; r < (floor_rounds.*in_process).size() &&
                         r < (resolve_rounds.*in_process).size();
           ++r) {
        const double parse = (floor_rounds.*in_process)[r];
        if (parse > 0)
          out.push_back(((resolve_rounds.*in_process)[r] - parse) / parse);
      }
      return Median(out);
    };
    const double busy = relative(&RoundResults::in_process_busy);
    const double alone = relative(&RoundResults::in_process);
    if (busy <= 0 || alone <= 0) return "";
    return absl::StrFormat(
        "; in the handler %.0f us, the floor's %.0f us: beyond the parse "
        "%.2fx it there, %.2fx in-proc busy, %.2fx alone; so the service "
        "adds %.2fx (busy), %.2fx (alone)",
        resolve_us, floor_us, in_handler, busy, alone, in_handler / busy,
        in_handler / alone);
  }

  void Size(int task_nodes) {
    floor_ = 0;
    v1::ResolveRequest request = Workload(task_nodes);
    v1::ResolveRequest dry = request;
    dry.mutable_options()->set_dry_run(true);
    const std::string dry_bytes = dry.SerializeAsString();
    // One record to read back, as propeller reads: one node, and all.
    v1::ResolveRequest recorded = request;
    recorded.mutable_execution_id()->set_name(absl::StrCat("read-", task_nodes));
    Raw(0, kResolve, recorded.SerializeAsString());
    v1::GetResolvedRequest all;
    *all.mutable_execution_id() = recorded.execution_id();
    v1::GetResolvedRequest one = all;
    {
      v1::ResolveResponse response;
      server::CallStats stats;
      local_.Resolve(dry, absl::InfiniteFuture(), &stats).Deliver(&response);
      if (response.nodes_size() > 0)
        one.set_node_path(response.nodes(0).node_path());
      std::printf("%d task nodes: a %zu KB request, a %zu KB dry-run answer\n",
                  task_nodes, dry_bytes.size() >> 10,
                  response.ByteSizeLong() >> 10);
      floor_service_->SetAnswer(response.SerializeAsString());
    }
    const std::string all_bytes = all.SerializeAsString();
    const std::string one_bytes = one.SerializeAsString();
    const double seconds = options_.seconds;

    auto drive = [&](CallFn call) {
      return [this, call, seconds] {
        return Drive(options_.threads, call, seconds);
      };
    };
    // The floor first: every other row's ratio is to it. It and the dry run
    // are measured side by side, round after round.
    const HandlerCpu handler_before = ResolveHandlerCpu();
    const HandlerCpu floor_before = floor_service_->handler_cpu();
    const std::vector<RoundResults> paired = Interleaved(
        options_.threads,
        {{[&](int t, int64_t) { return Raw(t, kFloor, dry_bytes); },
          [&] {
            google::protobuf::Arena arena;
            ReadRequest(dry_bytes, &arena);
          }},
         {[&](int t, int64_t) { return Raw(t, kResolve, dry_bytes); },
          [&] {
            google::protobuf::Arena arena;
            const v1::ResolveRequest& parsed = *ReadRequest(dry_bytes, &arena);
            server::CallStats stats;
            v1::ResolveResponse response;
            local_.Resolve(parsed, absl::InfiniteFuture(), &stats)
                .Deliver(&response);
            encoding::DeterministicBytes(response);  // as the service sends it
          }}},
        seconds, options_.rounds);
    Row("floor (parse only)", task_nodes, Merged(paired[0].runs),
        Median(paired[0].in_process));
    const std::string in_handler = InHandler(
        ResolveHandlerCpu() - handler_before,
        floor_service_->handler_cpu() - floor_before, paired[0], paired[1]);
    Case(
        "floor + an answer of Resolve's size", task_nodes,
        drive([&](int t, int64_t) { return Raw(t, kFloorAnswer, dry_bytes); }));
    Row("Resolve dry run", task_nodes, Merged(paired[1].runs),
        Median(paired[1].in_process),
        Beyond(paired[0], paired[1]) + in_handler);
    Case("Resolve recorded (SQLite)", task_nodes,
         drive([&](int t, int64_t serial) {
           v1::ResolveRequest unique = request;
           unique.mutable_execution_id()->set_name(
               absl::StrCat("load-", task_nodes, "-", serial));
           return Raw(t, kResolve, unique.SerializeAsString());
         }));
    Case("GetResolved one node", task_nodes,
         drive([&](int t, int64_t) { return Raw(t, kGetResolved, one_bytes); }));
    Case("GetResolved all nodes", task_nodes,
         drive([&](int t, int64_t) { return Raw(t, kGetResolved, all_bytes); }));
    if (!postgres_channels_.empty()) {
      const auto& pg = postgres_channels_;
      // The database outlives the run: names of this run's own.
      v1::ResolveRequest read = recorded;
      read.mutable_execution_id()->set_name(
          absl::StrCat("read-", run_, "-", task_nodes));
      RawOn(pg, 0, kResolve, read.SerializeAsString());
      v1::GetResolvedRequest pg_one = one;
      *pg_one.mutable_execution_id() = read.execution_id();
      const std::string pg_one_bytes = pg_one.SerializeAsString();
      // The reads first: right after a burst of recorded writes the
      // database is still writing them out, and the reads would measure
      // that instead (0.19x the floor against 0.44x in one run).
      Case("GetResolved one node (PostgreSQL)", task_nodes,
           drive([&](int t, int64_t) {
             return RawOn(pg, t, kGetResolved, pg_one_bytes);
           }));
      Case("Resolve recorded (PostgreSQL)", task_nodes,
           drive([&](int t, int64_t serial) {
             v1::ResolveRequest unique = request;
             unique.mutable_execution_id()->set_name(
                 absl::StrCat("load-", run_, "-", task_nodes, "-", serial));
             return RawOn(pg, t, kResolve, unique.SerializeAsString());
           }));
    }
    const std::string json = encoding::DeterministicJson(dry, false);
    std::vector<std::unique_ptr<HttpClient>> http;
    for (int t = 0; t < options_.threads; ++t)
      http.push_back(std::make_unique<HttpClient>(server_->http_port()));
    Case("Resolve dry run, HTTP/JSON", task_nodes,
         drive([&](int t, int64_t) {
           return http[t]->Post("/v1/resolve", json) == 200;
         }));
  }

  void Sustain() {
    const std::string bytes = [] {
      v1::ResolveRequest dry = Workload(100);
      dry.mutable_options()->set_dry_run(true);
      return dry.SerializeAsString();
    }();
    const Result r = Drive(
        options_.threads,
        [&](int t, int64_t) { return Raw(t, kResolve, bytes); },
        options_.sustain);
    std::printf(
        "\nresident memory after %.0f s of Resolve dry runs (100 task nodes, "
        "%.0f calls/s): %zu MiB (server and clients in one process)\n",
        options_.sustain, r.calls_per_second, ResidentMiB());
  }

 private:
  const Options options_;
  server::Server* const server_;
  FloorService* const floor_service_;
  const std::vector<std::shared_ptr<grpc::Channel>> channels_;
  const std::vector<std::shared_ptr<grpc::Channel>> postgres_channels_;
  const std::string run_ = absl::StrCat(getpid(), "-", absl::ToUnixSeconds(absl::Now()));
  storage::MemoryStore memory_;
  server::OverrideService local_;
  double floor_ = 0;  // the floor's calls/s
};

Options Parse(int argc, char** argv) {
  Options options;
  if (const char* dsn = std::getenv("FO_POSTGRES_DSN")) options.postgres_dsn = dsn;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&](double* out) {
      if (i + 1 < argc) (void)absl::SimpleAtod(argv[++i], out);
    };
    double value = 0;
    if (arg == "--seconds") {
      next(&options.seconds);
    } else if (arg == "--sustain") {
      next(&options.sustain);
    } else if (arg == "--threads") {
      next(&value);
      options.threads = std::max(1, static_cast<int>(value));
    } else if (arg == "--channels") {
      next(&value);
      options.channels = std::max(1, static_cast<int>(value));
    } else if (arg == "--postgres" && i + 1 < argc) {
      options.postgres_dsn = argv[++i];
    } else if (arg == "--rounds") {
      next(&value);
      options.rounds = std::max(1, static_cast<int>(value));
    } else if (arg == "--only" && i + 1 < argc) {
      options.only = argv[++i];
    } else if (arg == "--large") {
      options.large = true;
    }
  }
  return options;
}

}  // namespace
}  // namespace flyteoverride::bench

int main(int argc, char** argv) {
  using namespace flyteoverride;  // NOLINT: main only wires the pieces
  const bench::Options options = bench::Parse(argc, argv);
  char dir[] = "/tmp/load_bench.XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  config::Config config;
  config.grpc_port = 0;
  config.http_port = 0;
  // One log line per call would cost more than some calls.
  spdlog::set_level(spdlog::level::warn);
  config.storage.driver = config::StorageConfig::Driver::kSqlite;
  config.storage.sqlite_path = absl::StrCat(dir, "/records.db");
  auto store = storage::SqliteStore::Open({config.storage.sqlite_path});
  if (!store.ok()) {
    std::fprintf(stderr, "load_bench: %s\n", store.status().ToString().c_str());
    return 1;
  }
  bench::FloorService floor;
  auto server = server::Server::Start(config, *std::move(store), {&floor});
  if (!server.ok()) {
    std::fprintf(stderr, "load_bench: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "load_bench: %d client threads over %d channels, %.0f s a case, on %u "
      "cores shared with the server\n\n",
      options.threads, options.channels, options.seconds,
      std::thread::hardware_concurrency());
  std::printf("%-34s %6s %9s %8s %9s %9s %9s %10s\n", "case", "nodes",
              "calls/s", "x floor", "p50 us", "p99 us", "cpu us", "in-proc us");
  // With --postgres DSN (or FO_POSTGRES_DSN, as scripts/postgres.sh
  // prints), a second server records to PostgreSQL.
  std::unique_ptr<server::Server> postgres;
  if (!options.postgres_dsn.empty()) {
    config::Config pg_config = config;
    pg_config.storage.driver = config::StorageConfig::Driver::kPostgres;
    auto pg_store = storage::PostgresStore::Open({options.postgres_dsn});
    auto started = pg_store.ok() ? server::Server::Start(
                                       pg_config, *std::move(pg_store), {})
                                 : pg_store.status();
    if (!started.ok()) {
      std::fprintf(stderr, "load_bench: PostgreSQL: %s\n",
                   started.status().ToString().c_str());
      return 1;
    }
    postgres = *std::move(started);
  }
  bench::Bench bench(options, config, server->get(), &floor, postgres.get());
  for (int nodes : {100, 1000}) bench.Size(nodes);
  if (options.large) bench.Size(10'000);
  if (options.sustain > 0) bench.Sustain();
  if (postgres != nullptr) postgres->Shutdown();
  (*server)->Shutdown();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}
