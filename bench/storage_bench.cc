// What recording costs, per store: throughput of GetResolved (one node, and
// all nodes) and of Resolve-with-record on the in-memory, SQLite and
// PostgreSQL stores, for executions of 100 and 10,000 resolved nodes, all in
// one run, printed as a table with each figure's ratio to the in-memory one
// measured in the same run. It reports; it never fails.
//
//   bazel run -c opt //bench:storage_bench
//
// Calls go through the service layer (server::OverrideService over each
// store), as the gRPC and HTTP handlers make them, without the transport:
// "Resolve-with-record" is the resolve plus the write, with a fresh
// execution id each iteration; GetResolved reads the header and the nodes.
// Times are wall-clock (a store waits on disk and sockets): the median call
// of as many as fit in a time budget per cell (at least seven).
//
// Closures: bench/closure_gen's with a hook on every task node and no
// sub-workflows (hook_every = 1, sub_workflows = 0), 100 and 10,000 task
// nodes, so each resolve records exactly 100 or 10,000 nodes; checked before
// timing. For reference, the resolve alone (dry run, no store) is timed too.
//
// Stores: memory; SQLite in a fresh file under a temporary directory (WAL,
// every commit fsync'd, as the server runs it); PostgreSQL on a fresh
// database of the server FO_POSTGRES_DSN names (a key=value DSN; the
// database is dropped at the end), or, without FO_POSTGRES_DSN, on a server
// of the bench's own started with scripts/postgres.sh (instance bench-PID,
// state in /tmp/flyteoverride-postgres-tests, stopped at the end; note that
// it runs with fsync off, unlike the SQLite file). When neither works
// the PostgreSQL column says why.
#include <postgresql/libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "synthetic/closure_gen.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "server/override_service.h"
#include "storage/memory_store.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"
#include "storage/store.h"

