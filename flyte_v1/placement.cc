#include "flyte_v1/placement.h"

#include <cstdint>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "resolver/leaf_set.h"
#include "resolver/merge.h"
#include "resolver/render.h"
#include "flyte_v1/fields.h"

namespace flyteoverride::flyte_v1 {

using resolver::ApplyCompiledNode;
using resolver::ApplyOverrides;
using resolver::ApplyTaskTemplate;
using resolver::Field;
using resolver::LeafPath;
using resolver::LeafSet;
using resolver::RenderEffective;

namespace {

using flyteidl::core::K8sPod;
using flyteidl::core::KeyValuePair;
using flyteidl::core::Node;
using flyteidl::core::NodeMetadata;
using flyteidl::core::Resources;
using flyteidl::core::TaskNodeOverrides;
using flyteidl::core::TaskTemplate;
using google::protobuf::util::MessageDifferencer;
using Entries = google::protobuf::RepeatedPtrField<Resources::ResourceEntry>;

std::map<int, std::string> ByName(const Entries& entries) {
  std::map<int, std::string> values;  // a later entry wins, as in merging
  for (const auto& entry : entries) values[entry.name()] = entry.value();
  return values;
}

bool SameEntries(const Entries& a, const Entries& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (a[i].name() != b[i].name() || a[i].value() != b[i].value())
      return false;
  }
  return true;
}

class Placer {
 public:
  Placer(const Node& node, const TaskTemplate& task,
         bool workflow_interruptible, const TaskNodeOverrides& runtime)
      : node_(node),
        task_(task),
        own_(node.task_node().overrides()),
        workflow_interruptible_(workflow_interruptible),
        metadata_(node.metadata()),
        overrides_(own_) {
    touched_.Add(runtime, /*v1_fields=*/true);
    touched_.Add(own_, /*v1_fields=*/false);
    stripped_ = StripExtensions(&overrides_);
    if (touched_.none()) return;  // nothing to place
    LeafSet leaves(/*keep_history=*/false);
    ApplyTaskTemplate(task, {v1::TASK, {}, {}}, &leaves);
    ApplyCompiledNode(node, workflow_interruptible, {v1::COMPILED, {}, {}},
                      &leaves);
    ApplyOverrides(runtime, {v1::EXECUTION, {}, {}}, &leaves);
    RenderEffective(leaves, &want_);  // read by value, so left unsorted
  }

  Placement Run() && {
    if (touched_.Has(Field::kRequest)) {
      PlaceResources(/*limits=*/false);
      PlaceResources(/*limits=*/true);
    }
    if (touched_.Has(Field::kExtendedResources)) PlaceExtendedResources();
    if (touched_.Has(Field::kContainerImage)) PlaceImage();
    if (touched_.Has(Field::kPodTemplate)) PlacePodTemplate();
    if (touched_.Has(Field::kCache)) {
      PlaceFlag(want_.has_cache() && want_.cache(),
                metadata_.has_cacheable() ? metadata_.cacheable()
                                          : task_.metadata().discoverable(),
                &NodeMetadata::set_cacheable);
    }
    if (touched_.Has(Field::kCacheSerializable)) {
      PlaceFlag(want_.has_cache_serializable() && want_.cache_serializable(),
                metadata_.has_cache_serializable()
                    ? metadata_.cache_serializable()
                    : task_.metadata().cache_serializable(),
                &NodeMetadata::set_cache_serializable);
    }
    if (touched_.Has(Field::kCacheVersion)) PlaceCacheVersion();
    if (touched_.Has(Field::kRetries)) PlaceRetries();
    if (touched_.Has(Field::kInterruptible)) PlaceInterruptible();
    if (touched_.Has(Field::kEnvironment)) PlaceEnvironment();
    if (touched_.Has(Field::kTaskConfig)) PlaceTaskConfig();

    if (metadata_changed_) placement_.metadata = std::move(metadata_);
    const auto& task_node = node_.task_node();
    // A draft hook name alone is no change: the editor drops every hook.
    if (overrides_changed_ || stripped_) {
      flyteidl::core::TaskNode& placed =
          placement_.task_node.emplace(task_node);
      placed.clear_runtime_override_name();
      if (task_node.has_overrides() || overrides_.ByteSizeLong() > 0) {
        *placed.mutable_overrides() = std::move(overrides_);
      }
    }
    return std::move(placement_);
  }

 private:
  // The task changes' values, with `part` marked changed.
  TaskTemplate& Change(TaskChanges::Part part) {
    if (!placement_.task_changes) placement_.task_changes.emplace();
    placement_.task_changes->parts |= part;
    return placement_.task_changes->values;
  }
  void Reason(std::string field, std::string why) {
    placement_.reasons.push_back({std::move(field), std::move(why)});
  }

