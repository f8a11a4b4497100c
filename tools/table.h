// Readable renderings of responses for overridectl's default output.
#ifndef FLYTEOVERRIDE_TOOLS_TABLE_H_
#define FLYTEOVERRIDE_TOOLS_TABLE_H_

#include <string>
#include <vector>

#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::tools {

// Per node: a header line, then one row per leaf value with the layer (and
// hook) it came from; with `shadowed`, the values each one replaced.
// Needs nodes resolved with explain (effective values and provenance).
std::string ResolveTable(const v1::ResolveResponse& response, bool shadowed);

// Per hook: the instances it covers, its declarations and defaults.
std::string InspectTable(const v1::InspectWorkflowResponse& response);

// "error: REASON field: description" lines (warnings with "warning:").
std::string ViolationLines(const std::vector<v1::Violation>& violations,
                           const char* kind);

// An assignment's value for display: a string as is, a number or bool as
// written, a struct or list as compact JSON; "(removed)" for a removal.
std::string ShowValue(const v1::Assignment& assignment);

// Compact JSON of a message, for one-line display.
std::string CompactJson(const google::protobuf::Message& message);

}  // namespace flyteoverride::tools

#endif  // FLYTEOVERRIDE_TOOLS_TABLE_H_
