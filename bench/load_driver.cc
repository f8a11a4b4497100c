#include "bench/load_driver.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace flyteoverride::bench {
namespace {

double ThreadCpu() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

double ProcessCpu() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

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
      const double mine = ThreadCpu();
      while (!stop.load(std::memory_order_relaxed)) {
        const absl::Time before = absl::Now();
        if (!call(t, serial++)) ++failures;
        latencies[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - before));
      }
      client_cpu[t] = ThreadCpu() - mine;
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
  result.cpu_per_call_us = (ProcessCpu() - cpu_start - clients) / calls * 1e6;
  result.failures = failures;
  return result;
}

double InProcess(const std::function<void()>& work) {
  work();
  std::vector<double> runs;
  for (int run = 0; run < 5; ++run) {
    int calls = 0;
    const double start = ThreadCpu();
    const absl::Time until = absl::Now() + absl::Milliseconds(200);
    do {
      work();
      ++calls;
    } while (absl::Now() < until);
    runs.push_back((ThreadCpu() - start) / calls * 1e6);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

}  // namespace flyteoverride::bench
