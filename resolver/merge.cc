#include "resolver/merge.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace flyteoverride::resolver {
namespace {

using flyteidl::core::Resources;
using flyteidl::core::TaskNodeOverrides;
using google::protobuf::Struct;
using google::protobuf::Value;

void ApplyResources(const Resources& resources, const Origin& origin,
                    LeafSet* leaves) {
  for (const auto& entry : resources.requests()) {
    leaves->Set({Field::kRequest, entry.name()},
                LeafValue::String(entry.value()), origin);
  }
  for (const auto& entry : resources.limits()) {
    leaves->Set({Field::kLimit, entry.name()}, LeafValue::String(entry.value()),
                origin);
  }
}

const Value& EmptyObject() {
  static const auto* const kEmpty = [] {
    auto* value = new Value();
    value->mutable_struct_value();
    return value;
  }();
  return *kEmpty;
}

std::string ChildPointer(absl::string_view pointer, absl::string_view key) {
  // Nearly every key needs no escaping: then no string is built for it.
  if (key.find_first_of("~/") == absl::string_view::npos)
    return absl::StrCat(pointer, "/", key);
  return absl::StrCat(pointer, "/",
                      absl::StrReplaceAll(key, {{"~", "~0"}, {"/", "~1"}}));
}

absl::string_view ParentPointer(absl::string_view pointer) {
  return pointer.substr(0, pointer.rfind('/'));
}

LeafSelector Subtree(const std::string& pointer) {
  return {LeafSelector::Scope::kSubtree, {Field::kTaskConfig, 0, pointer}};
}

LeafSelector Beneath(const std::string& pointer) {
  return {LeafSelector::Scope::kBeneath, {Field::kTaskConfig, 0, pointer}};
}

void PatchObject(const Struct& patch, const std::string& pointer,
                 const Origin& origin, LeafSet* leaves);

// RFC 7396 at one member. Objects live as their leaves; an empty object is a
// leaf of its own so that it survives, as the RFC requires.
void PatchValue(const Value& patch, std::string pointer, const Origin& origin,
                LeafSet* leaves) {
  switch (patch.kind_case()) {
    case Value::kNullValue: {
      if (!leaves->HasLiveUnder(pointer)) return;
      leaves->Remove(Subtree(pointer), origin);
      const absl::string_view parent = ParentPointer(pointer);
      if (!parent.empty() && !leaves->HasLiveUnder(parent)) {
        leaves->Set({Field::kTaskConfig, 0, std::string(parent)},
                    LeafValue::Json(EmptyObject()), origin);
      }
      return;
    }
    case Value::kStructValue:
      // A scalar or empty object here becomes an object: drop it, keep
      // children.
      leaves->Remove(
          {LeafSelector::Scope::kExact, {Field::kTaskConfig, 0, pointer}},
          origin);
      if (patch.struct_value().fields().empty()) {
        if (!leaves->HasLiveUnder(pointer)) {
          leaves->Set({Field::kTaskConfig, 0, pointer}, LeafValue::Json(patch),
                      origin);
        }
        return;
      }
      PatchObject(patch.struct_value(), pointer, origin, leaves);
      return;
    default:
      // A member seen for the first time has nothing beneath it to remove.
      if (leaves->HasLiveUnder(pointer))
        leaves->Remove(Beneath(pointer), origin);
      leaves->Set({Field::kTaskConfig, 0, std::move(pointer)},
                  LeafValue::Json(patch), origin);
      return;
  }
}

void PatchObject(const Struct& patch, const std::string& pointer,
                 const Origin& origin, LeafSet* leaves) {
  for (const auto& [key, value] : patch.fields()) {
    PatchValue(value, ChildPointer(pointer, key), origin, leaves);
  }
}

}  // namespace

