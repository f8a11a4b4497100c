#include "server/admission.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

const absl::Time kFar = absl::InfiniteFuture();

TEST(Admission, RunsUpToTheLimitQueuesThenRefuses) {
  Admission admission(/*max_running=*/1, /*max_queued=*/1);
  ASSERT_TRUE(admission.Enter(kFar).ok());
  absl::Notification queued_done;
  std::thread waiter([&] {
    EXPECT_TRUE(admission.Enter(kFar).ok());  // waits for the first to leave
    admission.Leave();
    queued_done.Notify();
  });
  // Once the waiter is queued, the queue is full: a third call is refused.
  for (int i = 0; i < 5000 && admission.queued() == 0; ++i)
    absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(admission.queued(), 1);
  EXPECT_EQ(admission.Enter(kFar).code(), absl::StatusCode::kResourceExhausted);
  admission.Leave();
  waiter.join();
  EXPECT_TRUE(queued_done.HasBeenNotified());
  EXPECT_EQ(admission.running(), 0);
}

TEST(Admission, QueuedCallGivesUpAtItsDeadline) {
  Admission admission(1, 4);
  ASSERT_TRUE(admission.Enter(kFar).ok());
  const absl::Status late =
      admission.Enter(absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(late.code(), absl::StatusCode::kDeadlineExceeded);
  admission.Leave();
}

TEST(Admission, CloseRefusesNewAndWakesQueuedCalls) {
  Admission admission(1, 4);
  ASSERT_TRUE(admission.Enter(kFar).ok());
  absl::Status queued;
  std::thread waiter([&] { queued = admission.Enter(kFar); });
  absl::SleepFor(absl::Milliseconds(20));
  admission.Close();
  waiter.join();
  EXPECT_EQ(queued.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(admission.Enter(kFar).code(), absl::StatusCode::kUnavailable);
  admission.Leave();  // the admitted call still finishes
  EXPECT_EQ(admission.running(), 0);
}

}  // namespace
}  // namespace flyteoverride::server
