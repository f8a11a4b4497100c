// How resolving compares with parsing the closure it resolves, for closures
// of 10 to 100,000 task nodes (hooks on a tenth of them): binary parse of the
// bytes FlyteAdmin sends (the baseline), JSON parse (for reference), Resolve,
// and Resolve with explain. After the runs, a table checks the issue's
// targets: resolve <= 1.0x parse and explain <= 3.0x parse at every size, and
// the 100k-node resolve <= 12x the 10k-node one; and the rewritten closure
// (ResolveOptions.rewrite_closure, given the resolve) <= 1.0x parse from 10k
// nodes up (smaller closures are dominated by the fixed cost of each
// template copy). It reports; it never fails.
//
//   bazel run -c opt //bench:resolve_bench [-- --benchmark_filter=resolve/]
//
// Times are CPU time per call, the median of the repetitions, with each
// call's result destroyed inside the timed loop (parse and resolve alike).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "synthetic/closure_gen.h"
#include "synthetic/flyteidl_json.h"
#include "benchmark/benchmark.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "encoding/json_format.h"
#include "resolver/resolve.h"
#include "flyte_v1/rewrite.h"

namespace flyteoverride::bench {

using synthetic::AddOverrideMaps;
using synthetic::ClosureShape;
using synthetic::FullClosureJson;
using synthetic::GenerateClosure;
using synthetic::GeneratedClosure;
namespace {

using flyteidl::core::CompiledWorkflowClosure;

constexpr int kSizes[] = {10, 100, 1'000, 10'000, 100'000};
constexpr double kResolveTarget = 1.0;   // x binary parse
constexpr double kExplainTarget = 3.0;   // x binary parse
constexpr double kScalingTarget = 12.0;  // 100k-node resolve / 10k-node resolve
constexpr double kRewriteTarget = 1.0;   // x binary parse, given the resolve
constexpr int kRewriteJudgedFrom = 10'000;  // task nodes

constexpr char kParse[] = "parse";
constexpr char kParseJson[] = "parse_json";
constexpr char kResolve[] = "resolve";
constexpr char kExplain[] = "resolve_explain";
constexpr char kRewrite[] = "rewrite";

std::string BenchmarkName(absl::string_view kind, int size) {
  return absl::StrCat(kind, "/", size);
}

// A check outside the timed loops failed: the numbers would mean nothing.
[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "\nresolve_bench: FATAL: %s\n", why.c_str());
  std::fflush(stderr);
  std::abort();
}

// One closure size, built and checked once, outside every timed loop.
struct Workload {
  int size = 0;
  std::string binary;
  std::string json;
  int hooks = 0;
  int expected_nodes = 0;
  // The closure parsed from `binary` (skipped fields kept as unknown fields,
  // as a server holds it) and the override maps; explain set per benchmark.
  v1::ResolveRequest request;
  // What Resolve returned, for the rewrite to place.
  v1::ResolveResponse resolved;
};

struct WorkloadFacts {
  size_t binary_bytes = 0;
  size_t json_bytes = 0;
  int hooks = 0;
  int resolved_nodes = 0;
  size_t rewritten_bytes = 0;
  int template_copies = 0;
};

std::map<int, WorkloadFacts>& Facts() {
  static auto* const facts = new std::map<int, WorkloadFacts>();
  return *facts;
}

void CheckResolve(Workload& w, bool explain) {
  w.request.mutable_options()->set_explain(explain);
  const resolver::ResolveResult result = resolver::Resolve(w.request, {});
  const std::string what = absl::StrCat(
      "resolve", explain ? " with explain" : "", " of ", w.size, " task nodes");
  if (!result.ok()) {
    std::string list;
    for (size_t i = 0; i < result.violations.size() && i < 10; ++i) {
      const v1::Violation& v = result.violations[i];
      absl::StrAppend(&list, "\n  ", v.reason(), " ", v.field(), ": ",
                      v.description());
    }
    Die(absl::StrCat(what, " returned ", result.violations.size(),
                     " violations:", list));
  }
  if (result.response.nodes_size() != w.expected_nodes) {
    Die(absl::StrCat(what, " returned ", result.response.nodes_size(),
                     " nodes, expected ", w.expected_nodes));
  }
  for (const v1::ResolvedNode& node : result.response.nodes()) {
    if (node.hooks().empty() || explain != (node.provenance_size() > 0)) {
      Die(absl::StrCat(what, ": node ", node.node_path(), " has ",
                       node.hooks_size(), " hooks and ", node.provenance_size(),
                       " provenance entries"));
    }
  }
}

// The JSON form must say what the binary form says, to the subset.
void CheckJson(const Workload& w) {
  CompiledWorkflowClosure from_json;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(w.json, &from_json, options)
           .ok()) {
    Die(absl::StrCat("the JSON closure of ", w.size,
                     " task nodes does not parse"));
  }
  CompiledWorkflowClosure from_binary = w.request.closure();
  from_binary.DiscardUnknownFields();
  if (!google::protobuf::util::MessageDifferencer::Equals(from_json,
                                                          from_binary)) {
    Die(absl::StrCat("the JSON and binary closures of ", w.size,
                     " task nodes differ"));
  }
}

std::unique_ptr<Workload> BuildWorkload(int size) {
  ClosureShape shape;
  shape.task_nodes = size;
  GeneratedClosure generated = GenerateClosure(shape);
  if (generated.task_instances != size) {
    Die(absl::StrCat("generated ", generated.task_instances,
                     " task nodes, asked for ", size));
  }
  auto w = std::make_unique<Workload>();
  w->size = size;
  w->binary = encoding::DeterministicBytes(generated.closure);
  absl::StatusOr<std::string> json = FullClosureJson(w->binary);
  if (!json.ok()) Die(std::string(json.status().message()));
  w->json = *std::move(json);
  if (!w->request.mutable_closure()->ParseFromString(w->binary)) {
    Die(absl::StrCat("the closure of ", size, " task nodes does not parse"));
  }
  AddOverrideMaps(generated.hooks, &w->request);
  w->hooks = static_cast<int>(generated.hooks.size());
  w->expected_nodes = generated.covered_instances;
  CheckResolve(*w, false);
  CheckResolve(*w, true);
  CheckJson(*w);
  w->request.mutable_options()->set_explain(false);
  w->resolved = resolver::Resolve(w->request, {}).response;
  auto rewritten =
      flyte_v1::RewriteClosure(w->binary, w->request.closure(), w->resolved);
  if (!rewritten.ok() || !rewritten->ok()) {
    Die(absl::StrCat("the rewrite of ", size, " task nodes failed: ",
                     rewritten.ok() ? rewritten->violations[0].description()
                                    : rewritten.status().ToString()));
  }
  Facts()[size] = {w->binary.size(),
                   w->json.size(),
                   w->hooks,
                   w->expected_nodes,
                   rewritten->closure.size(),
                   static_cast<int>(rewritten->copies.size())};
  return w;
}

// Benchmarks run size by size, so each closure is built once; the previous
// one is dropped first to bound memory.
Workload& WorkloadFor(int size) {
  static auto* const current = new std::unique_ptr<Workload>();
  if (*current == nullptr || (*current)->size != size) {
    current->reset();
    *current = BuildWorkload(size);
  }
  return **current;
}

void RunParse(benchmark::State& state, int size) {
  const Workload& w = WorkloadFor(size);
  for (auto _ : state) {
    CompiledWorkflowClosure closure;
    if (!closure.ParseFromString(w.binary)) {
      state.SkipWithError("binary parse failed");
      break;
    }
    benchmark::DoNotOptimize(closure);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          w.binary.size());
}

void RunParseJson(benchmark::State& state, int size) {
  const Workload& w = WorkloadFor(size);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  for (auto _ : state) {
    CompiledWorkflowClosure closure;
    if (!google::protobuf::util::JsonStringToMessage(w.json, &closure, options)
             .ok()) {
      state.SkipWithError("JSON parse failed");
      break;
    }
    benchmark::DoNotOptimize(closure);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          w.json.size());
}

void RunResolve(benchmark::State& state, int size, bool explain) {
  Workload& w = WorkloadFor(size);
  w.request.mutable_options()->set_explain(explain);
  for (auto _ : state) {
    resolver::ResolveResult result = resolver::Resolve(w.request, {});
    benchmark::DoNotOptimize(result);
  }
  state.counters["resolved_nodes"] = w.expected_nodes;
}

// The rewrite alone: the resolve it places is done once, outside the loop.
void RunRewrite(benchmark::State& state, int size) {
  const Workload& w = WorkloadFor(size);
  for (auto _ : state) {
    auto rewritten =
        flyte_v1::RewriteClosure(w.binary, w.request.closure(), w.resolved);
    benchmark::DoNotOptimize(rewritten);
  }
}

// Keeps CPU seconds per call by benchmark name while printing as usual.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal: a reporter passed in does not read
  // --benchmark_color.
  CollectingReporter()
      : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const std::string& name = run.run_name.function_name;
      if (run.error_occurred) {
        failed_.push_back(name);
        continue;
      }
      const double seconds = run.GetAdjustedCPUTime() /
                             benchmark::GetTimeUnitMultiplier(run.time_unit);
      if (run.run_type == Run::RT_Iteration) {
        samples_[name].push_back(seconds);
      } else if (run.aggregate_name == "median") {
        medians_[name] = seconds;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // The median aggregate when reported, else the median of the iteration runs.
  std::optional<double> Seconds(absl::string_view kind, int size) const {
    const std::string name = BenchmarkName(kind, size);
    if (auto it = medians_.find(name); it != medians_.end()) return it->second;
    auto it = samples_.find(name);
    if (it == samples_.end() || it->second.empty()) return std::nullopt;
    std::vector<double> sorted = it->second;
    std::sort(sorted.begin(), sorted.end());
    return sorted[sorted.size() / 2];
  }

  const std::vector<std::string>& failed() const { return failed_; }

 private:
  std::map<std::string, std::vector<double>> samples_;
  std::map<std::string, double> medians_;
  std::vector<std::string> failed_;
};

std::string Time(std::optional<double> seconds) {
  if (!seconds) return "-";
  const double s = *seconds;
  if (s >= 1) return absl::StrFormat("%.2f s", s);
  if (s >= 1e-3) return absl::StrFormat("%.2f ms", s * 1e3);
  if (s >= 1e-6) return absl::StrFormat("%.1f us", s * 1e6);
  return absl::StrFormat("%.0f ns", s * 1e9);
}

std::optional<double> Ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b <= 0) return std::nullopt;
  return *a / *b;
}

