#include "resolver/validate.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "resolver/key_sort.h"
#include "resolver/names.h"
#include "resolver/quantity.h"
#include "resolver/violations.h"

namespace flyteoverride::resolver {
namespace {

using flyteidl::core::Resources;
using flyteidl::core::TaskNodeOverrides;
using google::protobuf::Message;

// The depth of a JSON value, without recursing on it (clients choose it).
int DepthOf(const google::protobuf::Value& root) {
  int deepest = 0;
  std::vector<std::pair<const google::protobuf::Value*, int>> stack = {
      {&root, 0}};
  while (!stack.empty()) {
    auto [value, depth] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, depth);
    if (value->has_struct_value()) {
      for (const auto& [key, child] : value->struct_value().fields())
        stack.push_back({&child, depth + 1});
    } else if (value->has_list_value()) {
      for (const auto& child : value->list_value().values())
        stack.push_back({&child, depth + 1});
    }
  }
  return deepest;
}

class DocumentChecker {
 public:
  DocumentChecker(const DocumentSite& site, const DocumentLimits& limits,
                  std::vector<v1::Violation>* out)
      : site_(site), limits_(limits), out_(out) {}

  void Check(const TaskNodeOverrides& doc) {
    if (!WithinLimits(doc)) return;
    std::string path;
    CheckUnknownFields(doc, &path);
    CheckResourceList(doc.resources().requests(), "resources.requests");
    CheckResourceList(doc.resources().limits(), "resources.limits");
    if (doc.extended_resources().has_shared_memory() &&
        !doc.extended_resources().shared_memory().size_limit().empty()) {
      CheckQuantity(
          doc.extended_resources().shared_memory().size_limit(),
          [] {
            return std::string("extended_resources.shared_memory.size_limit");
          },
          false);
    }
    for (char c : doc.container_image()) {
      if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
          absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
        Add("container_image", "BAD_IMAGE",
            absl::StrCat("container image \"",
                         absl::CEscape(doc.container_image()),
                         "\" contains whitespace or control characters"));
        break;
      }
    }
    if (doc.has_retries() && doc.retries() < 0) {
      Add("retries", "NEGATIVE_RETRIES",
          absl::StrCat("retries must be 0 or more, got ", doc.retries()));
    }
    for (const auto& [key, value] : doc.environment()) {
      if (!IsValidEnvironmentKey(key)) {
        Add(absl::StrCat("environment.", key), "BAD_ENVIRONMENT_KEY",
            absl::StrCat("environment key \"", absl::CEscape(key),
                         "\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"));
      }
    }
    for (const std::string& path : doc.unset()) {
      if (!ParseUnsetPath(path)) {
        Add("unset", "BAD_UNSET_PATH",
            absl::StrCat("unset path \"", absl::CEscape(path),
                         "\" names no field (e.g. resources.limits.cpu, "
                         "environment.KEY, "
                         "retries, task_config)"));
      }
    }
  }

 private:
  void Add(absl::string_view field, std::string reason,
           std::string description,
           v1::Violation::Category category = v1::Violation::INVALID_VALUE) {
    v1::Violation violation = MakeViolation(
        absl::StrCat(site_.field_prefix, ".", field), std::move(description),
        std::move(reason), category, site_.node_path);
    violation.set_hook(site_.hook);
    violation.set_layer(site_.layer);
    Collect(std::move(violation), out_);
  }

  bool WithinLimits(const TaskNodeOverrides& doc) {
    if (static_cast<size_t>(doc.unset_size()) > limits_.max_unset_paths) {
      Add("unset", "TOO_MANY_UNSET_PATHS",
          absl::StrCat(doc.unset_size(), " unset paths in one document; at most ",
                       limits_.max_unset_paths),
          v1::Violation::LIMIT_EXCEEDED);
      return false;
    }
    if (static_cast<size_t>(doc.environment_size()) >
        limits_.max_environment_keys) {
      Add("environment", "TOO_MANY_ENVIRONMENT_KEYS",
          absl::StrCat(doc.environment_size(),
                       " environment keys in one document; at most ",
                       limits_.max_environment_keys),
          v1::Violation::LIMIT_EXCEEDED);
      return false;
    }
    if (!doc.has_task_config()) return true;
    const size_t bytes = doc.task_config().ByteSizeLong();
    if (bytes > limits_.max_task_config_bytes) {
      Add("task_config", "TASK_CONFIG_TOO_LARGE",
          absl::StrCat("task_config of ", bytes, " bytes; at most ",
                       limits_.max_task_config_bytes),
          v1::Violation::LIMIT_EXCEEDED);
      return false;
    }
    google::protobuf::Value root;
    *root.mutable_struct_value() = doc.task_config();
    const int depth = DepthOf(root);
    if (depth > limits_.max_task_config_depth) {
      Add("task_config", "TASK_CONFIG_TOO_DEEP",
          absl::StrCat("task_config nests ", depth, " levels; at most ",
                       limits_.max_task_config_depth),
          v1::Violation::LIMIT_EXCEEDED);
      return false;
    }
    return true;
  }

