// Shared by the fuzz targets: how much work one input may ask for, the one
// outcome besides a sanitizer report that counts as a bug, and a small
// closure to resolve fuzzed documents against.
#ifndef FLYTEOVERRIDE_FUZZ_FUZZ_UTIL_H_
#define FLYTEOVERRIDE_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "flyteidl/core/compiler.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "resolver/resolve.h"

namespace flyteoverride::fuzz {

// Larger inputs are skipped: every parser here is linear in its input, so
// this bounds one run's cost, and libFuzzer's mutations rarely need more.
inline constexpr size_t kMaxInputBytes = 64 << 10;

// A 64 KiB closure that reuses sub-workflows can still ask for millions of
// node instances and hundreds of millions of work units within the default
// limits; each such run would take seconds to minutes. Lower limits keep
// runs short, and the fuzzer reaches TOO_MANY_NODES and
// WORK_BUDGET_EXCEEDED too.
inline void BoundWork(resolver::ResolveLimits* limits) {
  limits->walk.max_nodes = 20'000;
  limits->max_work_units = 5'000'000;
}

// An input is refused with INVALID_ARGUMENT, FAILED_PRECONDITION,
// RESOURCE_EXHAUSTED..., never INTERNAL: INTERNAL means the program itself
// broke (docs/design.md sections 9 and 10). Abort, so libFuzzer keeps it.
inline void AbortIfBroken(const absl::Status& status, const char* call) {
  if (status.code() != absl::StatusCode::kInternal &&
      status.code() != absl::StatusCode::kUnknown) {
    return;
  }
  std::fprintf(stderr, "fuzz: %s broke: %s\n", call,
               status.ToString().c_str());
  std::abort();
}

// Protobuf logs an error line for every string field with invalid UTF-8;
// fuzzed bytes have many, and the lines would bury libFuzzer's. Fatal
// errors still abort.
inline void QuietProtobuf() { google::protobuf::SetLogHandler(nullptr); }

// Hook "train" covers n0, a container task whose decorator set a pod
// template; hook "pod" covers n1, a pod task (k8s_pod).
inline constexpr char kSmallClosureJson[] = R"({
  "primary": {"template": {
    "id": {"resourceType": "WORKFLOW", "project": "p", "domain": "d",
           "name": "wf", "version": "1"},
    "nodes": [
      {"id": "start-node"},
      {"id": "n0",
       "taskNode": {"referenceId": {"resourceType": "TASK", "project": "p",
                    "domain": "d", "name": "train", "version": "1"}},
       "runtimeOverride": {"name": "train", "defaults": {
         "podTemplate": {"metadata": {"labels": {"team": "ml"}},
                         "podSpec": {"serviceAccountName": "trainer"},
                         "primaryContainerName": "primary"}}}},
      {"id": "n1",
       "taskNode": {"referenceId": {"resourceType": "TASK", "project": "p",
                    "domain": "d", "name": "pod", "version": "1"}},
       "runtimeOverride": {"name": "pod"}},
      {"id": "end-node"}
    ]}},
  "tasks": [
    {"template": {
      "id": {"resourceType": "TASK", "project": "p", "domain": "d",
             "name": "train", "version": "1"},
      "type": "python-task", "metadata": {},
      "container": {"image": "ghcr.io/acme/train:1"}}},
    {"template": {
      "id": {"resourceType": "TASK", "project": "p", "domain": "d",
             "name": "pod", "version": "1"},
      "type": "sidecar", "metadata": {},
      "k8sPod": {"metadata": {"annotations": {"a": "b"}},
                 "podSpec": {"containers": [{"name": "primary",
                                             "image": "ghcr.io/acme/pod:1"}]},
                 "primaryContainerName": "primary"}}}
  ]
})";

inline const flyteidl::core::CompiledWorkflowClosure& SmallClosure() {
  static const auto* closure = [] {
    auto* parsed = new flyteidl::core::CompiledWorkflowClosure;
    const auto status =
        google::protobuf::util::JsonStringToMessage(kSmallClosureJson, parsed);
    if (!status.ok()) {  // the fuzz target itself is wrong
      std::fprintf(stderr, "fuzz: the small closure: %s\n",
                   status.ToString().c_str());
      std::abort();
    }
    return parsed;
  }();
  return *closure;
}

}  // namespace flyteoverride::fuzz

#endif  // FLYTEOVERRIDE_FUZZ_FUZZ_UTIL_H_
