#include "server/admission.h"

namespace flyteoverride::server {

absl::Status Admission::Enter(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (closed_) return absl::UnavailableError("the server is shutting down");
  if (running_ < max_running_) {
    ++running_;
    return absl::OkStatus();
  }
  if (queued_ >= max_queued_) {
    return absl::ResourceExhaustedError(
        "the server is at capacity (running and queued calls); retry with "
        "backoff");
  }
  ++queued_;
  auto slot_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || running_ < max_running_;
  };
  const bool admitted =
      mu_.AwaitWithDeadline(absl::Condition(&slot_free), deadline);
  --queued_;
  if (closed_) return absl::UnavailableError("the server is shutting down");
  if (!admitted) {
    return absl::DeadlineExceededError(
        "the call's deadline passed while it waited to run");
  }
  ++running_;
  return absl::OkStatus();
}

void Admission::Leave() {
  absl::MutexLock lock(&mu_);
  --running_;
}

void Admission::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

int Admission::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

int Admission::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

}  // namespace flyteoverride::server