void ApplyTaskTemplate(const flyteidl::core::TaskTemplate& task,
                       const Origin& origin, LeafSet* leaves) {
  if (task.has_container()) {
    const auto& container = task.container();
    ApplyResources(container.resources(), origin, leaves);
    if (!container.image().empty()) {
      leaves->Set({Field::kContainerImage},
                  LeafValue::String(container.image()), origin);
    }
    for (const auto& env : container.env()) {
      leaves->Set({Field::kEnvironment, 0, env.key()},
                  LeafValue::String(env.value()), origin);
    }
  }
  if (task.has_k8s_pod()) {
    leaves->Set({Field::kPodTemplate}, LeafValue::Message(task.k8s_pod()),
                origin);
  }
  if (task.has_extended_resources()) {
    leaves->Set({Field::kExtendedResources},
                LeafValue::Message(task.extended_resources()), origin);
  }
  const auto& metadata = task.metadata();
  // proto3 scalars without presence: the template's value is the baseline.
  leaves->Set({Field::kCache}, LeafValue::Bool(metadata.discoverable()),
              origin);
  leaves->Set({Field::kCacheSerializable},
              LeafValue::Bool(metadata.cache_serializable()), origin);
  if (!metadata.discovery_version().empty()) {
    leaves->Set({Field::kCacheVersion},
                LeafValue::String(metadata.discovery_version()), origin);
  }
  leaves->Set({Field::kRetries}, LeafValue::Int(metadata.retries().retries()),
              origin);
  if (metadata.has_interruptible()) {
    leaves->Set({Field::kInterruptible},
                LeafValue::Bool(metadata.interruptible()), origin);
  }
  if (task.has_custom()) PatchObject(task.custom(), "", origin, leaves);
}

void ApplyCompiledNode(const flyteidl::core::Node& node,
                       bool workflow_interruptible, const Origin& origin,
                       LeafSet* leaves) {
  if (workflow_interruptible) {
    leaves->Set({Field::kInterruptible}, LeafValue::Bool(true), origin);
  }
  const auto& metadata = node.metadata();
  // Propeller lets a node's retries win only when non-zero.
  if (metadata.retries().retries() != 0) {
    leaves->Set({Field::kRetries}, LeafValue::Int(metadata.retries().retries()),
                origin);
  }
  if (metadata.has_interruptible()) {
    leaves->Set({Field::kInterruptible},
                LeafValue::Bool(metadata.interruptible()), origin);
  }
  if (metadata.has_cacheable()) {
    leaves->Set({Field::kCache}, LeafValue::Bool(metadata.cacheable()), origin);
  }
  if (metadata.has_cache_version()) {
    leaves->Set({Field::kCacheVersion},
                LeafValue::String(metadata.cache_version()), origin);
  }
  if (metadata.has_cache_serializable()) {
    leaves->Set({Field::kCacheSerializable},
                LeafValue::Bool(metadata.cache_serializable()), origin);
  }
  if (node.task_node().has_overrides()) {
    ApplyOverrides(node.task_node().overrides(), origin, leaves);
  }
}

void ApplyOverrides(const TaskNodeOverrides& overrides, const Origin& origin,
                    LeafSet* leaves) {
  leaves->Reserve(static_cast<size_t>(overrides.environment_size()));
  for (const std::string& path : overrides.unset()) {
    // Bad paths are reported by validation; here they remove nothing.
    if (auto selector = ParseUnsetPath(path)) leaves->Remove(*selector, origin);
  }
  ApplyResources(overrides.resources(), origin, leaves);
  if (overrides.has_extended_resources()) {
    leaves->Set({Field::kExtendedResources},
                LeafValue::Message(overrides.extended_resources()), origin);
  }
  if (!overrides.container_image().empty()) {
    leaves->Set({Field::kContainerImage},
                LeafValue::String(overrides.container_image()), origin);
  }
  if (overrides.has_pod_template()) {
    leaves->Set({Field::kPodTemplate},
                LeafValue::Message(overrides.pod_template()), origin);
  }
  if (overrides.has_cache()) {
    leaves->Set({Field::kCache}, LeafValue::Bool(overrides.cache()), origin);
  }
  if (overrides.has_cache_serializable()) {
    leaves->Set({Field::kCacheSerializable},
                LeafValue::Bool(overrides.cache_serializable()), origin);
  }
  if (overrides.has_cache_version()) {
    leaves->Set({Field::kCacheVersion},
                LeafValue::String(overrides.cache_version()), origin);
  }
  if (overrides.has_retries()) {
    leaves->Set({Field::kRetries}, LeafValue::Int(overrides.retries()), origin);
  }
  if (overrides.has_interruptible()) {
    leaves->Set({Field::kInterruptible},
                LeafValue::Bool(overrides.interruptible()), origin);
  }
  for (const auto& [key, value] : overrides.environment()) {
    leaves->Set({Field::kEnvironment, 0, key}, LeafValue::String(value),
                origin);
  }
  if (overrides.has_task_config())
    PatchObject(overrides.task_config(), "", origin, leaves);
}

}  // namespace flyteoverride::resolver
