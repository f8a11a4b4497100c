#include "server/metrics.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The registry the exposition tests render: one family of each type, a
// label value that needs every escape, and build info.
void FillSmallRegistry(Registry& registry) {
  CounterFamily& requests =
      registry.AddCounter("override_resolver_requests_total",
                          "Requests by RPC and gRPC code.", {"rpc", "code"});
  requests.WithLabels({"Resolve", "OK"}).Increment();
  requests.WithLabels({"Resolve", "OK"}).Increment();
  requests.WithLabels({"Inspect", "NOT_FOUND"}).Increment(3);
  requests.WithLabels({"a\"b\\c\nd", "OK"}).Increment();

  Gauge& in_flight = registry
                         .AddGauge("override_resolver_in_flight_requests",
                                   "Requests being served.", {})
                         .WithLabels({});
  in_flight.Set(3);
  in_flight.Add(-0.5);

  HistogramFamily& latency =
      registry.AddHistogram("override_resolver_request_duration_seconds",
                            "Request latency by RPC.", {"rpc"}, {0.1, 0.5, 1});
  Histogram& resolve = latency.WithLabels({"Resolve"});
  for (double seconds : {0.1, 0.25, 0.75, 2.0}) resolve.Observe(seconds);

  RegisterBuildInfo(registry, "1.2.3", "abc123");
}

TEST(RegistryTest, RendersTextExpositionFormat) {
  Registry registry;
  FillSmallRegistry(registry);
  EXPECT_EQ(
      registry.Render(),
      R"(# HELP override_resolver_build_info The running build; the value is always 1.
# TYPE override_resolver_build_info gauge
override_resolver_build_info{version="1.2.3",revision="abc123"} 1
# HELP override_resolver_in_flight_requests Requests being served.
# TYPE override_resolver_in_flight_requests gauge
override_resolver_in_flight_requests 2.5
# HELP override_resolver_request_duration_seconds Request latency by RPC.
# TYPE override_resolver_request_duration_seconds histogram
override_resolver_request_duration_seconds_bucket{rpc="Resolve",le="0.1"} 1
override_resolver_request_duration_seconds_bucket{rpc="Resolve",le="0.5"} 2
override_resolver_request_duration_seconds_bucket{rpc="Resolve",le="1"} 3
override_resolver_request_duration_seconds_bucket{rpc="Resolve",le="+Inf"} 4
override_resolver_request_duration_seconds_sum{rpc="Resolve"} 3.1
override_resolver_request_duration_seconds_count{rpc="Resolve"} 4
# HELP override_resolver_requests_total Requests by RPC and gRPC code.
# TYPE override_resolver_requests_total counter
override_resolver_requests_total{rpc="Inspect",code="NOT_FOUND"} 3
override_resolver_requests_total{rpc="Resolve",code="OK"} 2
override_resolver_requests_total{rpc="a\"b\\c\nd",code="OK"} 1
)");
}

TEST(RegistryTest, HistogramWithoutLabelsPutsLeAlone) {
  Registry registry;
  registry.AddHistogram("job_seconds", "Job time.", {}, {1})
      .WithLabels({})
      .Observe(0.5);
  EXPECT_EQ(registry.Render(),
            "# HELP job_seconds Job time.\n# TYPE job_seconds histogram\n"
            "job_seconds_bucket{le=\"1\"} 1\n"
            "job_seconds_bucket{le=\"+Inf\"} 1\n"
            "job_seconds_sum 0.5\njob_seconds_count 1\n");
}

TEST(RegistryTest, HelpEscapesBackslashAndNewlineButNotQuote) {
  Registry registry;
  registry.AddGauge("g", "a \"b\" \\ c\nd", {});
  EXPECT_EQ(registry.Render(),
            "# HELP g a \"b\" \\\\ c\\nd\n# TYPE g gauge\ng 0\n");
}

TEST(RegistryTest, LabelledFamilyWithoutChildrenRendersOnlyHeader) {
  Registry registry;
  registry.AddCounter("errors_total", "Errors.", {"kind"});
  EXPECT_EQ(registry.Render(),
            "# HELP errors_total Errors.\n# TYPE errors_total counter\n");
}

