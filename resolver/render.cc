#include "resolver/render.h"

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"

namespace flyteoverride::resolver {
namespace {

using flyteidl::core::Resources;
using flyteidl::core::TaskNodeOverrides;
using google::protobuf::Struct;
using google::protobuf::Value;

bool IsRuntime(const Origin& origin) { return origin.layer >= v1::DECORATOR; }

std::string Unescape(absl::string_view token) {
  return absl::StrReplaceAll(token, {{"~1", "/"}, {"~0", "~"}});
}

// Sets the member `pointer` ("/a/b") of `root`, creating objects on the way.
void SetAtPointer(Struct* root, absl::string_view pointer, const Value& value) {
  std::vector<absl::string_view> tokens =
      absl::StrSplit(pointer.substr(1), '/');
  Struct* object = root;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    object =
        (*object->mutable_fields())[Unescape(tokens[i])].mutable_struct_value();
  }
  (*object->mutable_fields())[Unescape(tokens.back())] = value;
}

bool AtOrUnder(absl::string_view x, absl::string_view y) {
  return x.size() >= y.size() && x.substr(0, y.size()) == y &&
         (x.size() == y.size() || x[y.size()] == '/');
}

// Whether a runtime value at `set` already removes the base member at
// `removed` when the patch is applied: a scalar at or above it replaces it,
// and so does any value beneath it (the scalar became an object).
bool ReplacedBy(const Leaf& set, absl::string_view removed) {
  const bool is_object = set.current.value.json->has_struct_value();
  return (!is_object && AtOrUnder(removed, set.key.key)) ||
         (set.key.key != removed && AtOrUnder(set.key.key, removed));
}

void SetLeaf(const Leaf& leaf, TaskNodeOverrides* out) {
  const LeafValue& v = leaf.current.value;
  switch (leaf.key.field) {
    case Field::kRequest:
    case Field::kLimit: {
      Resources::ResourceEntry* entry =
          leaf.key.field == Field::kRequest
              ? out->mutable_resources()->add_requests()
              : out->mutable_resources()->add_limits();
      entry->set_name(static_cast<Resources::ResourceName>(leaf.key.resource));
      entry->set_value(std::string(v.text));
      break;
    }
    case Field::kExtendedResources:
      out->mutable_extended_resources()->CopyFrom(*v.message);
      break;
    case Field::kPodTemplate:
      out->mutable_pod_template()->CopyFrom(*v.message);
      break;
    case Field::kContainerImage:
      out->set_container_image(std::string(v.text));
      break;
    case Field::kCache:
      out->set_cache(v.flag);
      break;
    case Field::kCacheSerializable:
      out->set_cache_serializable(v.flag);
      break;
    case Field::kCacheVersion:
      out->set_cache_version(std::string(v.text));
      break;
    case Field::kRetries:
      out->set_retries(static_cast<int32_t>(v.number));
      break;
    case Field::kInterruptible:
      out->set_interruptible(v.flag);
      break;
    case Field::kEnvironment:
      (*out->mutable_environment())[leaf.key.key] = std::string(v.text);
      break;
    case Field::kTaskConfig:
      SetAtPointer(out->mutable_task_config(), leaf.key.key, *v.json);
      break;
  }
}

void FillAssignment(const Assignment& assignment, v1::Assignment* out) {
  out->set_layer(assignment.origin.layer);
  out->set_hook(std::string(assignment.origin.hook));
  out->set_declared_at(std::string(assignment.origin.declared_at));
  out->set_implicit_hook(assignment.origin.implicit);
  if (assignment.removed) {
    out->set_removed(true);
  } else {
    ValueToJson(assignment.value, out->mutable_value());
  }
}

}  // namespace

void ValueToJson(const LeafValue& value, Value* out) {
  switch (value.kind) {
    case LeafValue::Kind::kString:
      out->set_string_value(std::string(value.text));
      break;
    case LeafValue::Kind::kBool:
      out->set_bool_value(value.flag);
      break;
    case LeafValue::Kind::kInt:
      out->set_number_value(static_cast<double>(value.number));
      break;
    case LeafValue::Kind::kJson:
      *out = *value.json;
      break;
    case LeafValue::Kind::kMessage: {
      std::string json;
      // Both conversions act on in-memory messages of known types; they can
      // only fail on a bug, which leaves the value empty rather than wrong.
      if (google::protobuf::util::MessageToJsonString(*value.message, &json)
              .ok()) {
        (void)google::protobuf::util::JsonStringToMessage(json, out);
      }
      break;
    }
  }
}

void RenderEffective(const LeafSet& leaves, TaskNodeOverrides* out) {
  for (const Leaf& leaf : leaves.leaves()) {
    if (!leaf.current.removed) SetLeaf(leaf, out);
  }
}

void RenderRuntimeOverrides(const LeafSet& leaves, TaskNodeOverrides* out) {
  std::vector<const Leaf*> runtime_config;  // live runtime task_config leaves
  for (const Leaf& leaf : leaves.leaves()) {
    if (leaf.current.removed || !IsRuntime(leaf.current.origin)) continue;
    SetLeaf(leaf, out);
    if (leaf.key.field == Field::kTaskConfig) runtime_config.push_back(&leaf);
  }
  for (const Leaf& leaf : leaves.leaves()) {
    if (!leaf.current.removed || !leaf.base_present ||
        !IsRuntime(leaf.current.origin))
      continue;
    if (leaf.key.field != Field::kTaskConfig) {
      out->add_unset(LeafPath(leaf.key));
      continue;
    }
    // In a merge patch, removal is a null, unless a runtime value already
    // replaces this member.
    bool replaced = false;
    for (const Leaf* set : runtime_config)
      replaced |= ReplacedBy(*set, leaf.key.key);
    if (replaced) continue;
    // Null the outermost member with nothing left beneath it, so the patch
    // leaves no empty objects the effective configuration does not have.
    absl::string_view pointer = leaf.key.key;
    for (size_t slash = pointer.find('/', 1); slash != absl::string_view::npos;
         slash = pointer.find('/', slash + 1)) {
      if (!leaves.HasLiveUnder(pointer.substr(0, slash))) {
        pointer = pointer.substr(0, slash);
        break;
      }
    }
    Value null_value;
    null_value.set_null_value(google::protobuf::NULL_VALUE);
    SetAtPointer(out->mutable_task_config(), pointer, null_value);
  }
}

void RenderProvenance(
    const LeafSet& leaves,
    google::protobuf::RepeatedPtrField<v1::ProvenanceEntry>* out) {
  for (const Leaf& leaf : leaves.leaves()) {
    v1::ProvenanceEntry* entry = out->Add();
    entry->set_field(LeafPath(leaf.key));
    FillAssignment(leaf.current, entry->mutable_assignment());
    for (const Assignment& shadowed : leaf.shadowed) {
      FillAssignment(shadowed, entry->add_shadowed());
    }
  }
}

}  // namespace flyteoverride::resolver
