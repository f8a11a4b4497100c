// pod_template_fuzzer: bytes as the podTemplate (a flyteidl.core.K8sPod) of
// a TaskNodeOverrides document, {"podTemplate": <bytes>}. The document goes
// through the strict JSON check (encoding::CheckJson) as every user document
// does; when it parses as a TaskNodeOverrides, it is the execution override
// of both hooks of fuzz::SmallClosure() and resolved with the explanation
// and the Flyte v1 rewrite (pipeline::ResolveExecution): merge over a
// decorator's pod template and over a pod task's own k8s_pod, validation,
// render and placement all run on it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "encoding/json_shape.h"
#include "encoding/strict_json.h"
#include "flyteidl/core/workflow.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "fuzz/fuzz_util.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "pipeline/resolve_execution.h"

namespace fuzz = flyteoverride::fuzz;
namespace v1 = flyteoverride::v1;
using flyteidl::core::TaskNodeOverrides;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string document = absl::StrCat(
      R"({"podTemplate": )",
      absl::string_view(reinterpret_cast<const char*>(data), size), "}");
  // Every entry point judges nesting before a parser runs; so does this.
  if (!flyteoverride::encoding::CheckJsonShape(document).ok()) return 0;
  google::protobuf::Value json;
  if (!google::protobuf::util::JsonStringToMessage(document, &json).ok())
    return 0;
  (void)flyteoverride::encoding::CheckJson(json, *TaskNodeOverrides::descriptor(),
                                           "execution_overrides[train]");

  // Leniently, as any document a gRPC client could send in binary.
  TaskNodeOverrides overrides;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(document, &overrides, lenient)
           .ok()) {
    return 0;
  }
  v1::ResolveRequest request;
  *request.mutable_closure() = fuzz::SmallClosure();
  (*request.mutable_execution_overrides())["train"] = overrides;
  (*request.mutable_execution_overrides())["pod"] = overrides;
  request.mutable_options()->set_explain(true);
  request.mutable_options()->set_rewrite_closure(true);
  flyteoverride::pipeline::PipelineOptions options;
  fuzz::BoundWork(&options.limits);
  const auto outcome = flyteoverride::pipeline::ResolveExecution(
      request, flyteoverride::pipeline::ExecutionContext(), options);
  fuzz::AbortIfBroken(outcome.status(), "ResolveExecution");
  return 0;
}
