#include "server/redaction.h"

#include "absl/strings/strip.h"
#include "auth/rules.h"
#include "flyteidl/core/tasks.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/descriptor.h"

namespace flyteoverride::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr absl::string_view kEnvironmentPrefix = "environment.";

void RedactValue(google::protobuf::Value* value) {
  if (value->kind_case() == google::protobuf::Value::kStringValue)
    value->set_string_value(std::string(auth::kRedactedValue));
}

// The messages that carry environment values; false for any other.
bool RedactHere(absl::Span<const std::string> patterns, Message* message) {
  if (auto* overrides =
          dynamic_cast<flyteidl::core::TaskNodeOverrides*>(message)) {
    for (auto& [key, value] : *overrides->mutable_environment()) {
      if (auth::IsSecretKey(patterns, key))
        value = std::string(auth::kRedactedValue);
    }
    return true;
  }
  if (auto* entry = dynamic_cast<v1::ProvenanceEntry*>(message)) {
    absl::string_view field = entry->field();
    if (absl::ConsumePrefix(&field, kEnvironmentPrefix) &&
        auth::IsSecretKey(patterns, field)) {
      RedactValue(entry->mutable_assignment()->mutable_value());
      for (v1::Assignment& shadowed : *entry->mutable_shadowed())
        RedactValue(shadowed.mutable_value());
    }
    return true;
  }
  if (auto* container = dynamic_cast<flyteidl::core::Container*>(message)) {
    for (flyteidl::core::KeyValuePair& pair : *container->mutable_env()) {
      if (auth::IsSecretKey(patterns, pair.key()))
        pair.set_value(std::string(auth::kRedactedValue));
    }
    return true;
  }
  return false;
}

void Walk(absl::Span<const std::string> patterns, Message* message) {
  if (RedactHere(patterns, message)) return;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!field->is_repeated()) {
      Walk(patterns, reflection->MutableMessage(message, field));
      continue;
    }
    const int size = reflection->FieldSize(*message, field);
    for (int i = 0; i < size; ++i)
      Walk(patterns, reflection->MutableRepeatedMessage(message, field, i));
  }
}

}  // namespace

void RedactSecrets(absl::Span<const std::string> patterns, Message* message) {
  if (!patterns.empty()) Walk(patterns, message);
}

}  // namespace flyteoverride::server