TEST(RegistryTest, CollectorsRunAtEveryRenderBeforeFamiliesAreRendered) {
  Registry registry;
  Gauge& queued = registry.AddGauge("queued", "Queued.", {}).WithLabels({});
  int renders = 0;
  registry.AddCollector([&] { queued.Set(++renders * 10); });
  EXPECT_EQ(registry.Render(),
            "# HELP queued Queued.\n# TYPE queued gauge\nqueued 10\n");
  EXPECT_EQ(registry.Render(),
            "# HELP queued Queued.\n# TYPE queued gauge\nqueued 20\n");
}

TEST(HistogramTest, BucketsAreCumulativeWithInclusiveUpperBounds) {
  Histogram histogram({1, 2, 4});
  for (double value : {0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 4.5, 100.0}) {
    histogram.Observe(value);
  }
  EXPECT_THAT(histogram.CumulativeCounts(), ElementsAre(2, 4, 6, 8));
  EXPECT_EQ(histogram.count(), 8);
  EXPECT_EQ(histogram.sum(), 116);
}

TEST(HistogramTest, NanCountsOnlyInTheInfBucket) {
  Histogram histogram({1});
  histogram.Observe(std::nan(""));
  EXPECT_THAT(histogram.CumulativeCounts(), ElementsAre(0, 1));
  EXPECT_TRUE(std::isnan(histogram.sum()));
}

TEST(RegistryTest, TrailingInfBoundIsDropped) {
  Registry registry;
  registry.AddHistogram("h_seconds", "H.", {}, {1, kInf});
  EXPECT_EQ(registry.Render(),
            "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"1\"} 0\nh_seconds_bucket{le=\"+Inf\"} 0\n"
            "h_seconds_sum 0\nh_seconds_count 0\n");
}

TEST(FamilyTest, ChildIsCreatedOnceAndStaysPut) {
  Registry registry;
  CounterFamily& family = registry.AddCounter("c_total", "C.", {"k"});
  Counter* first = &family.WithLabels({"a"});
  for (int i = 0; i < 1000; ++i) family.WithLabels({absl::StrCat(i)});
  EXPECT_EQ(&family.WithLabels({"a"}), first);
}

TEST(FamilyTest, LabelValuesNeverCollide) {
  Registry registry;
  CounterFamily& family = registry.AddCounter("c_total", "C.", {"x", "y"});
  EXPECT_NE(&family.WithLabels({"a,b", "c"}), &family.WithLabels({"a", "b,c"}));
  EXPECT_NE(&family.WithLabels({"1:a", ""}), &family.WithLabels({"", "1:a"}));
}

TEST(CounterTest, ConcurrentIncrementsAreExact) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  Registry registry;
  CounterFamily& counters = registry.AddCounter("c_total", "C.", {"rpc"});
  HistogramFamily& histograms =
      registry.AddHistogram("h_seconds", "H.", {"rpc"}, {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        counters.WithLabels({"Resolve"}).Increment();
        histograms.WithLabels({"Resolve"}).Observe(i % 2);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counters.WithLabels({"Resolve"}).value(), kThreads * kPerThread);
  const Histogram& histogram = histograms.WithLabels({"Resolve"});
  EXPECT_THAT(histogram.CumulativeCounts(),
              ElementsAre(kThreads * kPerThread / 2, kThreads * kPerThread));
  EXPECT_EQ(histogram.sum(), kThreads * kPerThread / 2);
}

TEST(GaugeTest, SetAndAdd) {
  Gauge gauge;
  gauge.Set(10);
  gauge.Add(-12.5);
  EXPECT_EQ(gauge.value(), -2.5);
}

TEST(FormatValueTest, IntegersWithoutExponentFloatsRoundTrip) {
  struct Case {
    double value;
    const char* text;
  };
  for (const Case& c : std::vector<Case>{{0, "0"},
                                         {-3, "-3"},
                                         {1e15, "1000000000000000"},
                                         {0.1, "0.1"},
                                         {0.0005, "0.0005"},
                                         {1.0 / 3, "0.3333333333333333"},
                                         {0.1 + 0.2, "0.30000000000000004"},
                                         {1e-7, "1e-07"},
                                         {1e21, "1e+21"},
                                         {kInf, "+Inf"},
                                         {-kInf, "-Inf"},
                                         {std::nan(""), "NaN"}}) {
    EXPECT_EQ(FormatValue(c.value), c.text) << c.text;
  }
}

