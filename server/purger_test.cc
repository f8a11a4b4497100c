#include "server/purger.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"

namespace flyteoverride::server {
namespace {

class FixedClock : public storage::Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(2000); }
};

TEST(Purger, DeletesExpiredRecordsInBatchesUpToTheRoundLimit) {
  storage::MemoryStore store;
  for (int i = 0; i < 25; ++i) {
    storage::ExecutionRecord record;
    record.key = {"p", "d", absl::StrCat("e", i), ""};
    record.expires = absl::FromUnixSeconds(i < 20 ? 1000 : 3000);
    ASSERT_TRUE(store.PutIfAbsent(record).ok());
  }
  FixedClock clock;
  // Background rounds far apart: only RunOnce purges here.
  Purger purger(&store, clock,
                {absl::Hours(1), /*batch=*/4, /*max_batches=*/3});
  EXPECT_EQ(purger.RunOnce(), 12);
  EXPECT_EQ(purger.RunOnce(), 8);
  EXPECT_EQ(purger.RunOnce(), 0);
  EXPECT_TRUE(store.GetHeader({"p", "d", "e24", ""}).ok());
  EXPECT_FALSE(store.GetHeader({"p", "d", "e0", ""}).ok());
}

}  // namespace
}  // namespace flyteoverride::server
