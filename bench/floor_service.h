// The load benchmark's references, served beside the API only in the
// benchmark. The floor reads a ResolveRequest as the service reads it and
// answers nothing; ParseAndAnswer reads the same way and answers as many
// bytes as Resolve's answer (set per size before its case runs), so the
// service's own work can be told from the transport's.
#ifndef FLYTEOVERRIDE_BENCH_FLOOR_SERVICE_H_
#define FLYTEOVERRIDE_BENCH_FLOOR_SERVICE_H_

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/support/slice.h"
#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::bench {

inline constexpr char kFloor[] = "/flyteoverride.bench.Floor/Parse";
inline constexpr char kFloorAnswer[] =
    "/flyteoverride.bench.Floor/ParseAndAnswer";

// `bytes` read as the service reads a request: on `arena`, its elements
// counted, then parsed. Null when they do not parse.
v1::ResolveRequest* ReadRequest(absl::string_view bytes,
                                google::protobuf::Arena* arena);

class FloorService final : public grpc::Service {
 public:
  FloorService();

  // Not while calls run: set between cases.
  void SetAnswer(std::string bytes) { answer_ = std::move(bytes); }

 private:
  void Add(const char* method, grpc::Slice (*answer)(const FloorService&));

  std::string answer_;
};

}  // namespace flyteoverride::bench

#endif  // FLYTEOVERRIDE_BENCH_FLOOR_SERVICE_H_
