#include "server/purger.h"

#include "absl/strings/str_cat.h"
#include "server/logging.h"

namespace flyteoverride::server {

Purger::Purger(storage::Store* store, const storage::Clock& clock,
               PurgerOptions options)
    : store_(store), clock_(clock), options_(options) {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.interval)) RunOnce();
  });
}

Purger::~Purger() {
  stop_.Notify();
  thread_.join();
}

int Purger::RunOnce() {
  int total = 0;
  for (int i = 0; i < options_.max_batches && !stop_.HasBeenNotified(); ++i) {
    absl::StatusOr<int> purged =
        store_->PurgeExpired(clock_.Now(), options_.batch);
    if (!purged.ok()) {
      LogEvent(spdlog::level::warn, "purge failed",
               {{"error", std::string(purged.status().message())}});
      break;
    }
    total += *purged;
    if (*purged < options_.batch) break;
  }
  if (total > 0)
    LogEvent(spdlog::level::info, "purged", {{"records", total}});
  return total;
}

}  // namespace flyteoverride::server