  // Node overrides merge into the task's resources by name and never remove
  // one: a value the task sets and the instance lacks needs a task copy.
  void PlaceResources(bool limits) {
    const auto list = [limits](const Resources& r) -> const Entries& {
      return limits ? r.limits() : r.requests();
    };
    const Entries& own = list(own_.resources());
    const std::map<int, std::string> want = ByName(list(want_.resources()));
    const std::map<int, std::string> task =
        ByName(list(task_.container().resources()));
    Entries placed;
    std::set<int> seen;
    const auto add = [&placed](int name, const std::string& value) {
      auto* entry = placed.Add();
      entry->set_name(static_cast<Resources::ResourceName>(name));
      entry->set_value(value);
    };
    for (const auto& entry : own) {
      if (!seen.insert(entry.name()).second) continue;
      if (auto it = want.find(entry.name()); it != want.end())
        add(it->first, it->second);
    }
    for (const auto& [name, value] : want) {
      auto it = task.find(name);
      if (!seen.count(name) && (it == task.end() || it->second != value))
        add(name, value);
    }
    if (!SameEntries(placed, own)) {
      Resources* resources = overrides_.mutable_resources();
      (limits ? resources->mutable_limits() : resources->mutable_requests())
          ->Swap(&placed);
      overrides_changed_ = true;
    }
    for (const auto& [name, value] : task) {
      if (want.count(name)) continue;
      const bool first =
          !placement_.task_changes ||
          !(placement_.task_changes->parts & TaskChanges::kResources);
      Resources* resources = Change(TaskChanges::kResources)
                                 .mutable_container()
                                 ->mutable_resources();
      if (first) *resources = task_.container().resources();
      Entries* entries =
          limits ? resources->mutable_limits() : resources->mutable_requests();
      for (int i = entries->size() - 1; i >= 0; --i) {
        if ((*entries)[i].name() == name) entries->DeleteSubrange(i, 1);
      }
      Reason(LeafPath({limits ? Field::kLimit : Field::kRequest, name}),
             "removed; per-node resources merge by name and never remove a "
             "value the task template sets");
    }
  }

  // v1 merges extended resources part by part (gpu_accelerator,
  // shared_memory): a part the task sets cannot be dropped per node.
  void PlaceExtendedResources() {
    const auto& task = task_.extended_resources();
    if (!want_.has_extended_resources()) {
      if (overrides_.has_extended_resources()) {
        overrides_.clear_extended_resources();
        overrides_changed_ = true;
      }
      if (task_.has_extended_resources()) {
        Change(TaskChanges::kExtendedResources).clear_extended_resources();
        Reason("extended_resources",
               "removed; per-node overrides cannot remove what the task "
               "template sets");
      }
      return;
    }
    const auto& want = want_.extended_resources();
    flyteidl::core::ExtendedResources current = task;
    const auto& own = own_.extended_resources();
    if (own.has_gpu_accelerator())
      *current.mutable_gpu_accelerator() = own.gpu_accelerator();
    if (own.has_shared_memory())
      *current.mutable_shared_memory() = own.shared_memory();
    if (!MessageDifferencer::Equals(current, want)) {
      *overrides_.mutable_extended_resources() = want;
      overrides_changed_ = true;
    }
    if ((task.has_gpu_accelerator() && !want.has_gpu_accelerator()) ||
        (task.has_shared_memory() && !want.has_shared_memory())) {
      *Change(TaskChanges::kExtendedResources).mutable_extended_resources() =
          want;
      Reason("extended_resources",
             "a part the task template sets is dropped; flyteidl v1 merges "
             "extended resources part by part");
    }
  }

  void PlaceImage() {
    const std::string& task = task_.container().image();
    const std::string& current =
        own_.container_image().empty() ? task : own_.container_image();
    if (!want_.container_image().empty()) {
      if (current != want_.container_image()) {
        overrides_.set_container_image(want_.container_image());
        overrides_changed_ = true;
      }
      return;
    }
    if (!overrides_.container_image().empty()) {
      overrides_.clear_container_image();
      overrides_changed_ = true;
    }
    if (!task.empty()) {
      Change(TaskChanges::kImage).mutable_container()->clear_image();
      Reason("container_image",
             "removed; per-node overrides cannot remove the task's image");
    }
  }

  void PlacePodTemplate() {
    if (want_.has_pod_template()) {
      const K8sPod* current = own_.has_pod_template() ? &own_.pod_template()
                              : task_.has_k8s_pod()   ? &task_.k8s_pod()
                                                      : nullptr;
      if (current == nullptr ||
          !MessageDifferencer::Equals(*current, want_.pod_template())) {
        *overrides_.mutable_pod_template() = want_.pod_template();
        overrides_changed_ = true;
      }
      return;
    }
    if (overrides_.has_pod_template()) {
      overrides_.clear_pod_template();
      overrides_changed_ = true;
    }
    if (task_.has_k8s_pod()) {
      placement_.inexpressible.push_back(
          {"pod_template",
           "removed, but the task's own pod (k8s_pod) is what it runs; "
           "flyteidl v1 cannot run the task without it"});
    }
  }

  // NodeMetadata's cacheable and cache_serializable have presence: a value,
  // false included, wins over the task's.
  void PlaceFlag(bool want, bool current,
                 void (NodeMetadata::*set)(bool value)) {
    if (want == current) return;
    (metadata_.*set)(want);
    metadata_changed_ = true;
  }

