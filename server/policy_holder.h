// The operator policy in force. A config reload swaps it whole; a call takes
// one snapshot and judges with it throughout, so a reload never changes the
// rules halfway through a call. Thread-safe.
#ifndef FLYTEOVERRIDE_SERVER_POLICY_HOLDER_H_
#define FLYTEOVERRIDE_SERVER_POLICY_HOLDER_H_

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "policy/policy.h"

namespace flyteoverride::server {

class PolicyHolder {
 public:
  explicit PolicyHolder(policy::PolicySet initial = {})
      : current_(
            std::make_shared<const policy::PolicySet>(std::move(initial))) {}
  PolicyHolder(const PolicyHolder&) = delete;
  PolicyHolder& operator=(const PolicyHolder&) = delete;

  // Never null.
  std::shared_ptr<const policy::PolicySet> Get() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }

  void Set(policy::PolicySet policy) {
    auto next = std::make_shared<const policy::PolicySet>(std::move(policy));
    absl::MutexLock lock(&mu_);
    current_.swap(next);  // the old set is freed outside the lock
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const policy::PolicySet> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_POLICY_HOLDER_H_
