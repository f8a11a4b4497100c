// The paths that once grew quadratically with a hostile request's size,
// each timed at n and 10n in the same run: the ratio must stay near 10
// (docs/operations.md, "Limits and overload"; target <= 12x).
//   bazel run -c opt //bench:scaling_bench
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/load_driver.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/resolve.h"

namespace flyteoverride::bench {
namespace {

constexpr double kTarget = 12.0;

// A closure of `tasks` task nodes, node i carrying hook "h<i>".
v1::ResolveRequest Hooked(int tasks) {
  v1::ResolveRequest request;
  auto* closure = request.mutable_closure();
  flyteidl::core::Identifier task_id;
  task_id.set_resource_type(flyteidl::core::TASK);
  task_id.set_name("t");
  *closure->add_tasks()->mutable_template_()->mutable_id() = task_id;
  auto* primary = closure->mutable_primary()->mutable_template_();
  primary->mutable_id()->set_name("wf");
  for (int i = 0; i < tasks; ++i) {
    auto* node = primary->add_nodes();
    node->set_id(absl::StrCat("n", i));
    *node->mutable_task_node()->mutable_reference_id() = task_id;
    node->mutable_runtime_override()->set_name(absl::StrCat("h", i));
  }
  return request;
}

// One execution override setting `n` environment keys and unsetting `n`
// others: every key a leaf look-up.
v1::ResolveRequest ManyEnvironmentKeys(int n) {
  v1::ResolveRequest request = Hooked(1);
  auto& overrides = (*request.mutable_execution_overrides())["h0"];
  for (int i = 0; i < n; ++i) {
    (*overrides.mutable_environment())[absl::StrCat("K", i)] = "v";
    overrides.add_unset(absl::StrCat("environment.U", i));
  }
  return request;
}

// `n` hooks declared and `n` unknown names asked for (as warnings): every
// unknown name once compared with every hook.
v1::ResolveRequest ManyUnknownHooks(int n) {
  v1::ResolveRequest request = Hooked(n);
  for (int i = 0; i < n; ++i)
    (*request.mutable_execution_overrides())[absl::StrCat("hook", i)]
        .set_retries(1);
  request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
  return request;
}

// `n` hooked nodes, each in its own map entry.
v1::ResolveRequest ManyMapEntries(int n) {
  v1::ResolveRequest request = Hooked(n);
  for (int i = 0; i < n; ++i)
    (*request.mutable_execution_overrides())[absl::StrCat("h", i)].set_retries(
        i % 7);
  return request;
}

// The CPU time of one resolve, in seconds.
double ResolveTime(const v1::ResolveRequest& request,
                   const resolver::ResolveLimits& limits) {
  const double start = ThreadCpuSeconds();
  resolver::ResolveResult result = resolver::Resolve(request, limits);
  const double spent = ThreadCpuSeconds() - start;
  if (!result.ok()) {
    std::fprintf(stderr, "scaling_bench: %s\n",
                 result.violations[0].description().c_str());
    std::abort();
  }
  return spent;
}

// The CPU time of parsing the request's bytes: linear work over the same
// maps and strings, with the same memory behaviour as the request grows.
double ParseTime(const std::string& bytes) {
  v1::ResolveRequest request;
  const double start = ThreadCpuSeconds();
  const bool parsed = request.ParseFromString(bytes);
  const double spent = ThreadCpuSeconds() - start;
  if (!parsed) std::abort();
  return spent;
}

// Least CPU times of the resolve and the parse at n and 10n.
struct Times {
  double resolve_small = 1e9, resolve_large = 1e9;
  double parse_small = 1e9, parse_large = 1e9;
};

// Many runs of each, taken in turns so that a busy moment of a shared
// machine weighs on all alike; the least is the time the work itself takes.
Times Fastest(const v1::ResolveRequest& small, const v1::ResolveRequest& large,
              const resolver::ResolveLimits& limits) {
  const std::string small_bytes = small.SerializeAsString();
  const std::string large_bytes = large.SerializeAsString();
  Times t;
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < 3; ++j) {
      t.resolve_small = std::min(t.resolve_small, ResolveTime(small, limits));
      t.parse_small = std::min(t.parse_small, ParseTime(small_bytes));
    }
    t.resolve_large = std::min(t.resolve_large, ResolveTime(large, limits));
    t.parse_large = std::min(t.parse_large, ParseTime(large_bytes));
  }
  return t;
}

struct Case {
  const char* name;
  int n;
  std::function<v1::ResolveRequest(int)> make;
};

}  // namespace
}  // namespace flyteoverride::bench

int main(int argc, char** argv) {
  using namespace flyteoverride::bench;  // NOLINT: main only wires the pieces
  // glibc maps large blocks afresh and returns freed heap to the system, so
  // a large case would pay page faults a small one does not; a server's
  // heap stays warm. What is measured is the algorithm.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, -1);
  flyteoverride::resolver::ResolveLimits limits;  // every limit out of reach
  limits.documents.max_environment_keys = 10'000'000;
  limits.documents.max_unset_paths = 10'000'000;
  limits.max_map_entries = 10'000'000;
  // From n to 10n and from 10n to 100n: the sizes the default limits accept
  // (1000 environment keys, 10,000 map entries) and ten times more. A
  // quadratic path would show about 100x.
  const std::vector<Case> cases = {
      {"environment keys and unsets in one document", 1'000,
       ManyEnvironmentKeys},
      {"unknown hook names against as many hooks", 1'000, ManyUnknownHooks},
      {"map entries, one per hooked node", 1'000, ManyMapEntries},
  };
  std::printf("%-46s %7s %10s %10s %7s %7s\n", "case", "n", "cpu(n)",
              "cpu(10n)", "ratio", "parse");
  int missed = 0;
  for (const Case& c : cases) {
    // An argument picks the cases whose names hold it (for a profiler).
    if (argc > 1 && std::strstr(c.name, argv[1]) == nullptr) continue;
    for (int n : {c.n, 10 * c.n}) {
      const Times t = Fastest(c.make(n), c.make(10 * n), limits);
      const double ratio = t.resolve_large / t.resolve_small;
      // A parse of the same bytes is linear work: how much of the growth
      // the machine adds (caches, memory) as the request grows.
      const double parse = t.parse_large / t.parse_small;
      // Judged where the default limits admit both sizes; beyond them, the
      // row shows what caches and memory add.
      const bool judged = n == c.n;
      missed += judged && ratio > kTarget;
      std::printf("%-46s %7d %7.2f ms %7.2f ms %6.2fx %6.2fx %s\n", c.name, n,
                  t.resolve_small * 1e3, t.resolve_large * 1e3, ratio, parse,
                  !judged ? "(beyond the limits)"
                  : ratio <= kTarget ? "PASS" : "MISS");
    }
  }
  // Sorting (provenance and output order) is n log n: from n to 10n that
  // alone is 10 * log(10n) / log(n). A quadratic path shows about 100x.
  std::printf(
      "target: time(10n) / time(n) <= %.0fx within the limits; an n log n step "
      "alone gives %.1fx to %.1fx, a quadratic one 100x\n",
      kTarget, 10 * std::log(100'000.0) / std::log(10'000.0),
      10 * std::log(10'000.0) / std::log(1'000.0));
  return missed == 0 ? 0 : 1;
}
