#include "synthetic/flyteidl_json.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "synthetic/flyteidl_extras.pb.h"
#include "synthetic/skipped_fields.h"
#include "flyteidl/core/compiler.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace flyteoverride::synthetic {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// Declares the skipped fields on `file`'s messages, as flyteidl does.
void DeclareSkippedFields(const std::string& extras_file,
                          FileDescriptorProto* file) {
  bool uses_extras = false;
  for (auto& message : *file->mutable_message_type()) {
    const std::string full_name =
        absl::StrCat(file->package(), ".", message.name());
    for (const SkippedField& skipped : kSkippedFields) {
      if (skipped.message != full_name) continue;
      FieldDescriptorProto* field = message.add_field();
      field->set_name(std::string(skipped.name));
      field->set_number(skipped.number);
      field->set_type(FieldDescriptorProto::TYPE_MESSAGE);
      field->set_type_name(absl::StrCat(".", skipped.type));
      field->set_label(skipped.repeated ? FieldDescriptorProto::LABEL_REPEATED
                                        : FieldDescriptorProto::LABEL_OPTIONAL);
      uses_extras = true;
    }
  }
  if (uses_extras) file->add_dependency(extras_file);
}

// The subset's files with the skipped fields declared, in a pool of their own.
absl::StatusOr<const DescriptorPool*> FullPool() {
  static const auto* const result =
      []() -> absl::StatusOr<const DescriptorPool*>* {
    auto pool = std::make_unique<DescriptorPool>();
    const FileDescriptor* extras = Binding::descriptor()->file();
    // Dependencies before dependents.
    const FileDescriptor* files[] = {
        google::protobuf::Struct::descriptor()->file(),
        extras,
        flyteidl::core::Identifier::descriptor()->file(),
        flyteidl::core::TaskTemplate::descriptor()->file(),
        flyteidl::core::WorkflowTemplate::descriptor()->file(),
        flyteidl::core::CompiledWorkflowClosure::descriptor()->file(),
    };
    for (const FileDescriptor* file : files) {
      FileDescriptorProto proto;
      file->CopyTo(&proto);
      if (file != extras) DeclareSkippedFields(extras->name(), &proto);
      if (pool->BuildFile(proto) == nullptr) {
        return new absl::StatusOr<const DescriptorPool*>(absl::InternalError(
            absl::StrCat("cannot build the full schema of ", file->name())));
      }
    }
    return new absl::StatusOr<const DescriptorPool*>(pool.release());
  }();
  return *result;
}

}  // namespace

absl::StatusOr<std::string> FullClosureJson(absl::string_view closure_bytes) {
  absl::StatusOr<const DescriptorPool*> pool = FullPool();
  if (!pool.ok()) return pool.status();
  static auto* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix,
                                                               *pool);
  std::string json;
  const auto status = google::protobuf::util::BinaryToJsonString(
      resolver,
      absl::StrCat(
          kTypeUrlPrefix, "/",
          flyteidl::core::CompiledWorkflowClosure::descriptor()->full_name()),
      std::string(closure_bytes), &json,
      google::protobuf::util::JsonPrintOptions());
  if (!status.ok()) return absl::InternalError(status.ToString());
  return json;
}

}  // namespace flyteoverride::synthetic
