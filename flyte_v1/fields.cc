#include "flyte_v1/fields.h"

#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"

namespace flyteoverride::flyte_v1 {

using encoding::DeterministicBytes;

using resolver::Field;
using resolver::ParseUnsetPath;

using flyteidl::core::TaskNodeOverrides;
using flyteidl::core::TaskTemplate;

void TouchedFields::Add(const TaskNodeOverrides& doc, bool v1_fields) {
  if (v1_fields) {
    if (doc.has_resources()) Add(Field::kRequest);
    if (doc.has_extended_resources()) Add(Field::kExtendedResources);
    if (!doc.container_image().empty()) Add(Field::kContainerImage);
    if (doc.has_pod_template()) Add(Field::kPodTemplate);
  }
  if (doc.has_cache()) Add(Field::kCache);
  if (doc.has_cache_serializable()) Add(Field::kCacheSerializable);
  if (doc.has_cache_version()) Add(Field::kCacheVersion);
  if (doc.has_retries()) Add(Field::kRetries);
  if (doc.has_interruptible()) Add(Field::kInterruptible);
  if (!doc.environment().empty()) Add(Field::kEnvironment);
  if (doc.has_task_config()) Add(Field::kTaskConfig);
  for (const std::string& path : doc.unset()) {
    if (auto selector = ParseUnsetPath(path)) Add(selector->key.field);
  }
}

bool StripExtensions(TaskNodeOverrides* overrides) {
  const bool any =
      overrides->has_cache() || overrides->has_cache_serializable() ||
      overrides->has_cache_version() || overrides->has_retries() ||
      overrides->has_interruptible() || !overrides->environment().empty() ||
      overrides->has_task_config() || !overrides->unset().empty();
  overrides->clear_cache();
  overrides->clear_cache_serializable();
  overrides->clear_cache_version();
  overrides->clear_retries();
  overrides->clear_interruptible();
  overrides->clear_environment();
  overrides->clear_task_config();
  overrides->clear_unset();
  return any;
}

void TaskChanges::ApplyTo(TaskTemplate* task) const {
  if (parts & kEnvironment)
    *task->mutable_container()->mutable_env() = values.container().env();
  if (parts & kResources) {
    *task->mutable_container()->mutable_resources() =
        values.container().resources();
  }
  if (parts & kImage)
    task->mutable_container()->set_image(values.container().image());
  if (parts & kRetries) {
    task->mutable_metadata()->mutable_retries()->set_retries(
        values.metadata().retries().retries());
  }
  if (parts & kInterruptible) {
    if (values.metadata().has_interruptible()) {
      task->mutable_metadata()->set_interruptible(
          values.metadata().interruptible());
    } else {
      task->mutable_metadata()->clear_interruptible_value();
    }
  }
  if (parts & kCustom) *task->mutable_custom() = values.custom();
  if (parts & kExtendedResources) {
    if (values.has_extended_resources()) {
      *task->mutable_extended_resources() = values.extended_resources();
    } else {
      task->clear_extended_resources();
    }
  }
}

std::string TaskChanges::Key() const {
  return absl::StrCat(parts, ":", DeterministicBytes(values));
}

}  // namespace flyteoverride::flyte_v1