  // Strict reading: bytes this server's schema does not know are an error,
  // never silently ignored. pod_template is a flyteidl message the subset
  // declares only in part, so its own fields are not judged here.
  // `path` grows and shrinks as the walk descends, so a field's name is
  // spelled out only when something there is wrong. Fields go in
  // declaration order, which is field-number order in these messages.
  void CheckUnknownFields(const Message& message, std::string* path) {
    const auto* reflection = message.GetReflection();
    const auto& unknown = reflection->GetUnknownFields(message);
    for (int i = 0; i < unknown.field_count(); ++i) {
      const int number = unknown.field(i).number();
      Add(path->empty() ? absl::StrCat("#", number)
                        : absl::StrCat(*path, ".#", number),
          "UNKNOWN_FIELD",
          absl::StrCat(
              "unknown field number ", number,
              path->empty() ? "" : absl::StrCat(" in ", *path),
              ": this server does not know it, so it would be dropped"));
    }
    const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
    for (int f = 0; f < descriptor->field_count(); ++f) {
      const google::protobuf::FieldDescriptor* field = descriptor->field(f);
      if (field->cpp_type() !=
              google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_map() || field->name() == "pod_template" ||
          field->name() == "task_config") {
        continue;
      }
      const int items =
          field->is_repeated() ? reflection->FieldSize(message, field) : 0;
      if (field->is_repeated() ? items == 0
                               : !reflection->HasField(message, field)) {
        continue;
      }
      const size_t parent = path->size();
      if (!path->empty()) path->push_back('.');
      path->append(field->name());
      if (!field->is_repeated()) {
        CheckUnknownFields(reflection->GetMessage(message, field), path);
      }
      const size_t child = path->size();
      for (int i = 0; i < items; ++i) {
        absl::StrAppend(path, "[", i, "]");
        CheckUnknownFields(reflection->GetRepeatedMessage(message, field, i),
                           path);
        path->resize(child);
      }
      path->resize(parent);
    }
  }

  // `field` names the value, built only for a violation.
  void CheckQuantity(const std::string& text,
                     absl::FunctionRef<std::string()> field, bool whole) {
    auto quantity = Quantity::Parse(text);
    if (!quantity.ok()) {
      Add(field(), "BAD_QUANTITY", std::string(quantity.status().message()));
      return;
    }
    if (quantity->IsNegative()) {
      const std::string name = field();
      Add(name, "NEGATIVE_QUANTITY",
          absl::StrCat(name, " \"", text,
                       "\" is negative; resources are 0 or more"));
    } else if (whole && !quantity->IsWholeNumber()) {
      const std::string name = field();
      Add(name, "FRACTIONAL_GPU",
          absl::StrCat(name, " \"", text,
                       "\": GPUs are counted in whole numbers"));
    }
  }

  void CheckResourceList(const google::protobuf::RepeatedPtrField<
                             Resources::ResourceEntry>& entries,
                         absl::string_view list) {
    bool seen[Resources::ResourceName_ARRAYSIZE] = {};
    for (const auto& entry : entries) {
      const int name = entry.name();
      if (name <= Resources::UNKNOWN ||
          name >= Resources::ResourceName_ARRAYSIZE) {
        Add(list, "UNKNOWN_RESOURCE",
            absl::StrCat(
                "resource name ", name, " in ", list,
                " is not one of CPU, GPU, MEMORY, STORAGE, EPHEMERAL_STORAGE"));
        continue;
      }
      // Named only when something is wrong with it.
      auto path = [&] {
        return absl::StrCat(list, ".", ResourcePathName(name));
      };
      if (seen[name]) {
        Add(path(), "DUPLICATE_RESOURCE",
            absl::StrCat(path(), " is given more than once"));
      }
      seen[name] = true;
      CheckQuantity(entry.value(), path, name == Resources::GPU);
    }
  }

  const DocumentSite& site_;
  const DocumentLimits& limits_;
  std::vector<v1::Violation>* out_;
};

