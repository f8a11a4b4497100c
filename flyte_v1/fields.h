// What flyteidl v1 holds of the runtime-override fields, for the rewritten
// closure (rewrite.h): which fields a document touches, which of
// TaskNodeOverrides' fields v1 lacks, and what a copy of a task template
// changes.
#ifndef FLYTEOVERRIDE_FLYTE_V1_FIELDS_H_
#define FLYTEOVERRIDE_FLYTE_V1_FIELDS_H_

#include <cstdint>
#include <string>

#include "flyteidl/core/tasks.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "resolver/leaf_set.h"

namespace flyteoverride::flyte_v1 {

// The fields a document sets or names in `unset`; requests and limits count
// as one field, resources.
class TouchedFields {
 public:
  // `v1_fields`: count flyteidl v1's fields 1-4 too, not only the proposal's.
  void Add(const flyteidl::core::TaskNodeOverrides& doc, bool v1_fields);
  bool Has(resolver::Field field) const { return bits_ & Bit(field); }
  bool none() const { return bits_ == 0; }

 private:
  static uint32_t Bit(resolver::Field field) {
    return 1u << static_cast<int>(field == resolver::Field::kLimit ? resolver::Field::kRequest
                                                         : field);
  }
  void Add(resolver::Field field) { bits_ |= Bit(field); }
  uint32_t bits_ = 0;
};

// Clears what flyteidl v1's TaskNodeOverrides does not have (fields 5-12);
// true when there was any.
bool StripExtensions(flyteidl::core::TaskNodeOverrides* overrides);

// What a copy of a task template changes: each part replaces the
// template's field as a whole, with its value in `values` (a part whose
// message is absent there clears the field).
struct TaskChanges {
  enum Part : uint32_t {
    kEnvironment = 1 << 0,        // container.env
    kResources = 1 << 1,          // container.resources
    kImage = 1 << 2,              // container.image
    kRetries = 1 << 3,            // metadata.retries
    kInterruptible = 1 << 4,      // metadata.interruptible
    kCustom = 1 << 5,             // custom (task_config)
    kExtendedResources = 1 << 6,  // extended_resources
  };
  uint32_t parts = 0;
  flyteidl::core::TaskTemplate values;

  void ApplyTo(flyteidl::core::TaskTemplate* task) const;
  // Equal keys make equal copies of one template; cheaper than the copy.
  std::string Key() const;
};

}  // namespace flyteoverride::flyte_v1

#endif  // FLYTEOVERRIDE_FLYTE_V1_FIELDS_H_
