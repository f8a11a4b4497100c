#include "resolver/leaf_set.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "flyteidl/core/tasks.pb.h"
#include "resolver/key_sort.h"

namespace flyteoverride::resolver {
namespace {

using flyteidl::core::Resources;

struct ScalarField {
  absl::string_view path;
  Field field;
};

constexpr ScalarField kScalarFields[] = {
    {"extended_resources", Field::kExtendedResources},
    {"pod_template", Field::kPodTemplate},
    {"container_image", Field::kContainerImage},
    {"cache", Field::kCache},
    {"cache_serializable", Field::kCacheSerializable},
    {"cache_version", Field::kCacheVersion},
    {"retries", Field::kRetries},
    {"interruptible", Field::kInterruptible},
};

std::optional<int> ParseResourcePathName(absl::string_view name) {
  for (int r = Resources::CPU; r <= Resources::EPHEMERAL_STORAGE; ++r) {
    if (ResourcePathName(r) == name) return r;
  }
  return std::nullopt;
}

bool IsAtOrUnder(absl::string_view key, absl::string_view pointer) {
  return absl::StartsWith(key, pointer) &&
         (key.size() == pointer.size() || key[pointer.size()] == '/');
}

}  // namespace

std::string ResourcePathName(int resource) {
  return absl::AsciiStrToLower(Resources::ResourceName_Name(
      static_cast<Resources::ResourceName>(resource)));
}

bool LeafKey::operator<(const LeafKey& o) const {
  return std::tie(field, resource, key) < std::tie(o.field, o.resource, o.key);
}

std::string LeafPath(const LeafKey& key) {
  switch (key.field) {
    case Field::kRequest:
      return absl::StrCat("resources.requests.",
                          ResourcePathName(key.resource));
    case Field::kLimit:
      return absl::StrCat("resources.limits.", ResourcePathName(key.resource));
    case Field::kEnvironment:
      return absl::StrCat("environment.", key.key);
    case Field::kTaskConfig:
      return absl::StrCat("task_config", key.key);
    default:
      for (const ScalarField& f : kScalarFields) {
        if (f.field == key.field) return std::string(f.path);
      }
  }
  return "";
}

bool LeafSelector::Matches(const LeafKey& k) const {
  switch (scope) {
    case Scope::kExact:
      return k == key;
    case Scope::kField:
      return k.field == key.field;
    case Scope::kResources:
      return both_resource_lists
                 ? (k.field == Field::kRequest || k.field == Field::kLimit)
                 : k.field == key.field;
    case Scope::kSubtree:
      return k.field == key.field && IsAtOrUnder(k.key, key.key);
    case Scope::kBeneath:
      return k.field == key.field && k.key.size() > key.key.size() &&
             IsAtOrUnder(k.key, key.key);
  }
  return false;
}

std::optional<LeafSelector> ParseUnsetPath(absl::string_view path) {
  using Scope = LeafSelector::Scope;
  for (const ScalarField& f : kScalarFields) {
    if (path == f.path) return LeafSelector{Scope::kExact, {f.field}};
  }
  if (path == "resources")
    return LeafSelector{Scope::kResources, {Field::kRequest}, true};
  if (path == "environment")
    return LeafSelector{Scope::kField, {Field::kEnvironment}};
  if (path == "task_config")
    return LeafSelector{Scope::kField, {Field::kTaskConfig}};
  if (absl::ConsumePrefix(&path, "environment.")) {
    if (path.empty()) return std::nullopt;
    return LeafSelector{Scope::kExact,
                        {Field::kEnvironment, 0, std::string(path)}};
  }
  if (absl::ConsumePrefix(&path, "resources.")) {
    Field list;
    if (absl::ConsumePrefix(&path, "requests")) {
      list = Field::kRequest;
    } else if (absl::ConsumePrefix(&path, "limits")) {
      list = Field::kLimit;
    } else {
      return std::nullopt;
    }
    if (path.empty()) return LeafSelector{Scope::kResources, {list}};
    if (!absl::ConsumePrefix(&path, ".")) return std::nullopt;
    std::optional<int> resource = ParseResourcePathName(path);
    if (!resource) return std::nullopt;
    return LeafSelector{Scope::kExact, {list, *resource}};
  }
  return std::nullopt;
}

Leaf* LeafSet::FindMutable(const LeafKey& key) {
  if (sorted_) {
    auto it = std::lower_bound(
        leaves_.begin(), leaves_.end(), key,
        [](const Leaf& leaf, const LeafKey& k) { return leaf.key < k; });
    return it != leaves_.end() && it->key == key ? &*it : nullptr;
  }
  if (index_.empty()) {
    for (Leaf& leaf : leaves_) {
      if (leaf.key == key) return &leaf;
    }
    return nullptr;
  }
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &leaves_[it->second];
}

const Leaf* LeafSet::Find(const LeafKey& key) const {
  return const_cast<LeafSet*>(this)->FindMutable(key);
}

void LeafSet::Shadow(Leaf& leaf) {
  if (keep_history_) leaf.shadowed.push_back(leaf.current);
}

void LeafSet::Set(LeafKey key, LeafValue value, const Origin& origin) {
  if (Leaf* leaf = FindMutable(key)) {
    Shadow(*leaf);
    leaf->current = {value, origin, false};
    return;
  }
  if (sorted_) {
    // A leaf added after Sort: back to look-ups by hash (or scan).
    sorted_ = false;
    if (leaves_.size() >= kScanned) {
      for (size_t i = 0; i < leaves_.size(); ++i) index_[leaves_[i].key] = i;
    }
  }
  if (!index_.empty()) {
    index_.emplace(key, leaves_.size());
  } else if (leaves_.size() == kScanned) {
    for (size_t i = 0; i < leaves_.size(); ++i) index_[leaves_[i].key] = i;
    index_.emplace(key, leaves_.size());
  }
  leaves_.push_back({std::move(key), {value, origin, false}});
}

void LeafSet::Remove(const LeafSelector& selector, const Origin& origin) {
  if (selector.scope == LeafSelector::Scope::kExact) {
    Leaf* leaf = FindMutable(selector.key);
    if (leaf != nullptr && !leaf->current.removed) {
      Shadow(*leaf);
      leaf->current = {LeafValue(), origin, true};
    }
    return;
  }
  for (Leaf& leaf : leaves_) {
    if (leaf.current.removed || !selector.Matches(leaf.key)) continue;
    Shadow(leaf);
    leaf.current = {LeafValue(), origin, true};
  }
}

bool LeafSet::HasLiveUnder(absl::string_view pointer) const {
  return std::any_of(leaves_.begin(), leaves_.end(), [&](const Leaf& leaf) {
    return leaf.key.field == Field::kTaskConfig && !leaf.current.removed &&
           IsAtOrUnder(leaf.key.key, pointer);
  });
}

void LeafSet::MarkBase() {
  for (Leaf& leaf : leaves_) leaf.base_present = !leaf.current.removed;
}

void LeafSet::Sort() {
  if (leaves_.size() <= kScanned) {
    std::sort(leaves_.begin(), leaves_.end(),
              [](const Leaf& a, const Leaf& b) { return a.key < b.key; });
  } else {
    SortLarge();
  }
  // Sorted leaves are found by binary search: no index to rebuild.
  index_.clear();
  sorted_ = true;
}

void LeafSet::SortLarge() {
  // Leaves are large and scattered: their keys are sorted as views, and each
  // leaf is moved once. Keys first, then a stable count by (field,
  // resource): few distinct pairs, many keys (environment, task_config).
  std::vector<KeyedIndex> by_key;
  by_key.reserve(leaves_.size());
  for (uint32_t i = 0; i < leaves_.size(); ++i)
    by_key.push_back({leaves_[i].key.key, i});
  SortByKey(&by_key);
  // Each leaf's (field, resource) group, numbered as first met: one hash
  // look-up a leaf; then the few groups are put in order.
  std::vector<std::pair<Field, int>> groups;
  absl::flat_hash_map<std::pair<Field, int>, uint32_t> first_met;
  std::vector<uint32_t> group(leaves_.size());
  for (uint32_t i = 0; i < leaves_.size(); ++i) {
    const std::pair<Field, int> key(leaves_[i].key.field, leaves_[i].key.resource);
    auto [it, added] = first_met.emplace(key, groups.size());
    if (added) groups.push_back(key);
    group[i] = it->second;
  }
  std::vector<uint32_t> by_rank(groups.size());
  for (uint32_t g = 0; g < groups.size(); ++g) by_rank[g] = g;
  std::sort(by_rank.begin(), by_rank.end(),
            [&groups](uint32_t a, uint32_t b) { return groups[a] < groups[b]; });
  std::vector<uint32_t> rank(groups.size());
  for (uint32_t r = 0; r < by_rank.size(); ++r) rank[by_rank[r]] = r;
  std::vector<uint32_t> start(groups.size() + 1, 0);
  for (uint32_t i = 0; i < leaves_.size(); ++i) ++start[rank[group[i]] + 1];
  for (size_t g = 1; g < start.size(); ++g) start[g] += start[g - 1];
  std::vector<uint32_t> order(leaves_.size());
  for (const KeyedIndex& at : by_key) order[start[rank[group[at.index]]]++] = at.index;
  std::vector<Leaf> sorted;
  sorted.reserve(leaves_.size());
  for (uint32_t i : order) sorted.push_back(std::move(leaves_[i]));
  leaves_ = std::move(sorted);
}

}  // namespace flyteoverride::resolver