std::string Judged(std::optional<double> ratio, double target) {
  if (!ratio) return "-";
  return absl::StrFormat("%.2fx %s", *ratio,
                         *ratio <= target ? "PASS" : "MISS");
}

std::string PerNode(std::optional<double> seconds, int nodes) {
  if (!seconds) return "-";
  return absl::StrFormat("%.0f ns", *seconds * 1e9 / nodes);
}

void PrintTable(const CollectingReporter& reporter) {
  std::printf(
      "\nWorkloads (one closure per size; hooks on a tenth of the task "
      "nodes)\n\n");
  std::printf("%11s %12s %8s %12s %11s %15s\n", "task nodes", "binary bytes",
              "B/node", "JSON bytes", "hook names", "resolved nodes");
  for (const auto& [size, facts] : Facts()) {
    std::printf("%11d %12zu %8zu %12zu %11d %15d\n", size, facts.binary_bytes,
                facts.binary_bytes / size, facts.json_bytes, facts.hooks,
                facts.resolved_nodes);
  }

  std::printf(
      "\nResolve vs parse: CPU time per call, median of the "
      "repetitions. Targets: resolve <= %.1fx and explain <= %.1fx "
      "binary parse\n\n",
      kResolveTarget, kExplainTarget);
  const char* const kFormat =
      "%11s | %10s %10s | %10s %14s | %10s %14s | %10s %12s %12s\n";
  std::printf(kFormat, "task nodes", "parse", "JSON parse", "resolve",
              "resolve/parse", "explain", "explain/parse", "parse/node",
              "resolve/node", "explain/node");
  for (int size : kSizes) {
    const auto parse = reporter.Seconds(kParse, size);
    const auto json = reporter.Seconds(kParseJson, size);
    const auto resolve = reporter.Seconds(kResolve, size);
    const auto explain = reporter.Seconds(kExplain, size);
    if (!parse && !json && !resolve && !explain) continue;
    std::printf(kFormat, absl::StrCat(size).c_str(), Time(parse).c_str(),
                Time(json).c_str(), Time(resolve).c_str(),
                Judged(Ratio(resolve, parse), kResolveTarget).c_str(),
                Time(explain).c_str(),
                Judged(Ratio(explain, parse), kExplainTarget).c_str(),
                PerNode(parse, size).c_str(), PerNode(resolve, size).c_str(),
                PerNode(explain, size).c_str());
  }

  const auto ratio = [&](absl::string_view kind) {
    return Ratio(reporter.Seconds(kind, 100'000),
                 reporter.Seconds(kind, 10'000));
  };
  const auto plain = [](std::optional<double> r) {
    return r ? absl::StrFormat("%.2fx", *r) : std::string("-");
  };
  std::printf(
      "\nScaling, 100k-node time / 10k-node time: resolve %s (target "
      "<= %.0fx); explain %s; parse %s\n",
      Judged(ratio(kResolve), kScalingTarget).c_str(), kScalingTarget,
      plain(ratio(kExplain)).c_str(), plain(ratio(kParse)).c_str());
  std::printf(
      "\nRewritten closure (rewrite_closure, given the resolve): target <= "
      "%.1fx binary parse from %d task nodes up\n\n",
      kRewriteTarget, kRewriteJudgedFrom);
  std::printf("%11s | %10s %14s | %14s %12s %10s\n", "task nodes", "rewrite",
              "rewrite/parse", "rewrite+resolve", "out bytes", "copies");
  for (int size : kSizes) {
    const auto parse = reporter.Seconds(kParse, size);
    const auto rewrite = reporter.Seconds(kRewrite, size);
    const auto resolve = reporter.Seconds(kResolve, size);
    if (!rewrite) continue;
    const auto plain = [](std::optional<double> r, absl::string_view unit) {
      return r ? absl::StrFormat("%.2fx%s", *r, unit) : std::string("-");
    };
    const auto ratio = Ratio(rewrite, parse);
    const std::string judged = size >= kRewriteJudgedFrom
                                   ? Judged(ratio, kRewriteTarget)
                                   : plain(ratio, "");
    std::optional<double> both;
    if (resolve) both = *rewrite + *resolve;
    const WorkloadFacts& facts = Facts()[size];
    std::printf("%11d | %10s %14s | %14s %12zu %10d\n", size,
                Time(rewrite).c_str(), judged.c_str(),
                plain(Ratio(both, parse), " parse").c_str(),
                facts.rewritten_bytes, facts.template_copies);
  }
  for (const std::string& name : reporter.failed()) {
    std::printf("ERROR: benchmark %s failed\n", name.c_str());
  }
}

bool HasFlag(int argc, char** argv, absl::string_view flag) {
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], flag)) return true;
  }
  return false;
}

}  // namespace
}  // namespace flyteoverride::bench

