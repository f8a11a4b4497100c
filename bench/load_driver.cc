#include "bench/load_driver.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace flyteoverride::bench {
namespace {

double ProcessCpu() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

double ThreadCpuSeconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

size_t ResidentMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    size_t kib = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %zu kB", &kib) == 1) return kib >> 10;
  }
  return 0;
}

Result Drive(int thread_count, const CallFn& call, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> serial{0}, failures{0};
  std::vector<std::vector<double>> latencies(thread_count);
  std::vector<double> client_cpu(thread_count, 0);
  const double cpu_start = ProcessCpu();
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      const double mine = ThreadCpuSeconds();
      while (!stop.load(std::memory_order_relaxed)) {
        const absl::Time before = absl::Now();
        if (!call(t, serial++)) ++failures;
        latencies[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - before));
      }
      client_cpu[t] = ThreadCpuSeconds() - mine;
    });
  }
  absl::SleepFor(absl::Seconds(seconds));
  stop = true;
  for (std::thread& thread : threads) thread.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  double clients = 0;
  std::vector<double> all;
  for (int t = 0; t < thread_count; ++t) {
    clients += client_cpu[t];
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
  }
  std::sort(all.begin(), all.end());
  Result result;
  const double calls = static_cast<double>(all.size());
  if (all.empty()) return result;
  result.calls_per_second = calls / elapsed;
  result.p50_us = all[all.size() / 2];
  result.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  result.calls = static_cast<int64_t>(all.size());
  result.seconds = elapsed;
  result.cpu_seconds = ProcessCpu() - cpu_start - clients;
  result.cpu_per_call_us = result.cpu_seconds / calls * 1e6;
  result.failures = failures;
  return result;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Result Merged(const std::vector<Result>& runs) {
  Result merged;
  std::vector<double> p50, p99;
  for (const Result& run : runs) {
    merged.calls += run.calls;
    merged.seconds += run.seconds;
    merged.cpu_seconds += run.cpu_seconds;
    merged.failures += run.failures;
    p50.push_back(run.p50_us);
    p99.push_back(run.p99_us);
  }
  if (merged.calls == 0 || runs.empty()) return merged;
  merged.calls_per_second = merged.calls / merged.seconds;
  merged.cpu_per_call_us = merged.cpu_seconds / merged.calls * 1e6;
  // Latencies of runs are not merged sample by sample: the median run's.
  merged.p50_us = Median(std::move(p50));
  merged.p99_us = Median(std::move(p99));
  return merged;
}

std::vector<RoundResults> Interleaved(int threads,
                                      const std::vector<RoundCase>& cases,
                                      double seconds, int rounds) {
  std::vector<RoundResults> results(cases.size());
  for (int round = 0; round < rounds; ++round) {
    for (size_t c = 0; c < cases.size(); ++c) {
      results[c].runs.push_back(Drive(threads, cases[c].call, seconds / rounds));
      if (cases[c].in_process) {
        results[c].in_process.push_back(
            InProcess(cases[c].in_process, 3, 100));
        results[c].in_process_busy.push_back(InProcessBusy(
            cases[c].in_process, std::thread::hardware_concurrency()));
      }
    }
  }
  return results;
}

double InProcess(const std::function<void()>& work, int run_count,
                 double run_ms) {
  work();
  std::vector<double> runs;
  for (int run = 0; run < run_count; ++run) {
    int calls = 0;
    const double start = ThreadCpuSeconds();
    const absl::Time until = absl::Now() + absl::Milliseconds(run_ms);
    do {
      work();
      ++calls;
    } while (absl::Now() < until);
    runs.push_back((ThreadCpuSeconds() - start) / calls * 1e6);
  }
  return Median(std::move(runs));
}

double InProcessBusy(const std::function<void()>& work, int threads) {
  std::vector<double> costs(std::max(threads, 1));
  std::vector<std::thread> workers;
  for (size_t t = 0; t < costs.size(); ++t)
    workers.emplace_back([&, t] { costs[t] = InProcess(work, 3, 100); });
  for (std::thread& worker : workers) worker.join();
  double sum = 0;
  for (double cost : costs) sum += cost;
  return sum / costs.size();
}

}  // namespace flyteoverride::bench