std::string Describe(const Leaf& leaf) {
  const Origin& o = leaf.current.origin;
  std::string who(LayerName(o.layer));
  if (!o.hook.empty()) absl::StrAppend(&who, ", hook ", o.hook);
  if (!o.declared_at.empty()) absl::StrAppend(&who, " at ", o.declared_at);
  return absl::StrCat(LeafPath(leaf.key), " = ", leaf.current.value.text, " (",
                      who, ")");
}

}  // namespace

void ValidateOverrideDocument(const TaskNodeOverrides& doc,
                              const DocumentSite& site,
                              std::vector<v1::Violation>* out,
                              const DocumentLimits& limits) {
  DocumentChecker(site, limits, out).Check(doc);
}

std::vector<const OverrideEntry*> SortedEntries(
    const google::protobuf::Map<std::string, TaskNodeOverrides>& map) {
  // The keys are sorted as views, not through the map's scattered nodes.
  std::vector<const OverrideEntry*> entries;
  entries.reserve(map.size());
  std::vector<KeyedIndex> keyed;
  keyed.reserve(map.size());
  for (const OverrideEntry& entry : map) {
    keyed.push_back({entry.first, static_cast<uint32_t>(entries.size())});
    entries.push_back(&entry);
  }
  SortByKey(&keyed);
  std::vector<const OverrideEntry*> sorted;
  sorted.reserve(keyed.size());
  for (const KeyedIndex& at : keyed) sorted.push_back(entries[at.index]);
  return sorted;
}

void ValidateClosureDefaults(const ClosureWalk& walk,
                             std::vector<v1::Violation>* out,
                             const DocumentLimits& limits) {
  absl::flat_hash_set<const void*> seen;
  for (const HookLink& link : walk.links) {
    if (link.defaults == nullptr || link.repeats_earlier ||
        !seen.insert(link.defaults).second) {
      continue;
    }
    ValidateOverrideDocument(
        *link.defaults,
        {absl::StrCat("node ", link.declared_at, " runtime_override.defaults"),
         v1::DECORATOR, std::string(link.name), link.declared_at},
        out, limits);
  }
  for (const Scope& scope : walk.scopes) {
    if (!seen.insert(scope.workflow).second) continue;
    const auto& defaults = scope.workflow->runtime_override_defaults();
    for (const OverrideEntry* entry : SortedEntries(defaults)) {
      const std::string& hook = entry->first;
      ValidateOverrideDocument(
          entry->second,
          {absl::StrCat("workflow ", IdentifierString(scope.workflow->id()),
                        " runtime_override_defaults[", hook, "]"),
           v1::DECORATOR, hook, ""},
          out, limits);
    }
  }
}

void ValidateMergedResources(const LeafSet& leaves,
                             const std::string& node_path,
                             std::vector<v1::Violation>* out) {
  for (int name = Resources::CPU; name <= Resources::EPHEMERAL_STORAGE;
       ++name) {
    const Leaf* request = leaves.Find({Field::kRequest, name});
    const Leaf* limit = leaves.Find({Field::kLimit, name});
    if (request == nullptr || limit == nullptr || request->current.removed ||
        limit->current.removed) {
      continue;
    }
    const Origin& by =
        request->current.origin.layer >= limit->current.origin.layer
            ? request->current.origin
            : limit->current.origin;
    if (by.layer < v1::DECORATOR) continue;
    auto request_q = Quantity::Parse(request->current.value.text);
    auto limit_q = Quantity::Parse(limit->current.value.text);
    if (!request_q.ok() || !limit_q.ok())
      continue;  // reported with its document
    const int order = request_q->Compare(*limit_q);
    std::string reason, description;
    if (name == Resources::GPU && order != 0) {
      reason = "GPU_REQUEST_NOT_LIMIT";
      description = absl::StrCat("at ", node_path, ": ", Describe(*request),
                                 " differs from ", Describe(*limit),
                                 "; Kubernetes requires a GPU request to "
                                 "equal its limit");
    } else if (order > 0) {
      reason = "REQUEST_ABOVE_LIMIT";
      // A limit the policy clamped cannot be raised or unset by the caller.
      description = absl::StrCat(
          "at ", node_path, ": ", Describe(*request), " is above ",
          Describe(*limit),
          limit->current.origin.layer == v1::PLATFORM
              ? "; the operator's policy caps the limit: lower the request"
              : "; raise the limit, lower the request, or unset the limit");
    } else {
      continue;
    }
    v1::Violation violation = MakeViolation(
        absl::StrCat("node ", node_path, " ", LeafPath(request->key)),
        std::move(description), std::move(reason), v1::Violation::INVALID_VALUE,
        node_path);
    violation.set_hook(std::string(by.hook));
    violation.set_layer(by.layer);
    out->push_back(std::move(violation));
  }
}

}  // namespace flyteoverride::resolver
