// The merge model: an instance's configuration as a set of leaf values, each
// remembering which layer set it and, when explaining, what it shadowed.
// Every field merges the same way here, so "not set", "set" and "removed"
// mean the same for every knob (docs/design.md section 4).
#ifndef FLYTEOVERRIDE_RESOLVER_LEAF_SET_H_
#define FLYTEOVERRIDE_RESOLVER_LEAF_SET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::resolver {

enum class Field : uint8_t {
  kRequest,  // per resource name
  kLimit,    // per resource name
  kExtendedResources,
  kPodTemplate,
  kContainerImage,
  kCache,
  kCacheSerializable,
  kCacheVersion,
  kRetries,
  kInterruptible,
  kEnvironment,  // per key
  kTaskConfig,   // per JSON Pointer below task_config
};

struct LeafKey {
  Field field;
  int resource = 0;  // a Resources::ResourceName, for kRequest and kLimit
  std::string key;   // environment key, or JSON Pointer ("/a/b") in task_config

  bool operator==(const LeafKey& o) const {
    return field == o.field && resource == o.resource && key == o.key;
  }
  bool operator<(const LeafKey& o) const;
  template <typename H>
  friend H AbslHashValue(H h, const LeafKey& k) {
    return H::combine(std::move(h), k.field, k.resource, k.key);
  }
};

// A resource name as paths write it: "cpu", "ephemeral_storage".
std::string ResourcePathName(int resource);

// "resources.requests.cpu", "environment.DEBUG", "task_config/spark/conf".
std::string LeafPath(const LeafKey& key);

// A value borrowed from the inputs, which outlive the LeafSet.
struct LeafValue {
  enum class Kind : uint8_t { kString, kBool, kInt, kMessage, kJson };
  Kind kind = Kind::kString;
  absl::string_view text;
  bool flag = false;
  int64_t number = 0;
  const google::protobuf::Message* message = nullptr;
  const google::protobuf::Value* json = nullptr;

  static LeafValue String(absl::string_view s) { return {Kind::kString, s}; }
  static LeafValue Bool(bool b) { return {Kind::kBool, {}, b}; }
  static LeafValue Int(int64_t n) { return {Kind::kInt, {}, false, n}; }
  static LeafValue Message(const google::protobuf::Message& m) {
    return {Kind::kMessage, {}, false, 0, &m};
  }
  static LeafValue Json(const google::protobuf::Value& v) {
    return {Kind::kJson, {}, false, 0, nullptr, &v};
  }
};

// Who set a value. Views point into the walk and the inputs.
struct Origin {
  v1::Layer layer;
  absl::string_view hook;  // empty for TASK and COMPILED
  absl::string_view
      declared_at;  // the hook's declaration, or the node for COMPILED
  bool implicit = false;  // the hook is named after the node's name
};

struct Assignment {
  LeafValue value;
  Origin origin;
  bool removed;
};

struct Leaf {
  LeafKey key;
  Assignment current;
  // Whether a value was present once TASK and COMPILED were applied: what
  // propeller already has, so a runtime removal must be spelled out.
  bool base_present = false;
  std::vector<Assignment> shadowed;  // only when keeping history
};

// Which leaves an unset path, a null or a replacing scalar removes.
struct LeafSelector {
  // kSubtree: the task_config pointer key.key and all beneath it;
  // kBeneath: only what lies beneath it.
  enum class Scope : uint8_t { kExact, kField, kResources, kSubtree, kBeneath };
  Scope scope;
  LeafKey
      key;  // kField: key.field; kResources: key.field kRequest/kLimit or both
  bool both_resource_lists = false;

  bool Matches(const LeafKey& key) const;
};

// Parses a leaf path as written in `unset`; nullopt when it names no field.
// Accepts prefixes ("resources.limits", "environment", "task_config").
std::optional<LeafSelector> ParseUnsetPath(absl::string_view path);

// Not thread-safe; one per instance being resolved. Look-ups are by hash, so
// merging n leaves costs O(n), however many keys a document sets.
class LeafSet {
 public:
  explicit LeafSet(bool keep_history) : keep_history_(keep_history) {}

  void Set(LeafKey key, LeafValue value, const Origin& origin);
  // Removes every live leaf the selector matches; a no-op for leaves absent.
  void Remove(const LeafSelector& selector, const Origin& origin);
  // True when a live leaf lies at or beneath the task_config pointer.
  bool HasLiveUnder(absl::string_view pointer) const;
  // Room for `more` leaves, so that a document of many keys grows the set
  // once.
  void Reserve(size_t more) { leaves_.reserve(leaves_.size() + more); }
  // Records what is present now as the base (call after COMPILED).
  void MarkBase();
  // Orders leaves by key, for deterministic output.
  void Sort();

  const Leaf* Find(const LeafKey& key) const;
  const std::vector<Leaf>& leaves() const { return leaves_; }

 private:
  Leaf* FindMutable(const LeafKey& key);
  void Shadow(Leaf& leaf);
  // Sort for many leaves: compact keys sorted, each leaf moved once.
  void SortLarge();

  // Up to this many leaves a scan beats hashing (a task's few dozen
  // leaves); past it look-ups go through index_.
  static constexpr size_t kScanned = 32;

  bool keep_history_;
  std::vector<Leaf> leaves_;
  absl::flat_hash_map<LeafKey, size_t> index_;  // into leaves_, once used
  bool sorted_ = false;  // leaves_ in key order: found by binary search
};

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_LEAF_SET_H_
