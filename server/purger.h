// Retention: deletes expired execution records in the background, in small
// batches, so a purge never holds the store for long.
#ifndef FLYTEOVERRIDE_SERVER_PURGER_H_
#define FLYTEOVERRIDE_SERVER_PURGER_H_

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace flyteoverride::server {

struct PurgerOptions {
  absl::Duration interval = absl::Minutes(10);
  int batch = 500;
  // Batches per round at most; the rest waits for the next round.
  int max_batches = 20;
};

// Starts on construction, stops (and joins) on destruction.
class Purger {
 public:
  Purger(storage::Store* store, const storage::Clock& clock,
         PurgerOptions options);
  ~Purger();

  // One round now; returns how many records it deleted. Thread-safe with the
  // background rounds only in the sense that the store is.
  int RunOnce();

 private:
  storage::Store* const store_;
  const storage::Clock& clock_;
  const PurgerOptions options_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_PURGER_H_
