// Admission control: a bounded number of calls run, a bounded number wait,
// and the rest are refused at once, so overload costs neither memory nor
// latency without end.
#ifndef FLYTEOVERRIDE_SERVER_ADMISSION_H_
#define FLYTEOVERRIDE_SERVER_ADMISSION_H_

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace flyteoverride::server {

// Thread-safe.
class Admission {
 public:
  Admission(int max_running, int max_queued)
      : max_running_(max_running), max_queued_(max_queued) {}

  // Takes a running slot, waiting for one until `deadline`. RESOURCE_EXHAUSTED
  // when the queue is full, DEADLINE_EXCEEDED when the wait outlives the
  // deadline, UNAVAILABLE once closed. On OK the caller must call Leave().
  absl::Status Enter(absl::Time deadline);
  void Leave();
  // Refuses every later Enter (shutdown); calls already admitted go on.
  void Close();

  int running() const;
  int queued() const;

 private:
  const int max_running_;
  const int max_queued_;
  mutable absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_ADMISSION_H_
