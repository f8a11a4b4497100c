// Byte-order sorting of string keys without comparing whole keys, for the
// orders that make answers deterministic (node paths, map keys, leaves).
// A comparison sort costs n log n comparisons, each walking the keys'
// shared prefix: ten times the keys cost about 13 times the time. This one
// costs time linear in the bytes that tell the keys apart, so sorting stays
// in step with the rest of a resolve (docs/performance.md).
#ifndef FLYTEOVERRIDE_RESOLVER_KEY_SORT_H_
#define FLYTEOVERRIDE_RESOLVER_KEY_SORT_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace flyteoverride::resolver {

struct KeyedIndex {
  absl::string_view key;
  uint32_t index;  // where the keyed item is, for the caller
};

// Sorts `items` by key in byte order (as std::string's operator<), stably:
// items of equal keys keep their order. Iterative, so a long shared prefix
// costs time, never stack.
void SortByKey(std::vector<KeyedIndex>* items);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_KEY_SORT_H_