TEST(LatencyBucketsTest, SpanHalfAMillisecondToTenSeconds) {
  std::vector<double> buckets = LatencyBuckets();
  ASSERT_EQ(buckets.size(), 14);
  EXPECT_EQ(buckets.front(), 0.0005);
  EXPECT_EQ(buckets.back(), 10);
  for (size_t i = 1; i < buckets.size(); ++i) {
    EXPECT_LT(buckets[i - 1], buckets[i]);
  }
}

TEST(RegistryTest, AcceptsValidNames) {
  Registry registry;
  registry.AddCounter("a:b_c9_total", "", {"_x", "Y9"});
  registry.AddGauge("_g", "", {"le"});  // "le" is reserved only in histograms.
  registry.AddHistogram(":h", "", {"rpc"}, {});
}

using MetricsDeathTest = ::testing::Test;

TEST(MetricsDeathTest, InvalidMetricNamesAbort) {
  for (const char* name : {"", "9a", "a-b", "a b", "é"}) {
    Registry registry;
    EXPECT_DEATH(registry.AddCounter(name, "", {}), "invalid metric name")
        << name;
  }
}

TEST(MetricsDeathTest, InvalidLabelNamesAbort) {
  for (const char* label : {"", "__reserved", "a:b", "9a", "a-b"}) {
    Registry registry;
    EXPECT_DEATH(registry.AddGauge("g", "", {label}), "invalid label name")
        << label;
  }
  Registry registry;
  EXPECT_DEATH(registry.AddGauge("g", "", {"a", "a"}), "repeated");
  EXPECT_DEATH(registry.AddHistogram("h", "", {"le"}, {1}), "\"le\"");
}

TEST(MetricsDeathTest, DuplicateSampleNamesAbort) {
  Registry registry;
  registry.AddCounter("x", "", {});
  EXPECT_DEATH(registry.AddGauge("x", "", {}), "registered twice");
  registry.AddHistogram("h", "", {}, {1});
  EXPECT_DEATH(registry.AddCounter("h_count", "", {}), "registered twice");
}

TEST(MetricsDeathTest, BadBucketBoundsAbort) {
  Registry registry;
  EXPECT_DEATH(registry.AddHistogram("h", "", {}, {1, 1}), "strictly");
  EXPECT_DEATH(registry.AddHistogram("h", "", {}, {2, 1}), "strictly");
  EXPECT_DEATH(registry.AddHistogram("h", "", {}, {std::nan("")}), "finite");
}

TEST(MetricsDeathTest, NegativeOrNanIncrementAborts) {
  Counter counter;
  EXPECT_DEATH(counter.Increment(-1), "must be >= 0");
  EXPECT_DEATH(counter.Increment(std::nan("")), "must be >= 0");
}

TEST(MetricsDeathTest, WrongNumberOfLabelValuesAborts) {
  Registry registry;
  CounterFamily& family = registry.AddCounter("c_total", "", {"a", "b"});
  EXPECT_DEATH(family.WithLabels({"x"}), "1 label values for 2 label names");
}

// promtool is the reference parser and linter. Where it is missing the check
// is skipped, unless REQUIRE_PROMTOOL=1 (as CI sets) makes that a failure.
std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

TEST(RegistryTest, PromtoolAcceptsRenderedText) {
  const std::string promtool = FindOnPath("promtool");
  if (promtool.empty()) {
    const char* require = std::getenv("REQUIRE_PROMTOOL");
    ASSERT_FALSE(require != nullptr && std::string(require) == "1")
        << "REQUIRE_PROMTOOL=1 but promtool is not on PATH (Debian package "
           "prometheus; pass --test_env=PATH)";
    GTEST_SKIP() << "promtool not on PATH; skipped promtool check metrics";
  }
  Registry registry;
  FillSmallRegistry(registry);
  registry.AddCounter("override_resolver_storage_errors_total",
                      "Storage errors.", {"op"});
  registry
      .AddHistogram("override_resolver_storage_duration_seconds",
                    "Storage latency.", {"op"}, LatencyBuckets())
      .WithLabels({"get"})
      .Observe(0.003);
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string file = absl::StrCat(tmp ? tmp : "/tmp", "/metrics.txt");
  std::ofstream(file) << registry.Render();

  const std::string command =
      absl::StrCat(promtool, " check metrics < '", file, "' 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << command;
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command << "\n" << output;
}

}  // namespace
}  // namespace flyteoverride::server
