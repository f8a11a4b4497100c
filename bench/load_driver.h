// Drives calls from client threads for a while and measures them, and
// measures work in process: the load benchmark's instruments.
#ifndef FLYTEOVERRIDE_BENCH_LOAD_DRIVER_H_
#define FLYTEOVERRIDE_BENCH_LOAD_DRIVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace flyteoverride::bench {

// One case's calls: `call(thread, serial)` makes one and says whether it
// succeeded.
using CallFn = std::function<bool(int, int64_t)>;

struct Result {
  double calls_per_second = 0;
  double p50_us = 0, p99_us = 0;
  double cpu_per_call_us = 0;  // process CPU less the client threads'
  int64_t failures = 0;
  int64_t calls = 0;
  double seconds = 0;      // wall time
  double cpu_seconds = 0;  // process CPU less the client threads'
};

// This thread's CPU time so far, in seconds: other threads' work does not
// count.
double ThreadCpuSeconds();

// The middle value (the upper of the two middle ones); 0 when empty.
double Median(std::vector<double> values);

// Results of the same case over several runs, as one.
Result Merged(const std::vector<Result>& runs);

// `threads` threads calling `call` back to back for `seconds`.
Result Drive(int threads, const CallFn& call, double seconds);

// The in-process cost of `work`, per call, in microseconds of CPU: the
// median of `runs` runs of `run_ms` each, as single runs on a shared machine
// vary.
double InProcess(const std::function<void()>& work, int runs = 5,
                 double run_ms = 200);
// The same with the machine busy: `work` on `threads` threads at once (one a
// core), the mean of their costs. Under load the server keeps every core
// busy, and work costs more then than alone (caches, memory bandwidth, and
// on a virtual machine the host's neighbours): this is the like-for-like
// reference for what the service costs under load.
double InProcessBusy(const std::function<void()>& work, int threads);

// Cases measured in turn, round after round: each round drives every case for
// seconds / rounds and times its in-process work (when it has some). A
// shared machine's speed drifts by tens of percent over seconds; set side by
// side within a round, cases meet the same drift, so ratios are taken
// within a round and their spread is reported.
struct RoundCase {
  CallFn call;
  std::function<void()> in_process;  // may be empty
};
struct RoundResults {
  std::vector<Result> runs;         // one a round
  std::vector<double> in_process;   // one a round, microseconds of CPU
  std::vector<double> in_process_busy;  // the same, every core busy
};
std::vector<RoundResults> Interleaved(int threads,
                                      const std::vector<RoundCase>& cases,
                                      double seconds, int rounds);

// This process's resident memory.
size_t ResidentMiB();

}  // namespace flyteoverride::bench

#endif  // FLYTEOVERRIDE_BENCH_LOAD_DRIVER_H_
