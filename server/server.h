// Builds and runs the service from a Config: storage checked, gRPC (with
// health and reflection) and HTTP listening; and shuts it down gracefully.
#ifndef FLYTEOVERRIDE_SERVER_SERVER_H_
#define FLYTEOVERRIDE_SERVER_SERVER_H_

#include <atomic>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "server/admission.h"
#include "server/authorizer.h"
#include "server/call_runner.h"
#include "config/config.h"
#include "server/grpc_service.h"
#include "server/http_api.h"
#include "server/metrics.h"
#include "server/override_service.h"
#include "server/policy_holder.h"
#include "server/purger.h"
#include "storage/store.h"

namespace flyteoverride::server {

// The options a server runs its OverrideService with, from its config:
// limits, retention, the rewrite's. The server adds its policy and its stop
// flag; benchmarks use the same options for the in-process reference.
ServiceOptions ServiceOptionsFor(const config::Config& config);

// Start, then Shutdown once, from one thread.
class Server {
 public:
  // Serving (health SERVING, /readyz 200) once storage answers.
  // `extra_services` (which must outlive the server) are served beside the
  // API on the gRPC port: benchmarks register their reference methods so.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const config::Config& config, std::unique_ptr<storage::Store> store,
      const std::vector<grpc::Service*>& extra_services = {});
  ~Server();

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  int probe_port() const { return probe_port_; }
  // The policy in force, for a ConfigReloader to swap; the metrics registry,
  // for components started beside the server.
  PolicyHolder* policy() { return &policy_; }
  Registry* registry() { return &registry_; }

  // Re-reads auth.jwt's key file (SIGHUP); a file that fails keeps the keys
  // in use, and is logged.
  void ReloadKeys();

  // Health and /readyz turn NOT_SERVING, new calls are refused, in-flight
  // calls get up to the configured grace period, then everything stops.
  void Shutdown();

 private:
  Server(const config::Config& config, std::unique_ptr<storage::Store> store,
         std::unique_ptr<Authorizer> authorizer);

  const config::Config config_;
  std::unique_ptr<storage::Store> store_;
  Registry registry_;
  PolicyHolder policy_;
  Admission admission_;
  std::atomic<bool> serving_{false};
  // 1 while serving and the last /readyz found storage answering.
  Gauge* ready_ = nullptr;
  std::atomic<bool> stop_all_{false};  // the shutdown grace has passed
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<OverrideService> service_;
  std::unique_ptr<CallRunner> runner_;
  std::unique_ptr<GrpcService> grpc_service_;
  std::unique_ptr<HttpApi> http_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<Purger> purger_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  int probe_port_ = 0;
  bool stopped_ = false;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_SERVER_H_
