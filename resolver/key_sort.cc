#include "resolver/key_sort.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace flyteoverride::resolver {
namespace {

// Below this many items a bucket is finished by insertion: its keys share
// `depth` bytes, so only what follows is compared.
constexpr size_t kInsertionBelow = 32;

// The bucket of a key at `depth`: 0 for a key that ends before it (it sorts
// first), else 1 + its byte there.
inline size_t BucketOf(absl::string_view key, size_t depth) {
  return depth < key.size() ? 1 + static_cast<unsigned char>(key[depth]) : 0;
}

void InsertionSort(KeyedIndex* begin, KeyedIndex* end, size_t depth) {
  for (KeyedIndex* i = begin + 1; i < end; ++i) {
    KeyedIndex item = *i;
    const absl::string_view rest = item.key.substr(depth);
    KeyedIndex* j = i;
    // Strict comparison keeps equal keys in their order.
    while (j > begin && rest < (j - 1)->key.substr(depth)) {
      *j = *(j - 1);
      --j;
    }
    *j = item;
  }
}

struct Range {
  size_t begin;
  size_t end;
  size_t depth;  // bytes every key in the range shares
};

}  // namespace

void SortByKey(std::vector<KeyedIndex>* items) {
  // Nothing to order; an empty vector's data() may be null, and no pointer
  // arithmetic may start from it.
  if (items->size() < 2) return;
  std::vector<KeyedIndex> scratch(items->size());
  std::vector<Range> pending = {{0, items->size(), 0}};
  std::array<size_t, 257> count;
  while (!pending.empty()) {
    const Range range = pending.back();
    pending.pop_back();
    KeyedIndex* const first = items->data() + range.begin;
    const size_t n = range.end - range.begin;
    if (n < kInsertionBelow) {
      InsertionSort(first, first + n, range.depth);
      continue;
    }
    count.fill(0);
    for (size_t i = 0; i < n; ++i) ++count[BucketOf(first[i].key, range.depth)];
    // Keys that ended are equal and already first: only longer ones go on.
    std::array<size_t, 257> start;
    size_t at = 0;
    for (size_t b = 0; b < count.size(); ++b) {
      start[b] = at;
      at += count[b];
    }
    if (count[BucketOf(first[0].key, range.depth)] == n) {
      // One bucket holds them all: read the next byte, no move needed.
      if (count[0] != n) pending.push_back({range.begin, range.end, range.depth + 1});
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      scratch[start[BucketOf(first[i].key, range.depth)]++] = first[i];
    }
    std::copy(scratch.begin(), scratch.begin() + n, first);
    size_t bucket_begin = count[0];
    for (size_t b = 1; b < count.size(); ++b) {
      if (count[b] > 1) {
        pending.push_back({range.begin + bucket_begin,
                           range.begin + bucket_begin + count[b],
                           range.depth + 1});
      }
      bucket_begin += count[b];
    }
  }
}

}  // namespace flyteoverride::resolver
