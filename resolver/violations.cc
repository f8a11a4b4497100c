#include "resolver/violations.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyteoverride::resolver {

v1::Violation MakeViolation(std::string field, std::string description,
                            std::string reason,
                            v1::Violation::Category category,
                            std::string node_path) {
  v1::Violation violation;
  violation.set_field(std::move(field));
  violation.set_description(std::move(description));
  violation.set_reason(std::move(reason));
  violation.set_category(category);
  violation.set_node_path(std::move(node_path));
  return violation;
}

v1::Violation MissingField(std::string field, std::string description) {
  return MakeViolation(std::move(field), std::move(description),
                       "MISSING_FIELD", v1::Violation::INVALID_VALUE);
}

v1::Violation OverrideDocumentProblem(absl::string_view map,
                                      const std::string& hook,
                                      absl::string_view path, v1::Layer layer,
                                      absl::string_view reason,
                                      absl::string_view detail) {
  const std::string where = absl::StrCat("the overrides for hook \"", hook, "\"");
  v1::Violation violation = MakeViolation(
      absl::StrCat(map, "[", hook, "]", path.empty() ? "" : ".", path),
      reason == "UNKNOWN_FIELD"
          ? absl::StrCat("unknown field \"", path, "\" in ", where, "; ",
                         detail)
          : absl::StrCat(path.empty() ? "" : absl::StrCat(path, " in "),
                         where, ": ", detail),
      std::string(reason), v1::Violation::INVALID_VALUE);
  violation.set_hook(hook);
  violation.set_layer(layer);
  return violation;
}

void Collect(v1::Violation violation, std::vector<v1::Violation>* out) {
  if (out->size() < kMaxCollectedViolations) out->push_back(std::move(violation));
}

std::string IdentifierString(const flyteidl::core::Identifier& id) {
  return absl::StrCat(id.project(), "/", id.domain(), "/", id.name(), "@",
                      id.version());
}

const std::string& LayerName(v1::Layer layer) { return v1::Layer_Name(layer); }

}  // namespace flyteoverride::resolver
