// The HTTP port: probes (/healthz, /readyz), /metrics, and the API as
// HTTP/JSON in the proto3 JSON mapping, over the same OverrideService.
#ifndef FLYTEOVERRIDE_SERVER_HTTP_API_H_
#define FLYTEOVERRIDE_SERVER_HTTP_API_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/authorizer.h"
#include "server/call_runner.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/override_service.h"
#include "server/request_limits.h"

namespace flyteoverride::server {

// Thread-safe routing; Start and Stop from one thread.
class HttpApi {
 public:
  // Every API call is let through by `authorizer` once its request is read.
  // Each /readyz answer is also set in `ready` (1 or 0), for alerts on
  // readiness flapping.
  HttpApi(const OverrideService* service, CallRunner* runner,
          const Registry* registry, const std::atomic<bool>* serving,
          Gauge* ready, const Authorizer* authorizer,
          const RequestLimits& limits = {})
      : service_(service),
        runner_(runner),
        registry_(registry),
        serving_(serving),
        ready_(ready),
        authorizer_(authorizer),
        limits_(limits) {}

  // Serves on `options.address:options.port`; returns the bound port.
  absl::StatusOr<int> Start(const HttpServerOptions& options);
  // Serves the probes and /metrics alone on a listener of their own, whose
  // threads API calls never hold: they answer whatever the API is doing.
  // Returns the bound port.
  absl::StatusOr<int> StartProbes(const HttpServerOptions& options);
  void Stop();

  // Routes one request; public for tests.
  HttpResponse Handle(const HttpRequest& request) const;
  // /healthz, /readyz, /metrics; nullopt for any other request.
  std::optional<HttpResponse> HandleProbe(const HttpRequest& request) const;

 private:
  template <typename Request, typename Response, typename Call>
  HttpResponse Post(const HttpRequest& http, const char* rpc, Call call) const;
  // A GET call: `read` is the outcome of reading `request` from the path
  // and query, refused inside the call so that it is counted and logged.
  template <typename Request, typename Response, typename Call>
  HttpResponse Get(const HttpRequest& http, const char* rpc,
                   const Request& request, const Outcome& read,
                   Call call) const;
  // /v1/executions/{project}/{domain} lists, .../{name} reads one.
  HttpResponse Executions(const HttpRequest& http) const;
  HttpResponse GetResolved(const HttpRequest& http,
                           const std::vector<std::string>& parts) const;
  HttpResponse ListExecutions(const HttpRequest& http,
                              const std::vector<std::string>& parts) const;

  const OverrideService* const service_;
  CallRunner* const runner_;
  const Registry* const registry_;
  const std::atomic<bool>* const serving_;
  Gauge* const ready_;
  const Authorizer* const authorizer_;
  const RequestLimits limits_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<HttpServer> probes_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_HTTP_API_H_
