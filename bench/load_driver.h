// Drives calls from client threads for a while and measures them, and
// measures work in process: the load benchmark's instruments.
#ifndef FLYTEOVERRIDE_BENCH_LOAD_DRIVER_H_
#define FLYTEOVERRIDE_BENCH_LOAD_DRIVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>

namespace flyteoverride::bench {

// One case's calls: `call(thread, serial)` makes one and says whether it
// succeeded.
using CallFn = std::function<bool(int, int64_t)>;

struct Result {
  double calls_per_second = 0;
  double p50_us = 0, p99_us = 0;
  double cpu_per_call_us = 0;  // process CPU less the client threads'
  int64_t failures = 0;
};

// `threads` threads calling `call` back to back for `seconds`.
Result Drive(int threads, const CallFn& call, double seconds);

// The in-process cost of `work`, per call, in microseconds of CPU: the
// median of five 200 ms runs, as single runs on a shared machine vary.
double InProcess(const std::function<void()>& work);

// This process's resident memory.
size_t ResidentMiB();

}  // namespace flyteoverride::bench

#endif  // FLYTEOVERRIDE_BENCH_LOAD_DRIVER_H_
