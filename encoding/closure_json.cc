#include "encoding/closure_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "encoding/json_format.h"
#include "encoding/json_message.h"
#include "encoding/json_value.h"

namespace flyteoverride::encoding {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

const FieldDescriptor* FieldOf(const Descriptor* message,
                               const std::string& member) {
  for (int i = 0; i < message->field_count(); ++i) {
    if (message->field(i)->json_name() == member) return message->field(i);
  }
  return message->FindFieldByName(member);
}

// Messages whose JSON is not an object of fields: taken whole.
bool IsWellKnown(const Descriptor* message) {
  return message->file()->package() == "google.protobuf";
}

Value Overlay(const Value* original, const Value& rewritten,
              const Descriptor* message);

Value OverlayField(const Value* original, const Value& rewritten,
                   const FieldDescriptor* field) {
  if (field->is_map() || field->message_type() == nullptr ||
      IsWellKnown(field->message_type()) || original == nullptr) {
    return rewritten;
  }
  if (!field->is_repeated())
    return Overlay(original, rewritten, field->message_type());
  Value out;
  ListValue* list = out.mutable_list_value();
  const ListValue& before = original->list_value();
  for (int i = 0; i < rewritten.list_value().values_size(); ++i) {
    *list->add_values() =
        Overlay(i < before.values_size() ? &before.values(i) : nullptr,
                rewritten.list_value().values(i), field->message_type());
  }
  return out;
}

Value Overlay(const Value* original, const Value& rewritten,
              const Descriptor* message) {
  if (original == nullptr || !original->has_struct_value() ||
      !rewritten.has_struct_value()) {
    return rewritten;
  }
  const auto& after = rewritten.struct_value().fields();
  Value out;
  auto& fields = *out.mutable_struct_value()->mutable_fields();
  for (const auto& [member, value] : original->struct_value().fields()) {
    const FieldDescriptor* field = FieldOf(message, member);
    if (field == nullptr) {
      fields[member] = value;  // outside the subset: kept as it was
      continue;
    }
    auto it = after.find(field->json_name());
    if (it != after.end())
      fields[field->json_name()] = OverlayField(&value, it->second, field);
  }
  for (const auto& [member, value] : after) {
    if (!fields.contains(member)) fields[member] = value;
  }
  return out;
}

// The original template a copy copies: the entry of `originals` whose
// template id is `id`.
const Value* OriginalOf(const ListValue& originals,
                        const flyteidl::core::Identifier& id) {
  for (const Value& entry : originals.values()) {
    const auto& member = [](const Value& v, const char* name) -> const Value& {
      auto it = v.struct_value().fields().find(name);
      return it == v.struct_value().fields().end() ? Value::default_instance()
                                                   : it->second;
    };
    const Value& json_id = member(member(entry, "template"), "id");
    if (member(json_id, "name").string_value() == id.name() &&
        member(json_id, "version").string_value() == id.version() &&
        member(json_id, "project").string_value() == id.project() &&
        member(json_id, "domain").string_value() == id.domain())
      return &entry;
  }
  return nullptr;
}

// Overlays the closure's template list `field`: originals by position, then
// the copies of `kind` in order, each on the template it copies.
void OverlayTemplates(const Struct& original, const Value& rewritten,
                      const FieldDescriptor* field, v1::TemplateCopy::Kind kind,
                      const std::vector<v1::TemplateCopy>& copies,
                      Struct* out) {
  const Descriptor* entry = field->message_type();
  auto before = original.fields().find(field->json_name());
  if (before == original.fields().end())
    before = original.fields().find(field->name());
  const ListValue& originals = before == original.fields().end()
                                   ? ListValue::default_instance()
                                   : before->second.list_value();
  std::vector<const v1::TemplateCopy*> of_kind;
  for (const auto& copy : copies) {
    if (copy.kind() == kind) of_kind.push_back(&copy);
  }
  const ListValue& after = rewritten.list_value();
  const int first_copy = after.values_size() - static_cast<int>(of_kind.size());
  Value& entries = (*out->mutable_fields())[field->json_name()];
  entries.Clear();
  ListValue* list = entries.mutable_list_value();
  for (int i = 0; i < after.values_size(); ++i) {
    const Value* counterpart =
        i < first_copy
            ? (i < originals.values_size() ? &originals.values(i) : nullptr)
            : OriginalOf(originals, of_kind[i - first_copy]->original_id());
    *list->add_values() = Overlay(counterpart, after.values(i), entry);
  }
}

}  // namespace

absl::StatusOr<Value> OverlayClosure(
    const Value& original,
    const flyteidl::core::CompiledWorkflowClosure& rewritten,
    const std::vector<v1::TemplateCopy>& copies) {
  if (!original.has_struct_value())
    return absl::InvalidArgumentError("the closure is not a JSON object");
  const Value after = MessageToJson(rewritten);
  const Descriptor* closure = rewritten.GetDescriptor();
  Value out = Overlay(&original, after, closure);
  // Template lists again, now with copies matched to what they copy.
  const auto& fields = after.struct_value().fields();
  for (const auto& [name, kind] :
       {std::pair{"subWorkflows", v1::TemplateCopy::WORKFLOW},
        std::pair{"tasks", v1::TemplateCopy::TASK}}) {
    auto it = fields.find(name);
    if (it == fields.end()) continue;
    OverlayTemplates(original.struct_value(), it->second,
                     FieldOf(closure, name), kind, copies,
                     out.mutable_struct_value());
  }
  return out;
}

absl::StatusOr<std::string> OverlayClosureJson(
    absl::string_view original_json,
    const flyteidl::core::CompiledWorkflowClosure& rewritten,
    const std::vector<v1::TemplateCopy>& copies) {
  absl::StatusOr<Value> original = ParseJson(original_json);
  if (!original.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the closure is not a JSON object: ", original.status().message()));
  }
  absl::StatusOr<Value> out = OverlayClosure(*original, rewritten, copies);
  if (!out.ok()) return out.status();
  return DeterministicJson(*out, true);
}

absl::StatusOr<google::protobuf::Value> ClosureOf(
    google::protobuf::Value document) {
  if (document.has_list_value() && document.list_value().values_size() == 1) {
    google::protobuf::Value only =
        std::move(*document.mutable_list_value()->mutable_values(0));
    document = std::move(only);
  }
  if (!document.has_struct_value()) return document;
  const auto& fields = document.struct_value().fields();
  if (fields.count("primary") != 0) return document;
  if (auto closure = fields.find("closure"); closure != fields.end() &&
                                             closure->second.has_struct_value()) {
    const auto& inner = closure->second.struct_value().fields();
    if (auto compiled = inner.find("compiledWorkflow"); compiled != inner.end())
      return compiled->second;
  }
  if (auto spec = fields.find("spec"); spec != fields.end() &&
                                       spec->second.has_struct_value()) {
    const auto& inner = spec->second.struct_value().fields();
    if (auto workflow = inner.find("workflowId"); workflow != inner.end()) {
      const auto& id = workflow->second.struct_value().fields();
      auto text = [&id](const char* key) {
        auto it = id.find(key);
        return it == id.end() ? std::string() : it->second.string_value();
      };
      return absl::InvalidArgumentError(absl::StrCat(
          "this is a launch plan, which holds no closure; its workflow's is "
          "`flytectl get workflow -p ", text("project"), " -d ", text("domain"),
          " ", text("name"), " --version ", text("version"), " -o json`"));
    }
  }
  return document;
}

}  // namespace flyteoverride::encoding
