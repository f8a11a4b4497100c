// http_body_fuzzer: arbitrary bytes as the body of POST /v1/inspect,
// POST /v1/resolve and POST /v1/resolve-dynamic, in that order, routed by
// HttpApi::Handle as the HTTP port would route them (no socket): the JSON
// depth check, the strict member check, the closure unwrapping, the service
// behind it and the JSON answer, the rewritten closure's overlay included.
// One body cannot both record an execution (/v1/resolve refuses the member
// parentNodePath) and resolve under it, so each input starts with execution
// p/d/e recorded from fuzz::SmallClosure(): a body naming it and parent node
// n0 or n1 reaches the dynamic resolve.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "fuzz/fuzz_util.h"
#include "server/admission.h"
#include "server/call_runner.h"
#include "server/http_api.h"
#include "server/logging.h"
#include "server/metrics.h"
#include "server/override_service.h"
#include "storage/memory_store.h"

namespace fuzz = flyteoverride::fuzz;
namespace server = flyteoverride::server;
namespace v1 = flyteoverride::v1;

namespace {

server::ServiceOptions Options() {
  server::ServiceOptions options;
  fuzz::BoundWork(&options.limits);
  return options;
}

// The server's parts for one input, so no record or metric outlives it.
struct Api {
  server::Registry registry;
  server::Admission admission{1, 0};
  flyteoverride::storage::MemoryStore store;
  server::OverrideService service{Options(), &store};
  // A far default deadline: a slow input is libFuzzer's -timeout to judge,
  // not a 504.
  server::CallRunner runner{&registry, &admission, absl::Hours(24)};
  std::atomic<bool> serving{true};
  // No auth section: every call let through, as by default.
  std::unique_ptr<server::Authorizer> authorizer =
      server::Authorizer::Create({}, {}).value();
  server::Gauge ready;
  server::HttpApi api{&service, &runner, &registry, &serving, &ready,
                      authorizer.get()};

  Api() {
    v1::ResolveRequest request;
    request.mutable_execution_id()->set_project("p");
    request.mutable_execution_id()->set_domain("d");
    request.mutable_execution_id()->set_name("e");
    *request.mutable_closure() = fuzz::SmallClosure();
    (*request.mutable_execution_overrides())["train"].set_retries(2);
    server::CallStats stats;
    if (!service.Resolve(request, absl::InfiniteFuture(), &stats).ok()) {
      std::fprintf(stderr, "fuzz: the small closure did not resolve\n");
      std::abort();  // the fuzz target itself is wrong
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // One log line per call would bury libFuzzer's output.
  (void)server::SetUpLogging("off", "text");
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > fuzz::kMaxInputBytes) return 0;
  Api api;
  server::HttpRequest request;
  request.method = "POST";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  for (const char* path : {"/v1/inspect", "/v1/resolve", "/v1/resolve-dynamic"}) {
    request.path = path;
    const server::HttpResponse response = api.api.Handle(request);
    // FO_FUZZ_DEBUG=1: how far each route got, to judge seeds by.
    static const bool debug = std::getenv("FO_FUZZ_DEBUG") != nullptr;
    if (debug) {
      std::fprintf(stderr, "POST %s: %d %.300s\n", path, response.status,
                   response.body.c_str());
    }
    // 500 is INTERNAL or UNKNOWN: the server broke (fuzz_util.h).
    if (response.status == 500) {
      std::fprintf(stderr, "fuzz: POST %s answered 500: %s\n", path,
                   response.body.c_str());
      std::abort();
    }
  }
  return 0;
}
