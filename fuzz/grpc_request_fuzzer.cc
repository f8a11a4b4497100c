// grpc_request_fuzzer: arbitrary bytes as the message of a gRPC call, read
// as GrpcService reads them (the element count, then the parse; whole, and
// cut in pieces as gRPC's slices, which must read alike) and handed
// to OverrideService (no channel). As a flyteoverride.v1.ResolveRequest:
// Resolve as a dry run, then recorded in a MemoryStore, then again (the idempotent replay of the
// record), then GetResolved of the record. As an InspectWorkflowRequest:
// InspectWorkflow. Behind them: the closure walk, merge, validation, render,
// the input digest and, with rewrite_closure, the Flyte v1 rewrite.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/time/time.h"
#include "encoding/json_format.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "fuzz/fuzz_util.h"
#include "server/override_service.h"
#include "server/request_limits.h"
#include "storage/memory_store.h"

namespace fuzz = flyteoverride::fuzz;
namespace server = flyteoverride::server;
namespace v1 = flyteoverride::v1;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > fuzz::kMaxInputBytes) return 0;
  server::ServiceOptions options;
  fuzz::BoundWork(&options.limits);
  // A store per input: no input's records change how the next one runs.
  flyteoverride::storage::MemoryStore store;
  const server::OverrideService service(options, &store);
  const absl::Time far = absl::InfiniteFuture();
  server::CallStats stats;

  // GrpcService's own reading of the bytes, with an element bound small
  // enough that fuzz inputs reach the count.
  server::RequestLimits limits;
  limits.max_elements = 2000;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  v1::ResolveRequest request;
  const server::Outcome read = server::ReadProto(bytes, limits, &request);
  // gRPC hands a request over in slices, read where they lie: cut anywhere,
  // the bytes read as they do whole.
  if (size > 2) {
    const size_t a = data[0] % size, b = a + (size - a) / 2;
    const absl::string_view pieces[] = {bytes.substr(0, a),
                                        bytes.substr(a, b - a), bytes.substr(b)};
    v1::ResolveRequest in_pieces;
    const server::Outcome read_pieces =
        server::ReadProto(pieces, limits, &in_pieces);
    if (read_pieces.status != read.status ||
        (read.ok() && flyteoverride::encoding::DeterministicBytes(in_pieces) !=
                          flyteoverride::encoding::DeterministicBytes(request))) {
      std::fprintf(stderr, "fuzz: the bytes cut at %zu and %zu read otherwise: %s / %s\n",
                   a, b, read.status.ToString().c_str(),
                   read_pieces.status.ToString().c_str());
      std::abort();
    }
  }
  if (read.ok()) {
    v1::ResolveRequest dry = request;
    dry.mutable_options()->set_dry_run(true);
    fuzz::AbortIfBroken(service.Resolve(dry, far, &stats).status(),
                       "Resolve (dry run)");

    v1::ResolveRequest recorded = request;
    recorded.mutable_options()->set_dry_run(false);
    if (!recorded.has_execution_id()) {
      auto* id = recorded.mutable_execution_id();
      id->set_project("p");
      id->set_domain("d");
      id->set_name("fuzz");
    }
    auto first = service.Resolve(recorded, far, &stats);
    // FO_FUZZ_DEBUG=1: how far the request got, to judge seeds by.
    static const bool debug = std::getenv("FO_FUZZ_DEBUG") != nullptr;
    if (debug) {
      std::fprintf(stderr, "Resolve: %s, %d nodes\n",
                   first.status().ToString().c_str(), stats.nodes);
    }
    fuzz::AbortIfBroken(first.status(), "Resolve (recorded)");
    auto again = service.Resolve(recorded, far, &stats);
    fuzz::AbortIfBroken(again.status(), "Resolve (repeated)");
    // Recording is idempotent (docs/design.md section 5): the same inputs
    // under the same policy answer the same, byte for byte.
    if (first.ok() != again.ok() ||
        (first.ok() && flyteoverride::encoding::DeterministicBytes(*first) !=
                           flyteoverride::encoding::DeterministicBytes(*again))) {
      std::fprintf(stderr, "fuzz: a repeated Resolve answered otherwise: %s / %s\n",
                   first.status().ToString().c_str(),
                   again.status().ToString().c_str());
      std::abort();
    }
    v1::GetResolvedRequest get;
    *get.mutable_execution_id() = recorded.execution_id();
    get.set_explain(true);
    fuzz::AbortIfBroken(service.GetResolved(get, &stats).status(),
                        "GetResolved");
  }

  v1::InspectWorkflowRequest inspect;
  if (server::ReadProto(bytes, limits, &inspect).ok()) {
    fuzz::AbortIfBroken(service.InspectWorkflow(inspect, &stats).status(),
                        "InspectWorkflow");
  }
  return 0;
}
