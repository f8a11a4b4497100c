#include "server/server.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/deterministic_serialization.h"
#include "server/instrumented_store.h"
#include "server/logging.h"
#include "server/process_metrics.h"

namespace flyteoverride::server {
namespace {

constexpr char kServiceName[] = "flyteoverride.v1.OverrideResolver";

absl::StatusOr<std::string> ReadPem(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string pem;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;)
    pem.append(buffer, n);
  std::fclose(file);
  return pem;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const config::TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  auto cert = ReadPem(tls.cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(tls.key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (tls.mutual()) {
    auto ca = ReadPem(tls.client_ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace

ServiceOptions ServiceOptionsFor(const config::Config& config) {
  ServiceOptions options;
  options.limits.walk.max_depth = config.max_nesting_depth;
  options.limits.walk.max_nodes = config.max_node_instances;
  options.limits.max_violations = static_cast<size_t>(config.max_violations);
  options.limits.walk.max_node_id_bytes =
      static_cast<size_t>(config.max_node_id_bytes);
  options.limits.walk.max_path_bytes =
      static_cast<size_t>(config.max_path_bytes);
  options.limits.max_map_entries = static_cast<size_t>(config.max_map_entries);
  options.limits.documents.max_environment_keys =
      static_cast<size_t>(config.max_environment_keys);
  options.limits.documents.max_task_config_depth =
      config.max_task_config_depth;
  options.limits.documents.max_task_config_bytes =
      static_cast<size_t>(config.max_task_config_bytes);
  options.limits.max_work_units = static_cast<uint64_t>(config.max_work_units);
  // An answer that cannot be sent is refused before it is recorded.
  options.limits.max_output_bytes =
      static_cast<size_t>(config.max_message_bytes);
  options.retention = config.storage.retention;
  options.rewrite.forbid_task_copies = config.forbid_task_copies;
  return options;
}

Server::Server(const config::Config& config, std::unique_ptr<storage::Store> store,
               std::unique_ptr<Authorizer> authorizer)
    : config_(config),
      policy_(config.policy),
      admission_(config.max_concurrent_calls, config.max_queued_calls),
      authorizer_(std::move(authorizer)) {
  RegisterBuildInfo(registry_, "0.1.0", "dev");
  RegisterProcessMetrics(registry_);
  ready_ = &registry_
                .AddGauge("override_resolver_ready",
                          "1 when serving and storage answered the last "
                          "readiness check (start or /readyz), else 0.",
                          {})
                .WithLabels({});
  store_ = std::make_unique<InstrumentedStore>(std::move(store), &registry_);
  ServiceOptions options = ServiceOptionsFor(config);
  options.stop_all = &stop_all_;
  options.policy = &policy_;
  service_ = std::make_unique<OverrideService>(options, store_.get());
  runner_ = std::make_unique<CallRunner>(&registry_, &admission_,
                                         config.default_deadline);
  RequestLimits request_limits;
  // Messages nest about four levels per level of workflow nesting.
  request_limits.max_message_depth = 4 * config.max_nesting_depth + 32;
  request_limits.max_elements =
      static_cast<size_t>(config.max_request_elements);
  grpc_service_ = std::make_unique<GrpcService>(
      service_.get(), runner_.get(), authorizer_.get(), request_limits);
  http_ = std::make_unique<HttpApi>(service_.get(), runner_.get(), &registry_,
                                    &serving_, ready_, authorizer_.get(),
                                    request_limits);
}

Server::~Server() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const config::Config& config, std::unique_ptr<storage::Store> store,
    const std::vector<grpc::Service*>& extra_services) {
#ifdef NDEBUG
  // Debian builds absl with deadlock detection on, which records every Mutex
  // acquisition in a lock graph: a measurable part of a call's CPU.
  // Optimised (serving) builds turn it off; test builds keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  // Anyone who reaches a port beyond loopback could read and write every
  // record: that takes TLS, auth, or the operator's word that a mesh
  // stands in front.
  const bool loopback = config.bind_address == "127.0.0.1" ||
                        config.bind_address == "localhost" ||
                        config.bind_address == "::1";
  if (!loopback && !config.tls.enabled() && !config.auth.enabled) {
    if (!config.allow_insecure_remote) {
      return absl::FailedPreconditionError(absl::StrCat(
          "server.bind_address ", config.bind_address,
          " is reachable beyond this host, with neither tls nor auth "
          "configured; configure one, or set server.allow_insecure_remote: "
          "true when a service mesh terminates mutual TLS in front "
          "(docs/security.md)"));
    }
    LogEvent(spdlog::level::warn, "insecure remote",
             {{"bind_address", config.bind_address},
              {"reason", "server.allow_insecure_remote: plaintext, no auth"}});
  }
  auto authorizer =
      Authorizer::Create(config.auth, config.secret_environment);
  if (!authorizer.ok()) return authorizer.status();
  MakeSerializationDeterministic();
  std::unique_ptr<Server> server(
      new Server(config, std::move(store), *std::move(authorizer)));
  auto credentials = Credentials(config.tls);
  if (!credentials.ok()) return credentials.status();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      absl::StrCat(config.bind_address, ":", config.grpc_port), *credentials,
      &server->grpc_port_);
  builder.RegisterService(server->grpc_service_.get());
  for (grpc::Service* extra : extra_services) builder.RegisterService(extra);
  // gRPC shares a port with any process that asks by default: a second
  // server on the same port would start, and clients would be balanced
  // between two stores. Without it, the second start fails ("address in
  // use").
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // One connection cannot open more streams than admission would run and
  // queue (plus room for health checks, so that admission, not the
  // transport, answers overload); a client that pings without sending calls
  // is cut off (gRPC's keepalive enforcement); and connections are aged out,
  // so that clients reconnect and spread over replicas as they come and go.
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      config.max_concurrent_calls + config.max_queued_calls + 16);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             60'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(config.max_connection_age)));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(config.shutdown_grace)));
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config.max_message_bytes));
  // Threads for running and queued calls, and a few for health and reflection;
  // admission refuses the rest before they cost anything.
  grpc::ResourceQuota quota("override-resolver");
  quota.SetMaxThreads(config.max_concurrent_calls + config.max_queued_calls +
                      8);
  // gRPC's own buffers for requests being received: past this it stops
  // reading from connections, so memory is admitted before it is spent.
  quota.Resize(static_cast<size_t>(config.max_request_bytes_in_flight));
  builder.SetResourceQuota(quota);
  // gRPC's synchronous server ends a thread that finds more than MAX_POLLERS
  // threads idle and starts one when none is: at its default of 2, every
  // burst of concurrent calls creates threads and the lull after ends them,
  // a clone, stack mapping and unmapping per call under load. Keep as many
  // as may run at once.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              config.max_concurrent_calls);
  server->grpc_ = builder.BuildAndStart();
  if (server->grpc_ == nullptr || server->grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ",
                                               config.bind_address, ":",
                                               config.grpc_port));
  }
  HttpServerOptions http;
  http.address = config.bind_address;
  http.port = config.http_port;
  http.max_body_bytes = static_cast<size_t>(config.max_message_bytes);
  http.max_body_bytes_in_flight =
      static_cast<size_t>(config.max_request_bytes_in_flight);
  http.threads = 4;
  http.max_connections_per_client = config.max_connections_per_client;
  http.headers = server->authorizer_->token_headers();
  http.headers.push_back("content-type");  // JSON, or binary protobuf
  // The API speaks HTTPS with the gRPC port's certificate, and asks for a
  // client certificate of the same CA.
  if (config.tls.enabled()) {
    const std::pair<const std::string*, std::string*> files[] = {
        {&config.tls.cert_file, &http.tls_cert_pem},
        {&config.tls.key_file, &http.tls_key_pem},
        {&config.tls.client_ca_file, &http.tls_client_ca_pem}};
    for (const auto& [path, pem] : files) {
      if (path->empty()) continue;
      absl::StatusOr<std::string> text = ReadPem(*path);
      if (!text.ok()) return text.status();
      *pem = *std::move(text);
    }
  }
  // A client that sends headers (or a body) and stalls holds a connection
  // only this long.
  http.idle_timeout_seconds = 10;
  auto http_port = server->http_->Start(http);
  if (!http_port.ok()) return http_port.status();
  server->http_port_ = *http_port;
  HttpServerOptions probes;
  probes.address = config.bind_address;
  probes.port = config.ProbePort();
  probes.max_body_bytes = 4096;
  probes.threads = 1;
  probes.max_connections = 64;
  probes.max_connections_per_client = 16;  // no one client takes them all
  probes.idle_timeout_seconds = 5;
  auto probe_port = server->http_->StartProbes(probes);
  if (!probe_port.ok()) return probe_port.status();
  server->probe_port_ = *probe_port;

  if (absl::Status ready = server->service_->Ready(); !ready.ok()) {
    return absl::UnavailableError(
        absl::StrCat("storage does not answer: ", ready.message()));
  }
  server->purger_ =
      std::make_unique<Purger>(server->store_.get(), storage::Clock::Real(),
                               PurgerOptions{config.storage.purge_interval});
  auto* health = server->grpc_->GetHealthCheckService();
  health->SetServingStatus("", true);
  health->SetServingStatus(kServiceName, true);
  server->serving_ = true;
  server->ready_->Set(1);
  LogEvent(
      spdlog::level::info, "serving",
      {{"grpc", absl::StrCat(config.bind_address, ":", server->grpc_port_)},
       {"http", absl::StrCat(config.bind_address, ":", server->http_port_)},
       {"probes", absl::StrCat(config.bind_address, ":", server->probe_port_)},
       {"tls", config.tls.mutual()    ? "mutual"
               : config.tls.enabled() ? "on"
                                      : "off"}});
  return server;
}

