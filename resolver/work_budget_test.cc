#include "resolver/work_budget.h"

#include "gtest/gtest.h"

namespace flyteoverride::resolver {
namespace {

TEST(WorkBudget, SpendsUpToItsUnitsThenStaysSpent) {
  WorkBudget budget(10, nullptr);
  EXPECT_TRUE(budget.Spend(9));
  EXPECT_TRUE(budget.Spend(1));  // exactly the budget
  EXPECT_FALSE(budget.Spend(1));
  EXPECT_TRUE(budget.spent());
  EXPECT_FALSE(budget.stopped());
  EXPECT_FALSE(budget.Spend(0));  // sticky
}

TEST(WorkBudget, AsksTheCallerAtTheStartAndEveryFewThousandUnits) {
  int asked = 0;
  bool stop = false;
  WorkBudget budget(1'000'000, [&] {
    ++asked;
    return stop;
  });
  EXPECT_TRUE(budget.Spend());
  EXPECT_EQ(asked, 1);
  for (uint64_t i = 1; i < WorkBudget::kPollEvery; ++i) budget.Spend();
  EXPECT_EQ(asked, 1);
  stop = true;
  EXPECT_FALSE(budget.Spend());  // the next poll sees it
  EXPECT_EQ(asked, 2);
  EXPECT_TRUE(budget.stopped());
  EXPECT_FALSE(budget.spent());
}

TEST(WorkBudget, TheDefaultIsUnlimited) {
  WorkBudget budget;
  EXPECT_TRUE(budget.Spend(uint64_t{1} << 60));
}

}  // namespace
}  // namespace flyteoverride::resolver
