// The proto3 JSON of closure bytes as a reader with flyteidl's full schema
// prints it (camelCase, the fields the subset skips included, as flytectl
// and FlyteAdmin print a closure), so that JSON parsing is measured on a
// document of realistic size rather than on the subset's view of it.
#ifndef FLYTEOVERRIDE_SYNTHETIC_FLYTEIDL_JSON_H_
#define FLYTEOVERRIDE_SYNTHETIC_FLYTEIDL_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::synthetic {

// `closure_bytes` is a serialized flyteidl.core.CompiledWorkflowClosure whose
// skipped fields are those of skipped_fields.h. Compact (no whitespace).
absl::StatusOr<std::string> FullClosureJson(absl::string_view closure_bytes);

}  // namespace flyteoverride::synthetic

#endif  // FLYTEOVERRIDE_SYNTHETIC_FLYTEIDL_JSON_H_