  void PlaceCacheVersion() {
    const std::string want =
        want_.has_cache_version() ? want_.cache_version() : "";
    const std::string& current = metadata_.has_cache_version()
                                     ? metadata_.cache_version()
                                     : task_.metadata().discovery_version();
    if (want == current) return;
    metadata_.set_cache_version(want);
    metadata_changed_ = true;
  }

  // Propeller lets NodeMetadata.retries win only when non-zero.
  void PlaceRetries() {
    const uint32_t want = want_.has_retries() && want_.retries() > 0
                              ? static_cast<uint32_t>(want_.retries())
                              : 0;
    const uint32_t own = metadata_.retries().retries();
    const uint32_t task = task_.metadata().retries().retries();
    if (want == (own != 0 ? own : task)) return;
    if (want != 0 || own != 0) {
      metadata_.mutable_retries()->set_retries(want);
      metadata_changed_ = true;
    }
    if (want == 0 && task != 0) {
      Change(TaskChanges::kRetries)
          .mutable_metadata()
          ->mutable_retries()
          ->set_retries(0);
      Reason("retries",
             absl::StrCat("0 where the task template says ", task,
                          "; NodeMetadata.retries counts only when non-zero"));
    }
  }

  // Lowest first: the task, the primary's metadata_defaults (when true), the
  // node. A node can set a value, never remove one.
  void PlaceInterruptible() {
    std::optional<bool> want;
    if (want_.has_interruptible()) want = want_.interruptible();
    std::optional<bool> current;
    if (metadata_.has_interruptible()) {
      current = metadata_.interruptible();
    } else if (workflow_interruptible_) {
      current = true;
    } else if (task_.metadata().has_interruptible()) {
      current = task_.metadata().interruptible();
    }
    if (want == current) return;
    if (want) {
      metadata_.set_interruptible(*want);
      metadata_changed_ = true;
      return;
    }
    if (metadata_.has_interruptible()) {
      metadata_.clear_interruptible_value();
      metadata_changed_ = true;
    }
    if (workflow_interruptible_) {
      placement_.inexpressible.push_back(
          {"interruptible",
           "removed, but the primary workflow's "
           "metadataDefaults.interruptible applies to every node and "
           "flyteidl v1 cannot remove it for one; set interruptible: false"});
    } else if (task_.metadata().has_interruptible()) {
      Change(TaskChanges::kInterruptible)
          .mutable_metadata()
          ->clear_interruptible_value();
      Reason("interruptible",
             "removed; per-node metadata cannot remove the task's value");
    }
  }

  void PlaceEnvironment() {
    std::map<std::string, std::string> task;
    for (const KeyValuePair& pair : task_.container().env())
      task[pair.key()] = pair.value();
    const std::map<std::string, std::string> want(want_.environment().begin(),
                                                  want_.environment().end());
    if (task == want) return;
    if (!task_.has_container()) {
      placement_.inexpressible.push_back(
          {"environment",
           "flyteidl v1 has no per-node environment, and the task has no "
           "container whose environment a copy could carry"});
      return;
    }
    // The task's order for the keys it keeps, new keys after, sorted.
    google::protobuf::RepeatedPtrField<KeyValuePair> placed;
    std::set<std::string> seen;
    const auto add = [&placed](const std::string& key,
                               const std::string& value) {
      KeyValuePair* pair = placed.Add();
      pair->set_key(key);
      pair->set_value(value);
    };
    for (const KeyValuePair& pair : task_.container().env()) {
      if (!seen.insert(pair.key()).second) continue;
      if (auto it = want.find(pair.key()); it != want.end())
        add(it->first, it->second);
    }
    for (const auto& [key, value] : want) {
      if (!seen.count(key)) add(key, value);
    }
    Change(TaskChanges::kEnvironment)
        .mutable_container()
        ->mutable_env()
        ->Swap(&placed);
    Reason("environment", "flyteidl v1 has no per-node environment");
  }

  void PlaceTaskConfig() {
    if (MessageDifferencer::Equals(task_.custom(), want_.task_config())) return;
    *Change(TaskChanges::kCustom).mutable_custom() = want_.task_config();
    Reason("task_config", "flyteidl v1 has no per-node task config");
  }

  const Node& node_;
  const TaskTemplate& task_;
  const TaskNodeOverrides& own_;  // the node's overrides as compiled
  const bool workflow_interruptible_;
  TaskNodeOverrides want_;  // the instance's effective configuration
  TouchedFields touched_;
  NodeMetadata metadata_;
  TaskNodeOverrides overrides_;  // v1 fields only
  bool stripped_ = false;
  bool metadata_changed_ = false;
  bool overrides_changed_ = false;
  Placement placement_;
};

}  // namespace

Placement PlaceInstance(const Node& node, const TaskTemplate& task,
                        bool workflow_interruptible,
                        const TaskNodeOverrides& runtime) {
  return Placer(node, task, workflow_interruptible, runtime).Run();
}

}  // namespace flyteoverride::flyte_v1
