#include "synthetic/flyteidl_builders.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "encoding/json_format.h"

namespace flyteoverride::synthetic {

flyteidl::core::Identifier MakeId(flyteidl::core::ResourceType type,
                                  absl::string_view short_name) {
  flyteidl::core::Identifier id;
  id.set_resource_type(type);
  id.set_project(kProject);
  id.set_domain(kDomain);
  id.set_name(absl::StrCat(kModule, short_name));
  id.set_version(kVersion);
  return id;
}

google::protobuf::Struct StructOf(const std::string& json) {
  google::protobuf::Struct out;
  if (!google::protobuf::util::JsonStringToMessage(json, &out).ok()) {
    std::fprintf(stderr, "closure generator: not a JSON object: %s\n",
                 json.c_str());
    std::abort();
  }
  return out;
}

void AddSkipped(const SkippedField& field,
                const google::protobuf::Message& value,
                google::protobuf::Message* message) {
  // Sorted map entries, so that one shape always gives the same bytes.
  message->GetReflection()->MutableUnknownFields(message)->AddLengthDelimited(
      field.number, encoding::DeterministicBytes(value));
}

void AddResource(google::protobuf::RepeatedPtrField<
                     flyteidl::core::Resources::ResourceEntry>* list,
                 flyteidl::core::Resources::ResourceName name,
                 const char* value) {
  flyteidl::core::Resources::ResourceEntry* entry = list->Add();
  entry->set_name(name);
  entry->set_value(value);
}

TypedInterface MakeInterface(int inputs, int outputs) {
  constexpr SimpleType kTypes[] = {STRING, INTEGER, FLOAT, STRUCT};
  TypedInterface interface;
  for (int i = 0; i < inputs; ++i) {
    const std::string name = absl::StrCat("input_", i);
    Variable& var = (*interface.mutable_inputs()->mutable_variables())[name];
    var.mutable_type()->set_simple(kTypes[i % 4]);
    var.set_description(name);
  }
  for (int i = 0; i < outputs; ++i) {
    const std::string name = absl::StrCat("o", i);
    Variable& var = (*interface.mutable_outputs()->mutable_variables())[name];
    var.mutable_type()->set_simple(kTypes[(i + 1) % 4]);
    var.set_description(name);
  }
  return interface;
}

Binding PromiseBinding(absl::string_view var, absl::string_view node_id,
                       absl::string_view output) {
  Binding binding;
  binding.set_var(std::string(var));
  OutputReference* promise = binding.mutable_binding()->mutable_promise();
  promise->set_node_id(std::string(node_id));
  promise->set_var(std::string(output));
  return binding;
}

}  // namespace flyteoverride::synthetic
