#include "resolver/leaf_set.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace flyteoverride::resolver {
namespace {

// Leaves of every kind of group, set in a shuffled order: many environment
// keys and task_config pointers, requests and limits of several resources,
// scalars. Sort must give LeafKey's order and keep each leaf findable.
TEST(LeafSet, ManyLeavesSortInKeyOrder) {
  std::vector<LeafKey> keys;
  for (int i = 0; i < 50; ++i) {
    keys.push_back({Field::kEnvironment, 0, absl::StrCat("KEY_", 49 - i)});
    keys.push_back({Field::kTaskConfig, 0, absl::StrCat("/spark/conf", i % 7, "/", i)});
  }
  for (int resource : {3, 1, 2}) {
    keys.push_back({Field::kLimit, resource, ""});
    keys.push_back({Field::kRequest, resource, ""});
  }
  keys.push_back({Field::kRetries, 0, ""});
  keys.push_back({Field::kContainerImage, 0, ""});
  std::shuffle(keys.begin(), keys.end(), std::mt19937(11));

  LeafSet set(false);
  const Origin origin{v1::EXECUTION, "train", "n0"};
  std::vector<std::string> values;
  values.reserve(keys.size());
  for (const LeafKey& key : keys) {
    values.push_back(LeafPath(key));
    set.Set(key, LeafValue::String(values.back()), origin);
  }
  set.Sort();

  std::vector<LeafKey> expected = keys;
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(set.leaves().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(set.leaves()[i].key, expected[i]) << "at " << i;
    const Leaf* found = set.Find(expected[i]);
    ASSERT_NE(found, nullptr) << LeafPath(expected[i]);
    EXPECT_EQ(found->current.value.text, LeafPath(expected[i]));
  }
}

}  // namespace
}  // namespace flyteoverride::resolver
