// Building violations and the strings they quote.
#ifndef FLYTEOVERRIDE_RESOLVER_VIOLATIONS_H_
#define FLYTEOVERRIDE_RESOLVER_VIOLATIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "flyteidl/core/identifier.pb.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::resolver {

// Violations kept while a request is judged: past this many, producers
// stop adding (the answer shows max_violations of them anyway), so that a
// request of millions of problems costs no more memory than a few.
inline constexpr size_t kMaxCollectedViolations = 10'000;

// Appends `violation` while `out` has room (kMaxCollectedViolations).
void Collect(v1::Violation violation, std::vector<v1::Violation>* out);

v1::Violation MakeViolation(std::string field, std::string description,
                            std::string reason,
                            v1::Violation::Category category,
                            std::string node_path = "");

// A required request field left empty (MISSING_FIELD).
v1::Violation MissingField(std::string field, std::string description);

// A problem in a user's override document (one hook's TaskNodeOverrides in
// map `map`, "execution_overrides", feeding `layer`), as the strict JSON
// reader reports it: `path` below the hook's document ("resources.limit";
// "" for the document itself), `reason` (UNKNOWN_FIELD, WRONG_TYPE, ...)
// and `detail` (for an unknown field, the fields it could have been).
v1::Violation OverrideDocumentProblem(absl::string_view map,
                                      const std::string& hook,
                                      absl::string_view path, v1::Layer layer,
                                      absl::string_view reason,
                                      absl::string_view detail);

// "project/domain/name@version", the form FlyteConsole shows.
std::string IdentifierString(const flyteidl::core::Identifier& id);

// "TASK", "EXECUTION", ...
const std::string& LayerName(v1::Layer layer);

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_VIOLATIONS_H_
