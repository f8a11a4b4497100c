// The load benchmark's references, served beside the API only in the
// benchmark. The floor reads a ResolveRequest as the service reads it and
// answers nothing; ParseAndAnswer reads the same way and answers as many
// bytes as Resolve's answer (set per size before its case runs), so the
// service's own work can be told from the transport's.
#ifndef FLYTEOVERRIDE_BENCH_FLOOR_SERVICE_H_
#define FLYTEOVERRIDE_BENCH_FLOOR_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/arena.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/support/slice.h"

namespace flyteoverride::bench {

inline constexpr char kFloor[] = "/flyteoverride.bench.Floor/Parse";
inline constexpr char kFloorAnswer[] =
    "/flyteoverride.bench.Floor/ParseAndAnswer";

// `bytes` read as the service reads a request: on `arena`, its elements
// counted, then parsed. Null when they do not parse.
v1::ResolveRequest* ReadRequest(absl::string_view bytes,
                                google::protobuf::Arena* arena);

// CPU that handlers' threads have spent so far, and their calls.
struct HandlerCpu {
  double seconds = 0;
  int64_t calls = 0;

  HandlerCpu operator-(const HandlerCpu& earlier) const {
    return {seconds - earlier.seconds, calls - earlier.calls};
  }
};

class FloorService final : public grpc::Service {
 public:
  FloorService();

  // Not while calls run: set between cases.
  void SetAnswer(std::string bytes) { answer_ = std::move(bytes); }

  // The CPU its handlers' threads have spent so far, and the calls: the
  // floor's counterpart of the server's own
  // override_resolver_call_cpu_seconds.
  HandlerCpu handler_cpu() const {
    return {cpu_ns_.load() * 1e-9, calls_.load()};
  }

 private:
  void Add(const char* method, grpc::Slice (*answer)(const FloorService&));

  std::string answer_;
  std::atomic<int64_t> cpu_ns_{0};
  std::atomic<int64_t> calls_{0};
};

}  // namespace flyteoverride::bench

#endif  // FLYTEOVERRIDE_BENCH_FLOOR_SERVICE_H_