int main(int argc, char** argv) {
  using namespace flyteoverride::bench;  // NOLINT: main only wires the pieces
  // Other work shares these machines: three repetitions and their median,
  // unless the command line says otherwise.
  std::vector<char*> args(argv, argv + argc);
  std::string repetitions = "--benchmark_repetitions=3";
  std::string aggregates = "--benchmark_display_aggregates_only=true";
  if (!HasFlag(argc, argv, "--benchmark_repetitions"))
    args.push_back(repetitions.data());
  if (!HasFlag(argc, argv, "--benchmark_display_aggregates_only")) {
    args.push_back(aggregates.data());
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  for (int size : kSizes) {
    benchmark::RegisterBenchmark(
        BenchmarkName(kParse, size).c_str(),
        [size](benchmark::State& s) { RunParse(s, size); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(
        BenchmarkName(kParseJson, size).c_str(),
        [size](benchmark::State& s) { RunParseJson(s, size); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(
        BenchmarkName(kResolve, size).c_str(),
        [size](benchmark::State& s) { RunResolve(s, size, false); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(
        BenchmarkName(kExplain, size).c_str(),
        [size](benchmark::State& s) { RunResolve(s, size, true); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(
        BenchmarkName(kRewrite, size).c_str(),
        [size](benchmark::State& s) { RunRewrite(s, size); })
        ->Unit(benchmark::kMicrosecond);
  }
  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  PrintTable(reporter);
  return 0;
}
