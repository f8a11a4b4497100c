// Small constructors for the flyteidl messages a generated closure is made
// of, including the fields the subset skips, which travel as unknown fields
// at flyteidl's numbers (skipped_fields.h). Generation only ever builds valid
// input, so these abort on a bug rather than return a status.
#ifndef FLYTEOVERRIDE_SYNTHETIC_FLYTEIDL_BUILDERS_H_
#define FLYTEOVERRIDE_SYNTHETIC_FLYTEIDL_BUILDERS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "synthetic/flyteidl_extras.pb.h"
#include "synthetic/skipped_fields.h"
#include "flyteidl/core/identifier.pb.h"
#include "flyteidl/core/tasks.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::synthetic {

// Every generated entity lives in one project, domain and Python module.
inline constexpr char kProject[] = "flytesnacks";
inline constexpr char kDomain[] = "development";
inline constexpr char kModule[] = "ml.pipeline.";
// `pyflyte register` versions by a digest of the package: 22 characters.
inline constexpr char kVersion[] = "Bn6EWjBI6ZK3AFa-HXr6Qg";

// The id of `kModule` + `short_name`, at kVersion.
flyteidl::core::Identifier MakeId(flyteidl::core::ResourceType type,
                                  absl::string_view short_name);

// `json` as a Struct; aborts when it is not a JSON object.
google::protobuf::Struct StructOf(const std::string& json);

// Appends `value` to `message` as the skipped field `field`.
void AddSkipped(const SkippedField& field,
                const google::protobuf::Message& value,
                google::protobuf::Message* message);

void AddResource(google::protobuf::RepeatedPtrField<
                     flyteidl::core::Resources::ResourceEntry>* list,
                 flyteidl::core::Resources::ResourceName name,
                 const char* value);

// Inputs input_0.., outputs o0.., of assorted simple types.
TypedInterface MakeInterface(int inputs, int outputs);

// `var` bound to output `output` of node `node_id`.
Binding PromiseBinding(absl::string_view var, absl::string_view node_id,
                       absl::string_view output);

}  // namespace flyteoverride::synthetic

#endif  // FLYTEOVERRIDE_SYNTHETIC_FLYTEIDL_BUILDERS_H_
