#include "resolver/key_sort.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace flyteoverride::resolver {
namespace {

// Sorts `keys` by SortByKey and checks the order against std::stable_sort.
void ExpectSortedLikeStableSort(const std::vector<std::string>& keys) {
  std::vector<KeyedIndex> items;
  for (uint32_t i = 0; i < keys.size(); ++i) items.push_back({keys[i], i});
  std::vector<KeyedIndex> expected = items;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const KeyedIndex& a, const KeyedIndex& b) {
                     return a.key < b.key;
                   });
  SortByKey(&items);
  ASSERT_EQ(items.size(), expected.size());
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].key, expected[i].key) << "at " << i;
    EXPECT_EQ(items[i].index, expected[i].index) << "at " << i;
  }
}

TEST(KeySort, EmptyAndSingle) {
  ExpectSortedLikeStableSort({});
  ExpectSortedLikeStableSort({"only"});
  ExpectSortedLikeStableSort({""});
}

TEST(KeySort, SmallSetsUseByteOrder) {
  ExpectSortedLikeStableSort({"b", "a", "", "ab", "a", "B", "\xff", "\x01"});
}

TEST(KeySort, PrefixesSortFirstAndEqualKeysKeepTheirOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(std::string(i % 7, 'a'));
  for (int i = 0; i < 200; ++i) keys.push_back(absl::StrCat("a", i % 3));
  ExpectSortedLikeStableSort(keys);
}

TEST(KeySort, NodePathsAndNumberedKeys) {
  std::vector<std::string> keys;
  for (int i = 10'000; i-- > 0;) {
    keys.push_back(absl::StrCat("n", i % 100, "/n", i / 100));
    keys.push_back(absl::StrCat("KEY_", i));
  }
  ExpectSortedLikeStableSort(keys);
}

TEST(KeySort, BytesAboveSevenBitsSortAfterAscii) {
  std::vector<std::string> keys;
  for (int c = 0; c < 256; ++c) {
    keys.push_back(std::string(1, static_cast<char>(c)) + "x");
    keys.push_back(std::string(1, static_cast<char>(255 - c)));
  }
  ExpectSortedLikeStableSort(keys);
}

TEST(KeySort, RandomKeysOfFewLetters) {
  std::mt19937 random(7);
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) {
    std::string key(random() % 6, 'a');
    for (char& c : key) c = static_cast<char>('a' + random() % 3);
    keys.push_back(key);
  }
  ExpectSortedLikeStableSort(keys);
}

TEST(KeySort, LongSharedPrefixCostsNoStack) {
  // A recursive sort would go a megabyte deep here.
  const std::string prefix(1 << 20, 'p');
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back(absl::StrCat(prefix, 99 - i));
  ExpectSortedLikeStableSort(keys);
}

}  // namespace
}  // namespace flyteoverride::resolver
