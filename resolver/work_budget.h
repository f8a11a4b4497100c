// What one call may spend in the core (docs/design.md section 10): units of
// work counted as the walk, the merge and the render go, and the caller's
// way to stop it early. The core stays free of clocks: the caller's check
// (a deadline passed, the server shutting down) is asked every few thousand
// units, so a stopped call ends within a bounded amount of work.
#ifndef FLYTEOVERRIDE_RESOLVER_WORK_BUDGET_H_
#define FLYTEOVERRIDE_RESOLVER_WORK_BUDGET_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <utility>

namespace flyteoverride::resolver {

// One per call; not thread-safe.
class WorkBudget {
 public:
  // Units between two questions to the caller's check.
  static constexpr uint64_t kPollEvery = 4096;

  // Unlimited and never stopped.
  WorkBudget() = default;
  // `stop` (may be empty) says whether the caller wants the work to end.
  WorkBudget(uint64_t max_units, std::function<bool()> stop)
      : max_units_(max_units), stop_(std::move(stop)) {}

  // Spends `units`. False from the moment the budget is spent or the caller
  // stopped the call; every later call is false too.
  bool Spend(uint64_t units = 1) {
    if (state_ != State::kRunning) return false;
    used_ += units;
    if (used_ > max_units_) {
      state_ = State::kSpent;
      return false;
    }
    if (stop_ && used_ >= next_poll_) {
      next_poll_ = used_ + kPollEvery;
      if (stop_()) {
        state_ = State::kStopped;
        return false;
      }
    }
    return true;
  }

  // The budget ran out: the request asks for more work than allowed (the
  // same request always will).
  bool spent() const { return state_ == State::kSpent; }
  // The caller stopped the call (its deadline, a shutdown).
  bool stopped() const { return state_ == State::kStopped; }
  uint64_t used() const { return used_; }
  uint64_t max_units() const { return max_units_; }

 private:
  enum class State { kRunning, kSpent, kStopped };
  uint64_t max_units_ = std::numeric_limits<uint64_t>::max();
  std::function<bool()> stop_;
  uint64_t used_ = 0;
  uint64_t next_poll_ = 0;
  State state_ = State::kRunning;
};

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_WORK_BUDGET_H_
