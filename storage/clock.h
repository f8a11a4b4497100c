// "Now", injected wherever expiry matters, so tests can move time.
#ifndef FLYTEOVERRIDE_STORAGE_CLOCK_H_
#define FLYTEOVERRIDE_STORAGE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace flyteoverride::storage {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide real clock.
  static const Clock& Real();
};

inline const Clock& Clock::Real() {
  class RealClock : public Clock {
   public:
    absl::Time Now() const override { return absl::Now(); }
  };
  static const RealClock kReal;
  return kReal;
}

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_CLOCK_H_