namespace flyteoverride::bench {

using synthetic::AddOverrideMaps;
using synthetic::ClosureShape;
using synthetic::GenerateClosure;
using synthetic::GeneratedClosure;
namespace {

constexpr int kSizes[] = {100, 10'000};
constexpr char kStateDir[] = "/tmp/flyteoverride-postgres-tests";

// A check outside the timed loops failed: the numbers would mean nothing.
[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "\nstorage_bench: FATAL: %s\n", why.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The median time of `op` over at least `min_iterations` calls and `budget`
// of time, after one untimed warm-up call. The median, because other
// processes share the machine.
absl::Duration Measure(const std::function<void(int)>& op,
                       absl::Duration budget, int min_iterations = 7) {
  op(-1);
  std::vector<absl::Duration> times;
  const absl::Time start = absl::Now();
  absl::Time now = start;
  while (static_cast<int>(times.size()) < min_iterations ||
         now - start < budget) {
    op(static_cast<int>(times.size()));
    const absl::Time end = absl::Now();
    times.push_back(end - now);
    now = end;
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// One workload: a Resolve request recording `size` nodes.
struct Workload {
  int size = 0;
  v1::ResolveRequest request;
};

Workload BuildWorkload(int size) {
  ClosureShape shape;
  shape.task_nodes = size;
  shape.hook_every = 1;
  shape.sub_workflows = 0;
  GeneratedClosure generated = GenerateClosure(shape);
  if (generated.covered_instances != size) {
    Die(absl::StrCat("the closure of ", size, " task nodes covers ",
                     generated.covered_instances));
  }
  Workload w;
  w.size = size;
  *w.request.mutable_closure() = std::move(generated.closure);
  AddOverrideMaps(generated.hooks, &w.request);
  w.request.mutable_execution_id()->set_project("flytesnacks");
  w.request.mutable_execution_id()->set_domain("development");
  return w;
}

// The operations timed, in table order.
enum Op { kGetOne, kGetAll, kResolveRecord, kOps };
constexpr const char* kOpNames[] = {
    "GetResolved, one node", "GetResolved, all nodes", "Resolve-with-record"};

struct Cell {
  absl::Duration per_op;
  bool ok = false;
};

// Times every operation on one store for one workload.
std::map<Op, Cell> BenchStore(const std::string& store_name,
                              storage::Store* store, Workload* w) {
  server::OverrideService service({}, store);
  v1::ResolveRequest& request = w->request;
  auto resolve = [&](const std::string& name) {
    request.mutable_execution_id()->set_name(name);
    server::CallStats stats;
    auto response = service.Resolve(request, absl::InfiniteFuture(), &stats);
    if (!response.ok()) {
      Die(absl::StrCat(store_name, ": Resolve ", name, ": ",
                       response.status().ToString()));
    }
    if (response->nodes_size() != w->size) {
      Die(absl::StrCat(store_name, ": Resolve recorded ",
                       response->nodes_size(), " nodes, want ", w->size));
    }
    return *std::move(response);
  };
  const std::string prefix = absl::StrCat("bench-", getpid(), "-", w->size);
  // The execution the reads read.
  const v1::ResolveResponse recorded = resolve(prefix + "-read");
  const std::string middle =
      recorded.nodes(recorded.nodes_size() / 2).node_path();

  std::map<Op, Cell> cells;
  auto get = [&](const std::string& node_path, size_t want) {
    return [&, node_path, want](int) {
      v1::GetResolvedRequest get_request;
      *get_request.mutable_execution_id() = request.execution_id();
      get_request.mutable_execution_id()->set_name(prefix + "-read");
      get_request.set_node_path(node_path);
      server::CallStats stats;
      auto response = service.GetResolved(get_request, &stats);
      if (!response.ok() ||
          static_cast<size_t>(response->nodes_size()) != want) {
        Die(absl::StrCat(store_name, ": GetResolved \"", node_path,
                         "\": ", response.status().ToString()));
      }
    };
  };
  cells[kGetOne] = {Measure(get(middle, 1), absl::Milliseconds(500)), true};
  cells[kGetAll] = {Measure(get("", static_cast<size_t>(w->size)),
                            absl::Milliseconds(w->size > 1000 ? 2000 : 500)),
                    true};
  cells[kResolveRecord] = {
      Measure([&](int i) { resolve(absl::StrCat(prefix, "-write-", i)); },
              absl::Milliseconds(w->size > 1000 ? 3000 : 1000)),
      true};
  return cells;
}

// PostgreSQL for the bench: a fresh database on FO_POSTGRES_DSN's server, or
// a server of its own. Cleans up in its destructor.
class BenchPostgres {
 public:
  BenchPostgres() {
    const std::string server = Env("FO_POSTGRES_DSN");
    if (!server.empty()) {
      admin_dsn_ = server;
      database_ = absl::StrCat("fo_bench_", getpid());
      if (auto status = Admin(absl::StrCat("CREATE DATABASE ", database_));
          !status.empty()) {
        why_ = status;
        database_.clear();
        return;
      }
      dsn_ = absl::StrCat(server, " dbname=", database_);
      origin_ = "FO_POSTGRES_DSN";
      return;
    }
    std::string script = "scripts/postgres.sh";
    if (access(script.c_str(), R_OK) != 0 &&
        !Env("BUILD_WORKSPACE_DIRECTORY").empty()) {
      script = Env("BUILD_WORKSPACE_DIRECTORY") + "/scripts/postgres.sh";
    }
    // Its state and port hint apart from scripts/test.sh's, beside the
    // tests' own servers (tests/postgres_util.h).
    mkdir(kStateDir, 0755);
    script_env_ = absl::StrCat(
        "env TMPDIR=/tmp PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
        "/usr/bin:/sbin:/bin FO_POSTGRES_STATE_DIR=",
        kStateDir, " FO_POSTGRES_INSTANCE=bench-", getpid(),
        " FO_POSTGRES_OWNER=", getpid(), " bash ", script);
    std::fprintf(stderr, "storage_bench: starting PostgreSQL (%s start)\n",
                 script.c_str());
    FILE* out = popen((script_env_ + " start").c_str(), "r");
    std::string text;
    char buffer[512];
    while (out != nullptr && fgets(buffer, sizeof(buffer), out) != nullptr)
      text += buffer;
    const int status = out != nullptr ? pclose(out) : -1;
    started_ = true;
    if (status != 0 || text.empty()) {
      why_ = "scripts/postgres.sh start failed (see above)";
      return;
    }
    dsn_ = std::string(absl::StripAsciiWhitespace(text));
    origin_ = "scripts/postgres.sh";
  }

  ~BenchPostgres() {
    if (!database_.empty())
      (void)Admin(absl::StrCat("DROP DATABASE IF EXISTS ", database_));
    if (started_) (void)std::system((script_env_ + " stop").c_str());
  }

  const std::string& dsn() const { return dsn_; }
  const std::string& why() const { return why_; }
  const std::string& origin() const { return origin_; }

 private:
  // "" or the error.
  std::string Admin(const std::string& sql) {
    PGconn* conn = PQconnectdb(admin_dsn_.c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* result = PQexec(conn, sql.c_str());
      if (PQresultStatus(result) != PGRES_COMMAND_OK)
        error = PQresultErrorMessage(result);
      PQclear(result);
    }
    PQfinish(conn);
    return std::string(absl::StripTrailingAsciiWhitespace(error));
  }

  std::string admin_dsn_, database_, dsn_, why_, origin_, script_env_;
  bool started_ = false;
};

std::string Human(absl::Duration d) {
  const double us = absl::ToDoubleMicroseconds(d);
  if (us < 1000) return absl::StrFormat("%.1f us", us);
  if (us < 1e6) return absl::StrFormat("%.2f ms", us / 1000);
  return absl::StrFormat("%.2f s", us / 1e6);
}

int Main() {
  std::vector<Workload> workloads;
  for (int size : kSizes) workloads.push_back(BuildWorkload(size));

  // The resolve alone, for reference.
  std::map<int, absl::Duration> dry_run;
  {
    auto memory = storage::MemoryStore::Create();
    server::OverrideService service({}, memory.get());
    for (Workload& w : workloads) {
      v1::ResolveRequest request = w.request;
      request.mutable_options()->set_dry_run(true);
      request.clear_execution_id();
      dry_run[w.size] = Measure(
          [&](int) {
            server::CallStats stats;
            auto response =
                service.Resolve(request, absl::InfiniteFuture(), &stats);
            if (!response.ok()) {
              Die(absl::StrCat("dry-run Resolve: ",
                               response.status().ToString()));
            }
          },
          absl::Milliseconds(500));
    }
  }

  char dir_template[] = "/tmp/storage_bench.XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) Die("mkdtemp failed");
  const std::string sqlite_path = absl::StrCat(dir, "/bench.db");
  BenchPostgres postgres;

  struct Column {
    std::string name;
    std::string note;  // why it is missing, or where it ran
    std::map<int, std::map<Op, Cell>> cells;  // by size
  };
  std::vector<Column> columns = {{"memory", "", {}},
                                 {"sqlite", "fsync'd WAL file", {}},
                                 {"postgres", "", {}}};
  for (Workload& w : workloads) {
    {
      auto store = storage::MemoryStore::Create();
      columns[0].cells[w.size] = BenchStore("memory", store.get(), &w);
    }
    {
      auto store = storage::SqliteStore::Open({sqlite_path});
      if (!store.ok()) Die(store.status().ToString());
      columns[1].cells[w.size] = BenchStore("sqlite", store->get(), &w);
    }
    if (postgres.dsn().empty()) {
      columns[2].note = postgres.why();
      continue;
    }
    auto store = storage::PostgresStore::Open({postgres.dsn(), 8});
    if (!store.ok()) {
      columns[2].note = store.status().ToString();
      continue;
    }
    columns[2].note = postgres.origin();
    columns[2].cells[w.size] = BenchStore("postgres", store->get(), &w);
  }
  unlink(sqlite_path.c_str());
  unlink((sqlite_path + "-wal").c_str());
  unlink((sqlite_path + "-shm").c_str());
  rmdir(dir);

  std::printf(
      "\nStorage through the service layer: median wall time per call, calls/s,"
      "\nand the ratio to the in-memory store in this run (x memory).\n\n");
  std::printf("%-24s %7s", "operation", "nodes");
  for (const Column& column : columns)
    std::printf(" | %-30s", column.name.c_str());
  std::printf("\n%s\n", std::string(24 + 8 + 33 * columns.size(), '-').c_str());
  for (int op = 0; op < kOps; ++op) {
    for (int size : kSizes) {
      std::printf("%-24s %7d", kOpNames[op], size);
      const Cell& base = columns[0].cells[size][static_cast<Op>(op)];
      for (Column& column : columns) {
        auto by_size = column.cells.find(size);
        if (by_size == column.cells.end()) {
          std::printf(" | %-30s", "n/a");
          continue;
        }
        const Cell& cell = by_size->second[static_cast<Op>(op)];
        const double rate = 1.0 / absl::ToDoubleSeconds(cell.per_op);
        std::printf(" | %10s %9.0f/s %7.1fx", Human(cell.per_op).c_str(), rate,
                    absl::FDivDuration(cell.per_op, base.per_op));
      }
      std::printf("\n");
    }
  }
  std::printf("\nThe resolve alone (dry run, no store):");
  for (int size : kSizes)
    std::printf(" %d nodes %s;", size, Human(dry_run[size]).c_str());
  std::printf("\n");
  for (const Column& column : columns) {
    if (!column.note.empty())
      std::printf("%s: %s\n", column.name.c_str(), column.note.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace flyteoverride::bench

int main() { return flyteoverride::bench::Main(); }
