// A rewritten closure written back as JSON without losing what the
// resolver's subset does not know. A JSON closure is read into the subset,
// which drops the members it does not declare (bindings, interfaces,
// connections, ...); this puts them back from the original document.
#ifndef FLYTEOVERRIDE_ENCODING_CLOSURE_JSON_H_
#define FLYTEOVERRIDE_ENCODING_CLOSURE_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::encoding {

// The CompiledWorkflowClosure in a JSON document a user has at hand: the
// document itself, or the compiled workflow of an admin Workflow as
// `flytectl get workflow NAME --version V -o json` prints it
// ({id, closure: {compiledWorkflow: ...}}, alone or as a list of one). A
// launch plan (flytectl get launchplan) holds no closure: INVALID_ARGUMENT
// naming the workflow to fetch instead.
absl::StatusOr<google::protobuf::Value> ClosureOf(
    google::protobuf::Value document);

// `rewritten` as a proto3 JSON tree, overlaid on `original`, the closure it
// was rewritten from: a member the subset
// declares comes from `rewritten` (and is gone when `rewritten` lacks it);
// any other member comes from the original. Messages are matched by
// position (nodes, branch arms, templates), and a template copy (listed in
// `copies`, after the original templates) with the template it copies.
absl::StatusOr<google::protobuf::Value> OverlayClosure(
    const google::protobuf::Value& original,
    const flyteidl::core::CompiledWorkflowClosure& rewritten,
    const std::vector<v1::TemplateCopy>& copies);

// The same over JSON text, written pretty with keys sorted.
absl::StatusOr<std::string> OverlayClosureJson(
    absl::string_view original_json,
    const flyteidl::core::CompiledWorkflowClosure& rewritten,
    const std::vector<v1::TemplateCopy>& copies);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_CLOSURE_JSON_H_