void Server::ReloadKeys() {
  if (!config_.auth.enabled || !config_.auth.jwt.has_value()) return;
  const absl::Status reloaded = authorizer_->ReloadKeys();
  LogEvent(reloaded.ok() ? spdlog::level::info : spdlog::level::err,
           reloaded.ok() ? "jwks reloaded" : "jwks reload refused",
           {{"file", config_.auth.jwt->jwks_file},
            {"error", std::string(reloaded.message())}});
}

void Server::Shutdown() {
  if (stopped_ || grpc_ == nullptr) return;
  stopped_ = true;
  serving_ = false;
  ready_->Set(0);
  grpc_->GetHealthCheckService()->SetServingStatus(false);
  admission_.Close();
  LogEvent(spdlog::level::info, "shutting down",
           {{"in_flight", admission_.running()},
            {"grace", absl::FormatDuration(config_.shutdown_grace)}});
  // Calls still working when the grace ends are stopped through their work
  // budgets, so that the process exits within the grace plus a moment
  // whatever they were doing.
  absl::Notification drained;
  std::thread stopper([this, &drained] {
    if (!drained.WaitForNotificationWithTimeout(config_.shutdown_grace))
      stop_all_ = true;
  });
  grpc_->Shutdown(absl::ToChronoTime(absl::Now() + config_.shutdown_grace));
  http_->Stop();
  drained.Notify();
  stopper.join();
  purger_.reset();
  LogEvent(spdlog::level::info, "stopped", {});
}

}  // namespace flyteoverride::server
