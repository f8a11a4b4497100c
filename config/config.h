// The server's configuration: one YAML file, parsed and validated at start,
// before any socket or database opens (docs/design.md sections 7 and 8). Every key
// has a default, so the server also starts with no file. The keys, their
// types, defaults and meaning are documented in docs/configuration.md.
//
// Parsing and validation are pure functions: text in, Config or every
// problem out. No exception escapes (yaml-cpp's are caught).
#ifndef FLYTEOVERRIDE_CONFIG_CONFIG_H_
#define FLYTEOVERRIDE_CONFIG_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/auth_config.h"
#include "policy/policy.h"

namespace flyteoverride::config {

// TLS for the gRPC and HTTP listeners. Off when cert_file is empty; mutual
// TLS (clients must present a certificate signed by client_ca_file, others
// are refused) when client_ca_file is set too. Paths are not opened here.
struct TlsConfig {
  std::string cert_file;       // PEM server certificate chain
  std::string key_file;        // PEM private key of cert_file
  std::string client_ca_file;  // PEM CA bundle; set = mutual TLS

  bool enabled() const { return !cert_file.empty(); }
  bool mutual() const { return enabled() && !client_ca_file.empty(); }
};

struct StorageConfig {
  enum class Driver { kMemory, kSqlite, kPostgres };

  Driver driver = Driver::kSqlite;
  std::string sqlite_path = "override-resolver.db";
  // libpq connection string; TLS to the database is asked for here
  // (sslmode=verify-full sslrootcert=...).
  std::string postgres_dsn;
  int postgres_pool_size = 8;
  absl::Duration retention = absl::Hours(24 * 30);  // record lifetime
  absl::Duration purge_interval = absl::Minutes(10);
  absl::Duration timeout = absl::Seconds(5);  // per storage operation
};

// "memory", "sqlite" or "postgres".
absl::string_view DriverName(StorageConfig::Driver driver);

struct Config {
  std::string bind_address = "127.0.0.1";
  // Binding beyond loopback with neither TLS nor auth is refused unless
  // this is set (a service mesh terminates mutual TLS in front).
  bool allow_insecure_remote = false;
  int grpc_port = 8089;  // 0 = pick a free port (logged at start)
  int http_port = 8090;  // 0 = pick a free port (logged at start)
  // /healthz, /readyz and /metrics only, on threads API calls never hold.
  // Unset (-1): 8091, or 0 when http_port is 0 (tests, several servers).
  int probe_port = -1;
  // Open HTTP API connections from one client address.
  int max_connections_per_client = 64;
  // gRPC connections are closed (gracefully) after this long, so that
  // long-lived clients rebalance over replicas.
  absl::Duration max_connection_age = absl::Minutes(30);
  int ProbePort() const {
    return probe_port >= 0 ? probe_port : (http_port == 0 ? 0 : 8091);
  }
  // Largest request accepted, in bytes; gRPC takes an int, so at most 2^31-1.
  int64_t max_message_bytes = 64 << 20;
  // Request bytes held at once, gRPC and HTTP each: memory is admitted
  // before it is spent (docs/operations.md, "Memory").
  int64_t max_request_bytes_in_flight = 256 << 20;
  // Fields, members and items parsing may build from one request, counted
  // before the parse: each costs far more memory than its bytes.
  int64_t max_request_elements = 2'000'000;
  int max_nesting_depth = 64;  // sub-workflow, branch and array nesting
  int max_node_instances = 2'000'000;
  int max_violations = 100;  // reported per call; the rest summed up
  // Bounds on one request's work (docs/operations.md, "Limits").
  int64_t max_node_id_bytes = 1024;
  int64_t max_path_bytes = 32 << 20;  // every instance's node path, summed
  int64_t max_map_entries = 10'000;   // hooks in one override map
  int64_t max_environment_keys = 1000;  // in one override document
  int max_task_config_depth = 32;
  int64_t max_task_config_bytes = 1 << 20;
  int64_t max_work_units = 200'000'000;  // nodes visited and leaves merged
  // Calls running at once, and waiting beyond those; beyond both a call is
  // refused with RESOURCE_EXHAUSTED.
  int max_concurrent_calls = 32;
  int max_queued_calls = 64;
  // For calls that arrive without a deadline.
  absl::Duration default_deadline = absl::Seconds(30);
  // How long in-flight calls may run after SIGTERM / SIGINT.
  absl::Duration shutdown_grace = absl::Seconds(20);
  std::string log_level = "info";   // trace|debug|info|warn|error
  std::string log_format = "text";  // text|json
  TlsConfig tls;
  StorageConfig storage;
  // rewrite_closure: refuse overrides that need a copy of a task template
  // (a copy changes the task's identity, and so Flyte's cache keys).
  bool forbid_task_copies = false;
  // Operator policy by scope (docs/policy.md); empty: no rules. The only
  // part a reload applies without a restart.
  policy::PolicySet policy;
  // Who may call what (auth/rules.h). Without an `auth:` section, every
  // caller may call every RPC.
  auth::AuthConfig auth;
  // Environment keys (globs) whose values the API shows as "<redacted>" to
  // callers whose rule does not reveal secrets. Needs `auth`.
  std::vector<std::string> secret_environment;
};

// Parses and validates YAML text; an empty text (or only comments) gives the
// defaults. Errors are INVALID_ARGUMENT naming the key path and the line
// (1-based), every problem found, in line order, joined by "; ", e.g.
//   config line 7: server.grpc_port: must be 0..65535, got 70000
//   config line 3: unknown key "sever" (did you mean "server"?)
// The `policy` section is read by server/policy_config.h, as strictly.
absl::StatusOr<Config> ParseConfig(absl::string_view yaml);

// Reads the file and parses it; every error message starts with the path.
// NOT_FOUND / PERMISSION_DENIED / ... when the file cannot be read.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// Semantic checks independent of YAML, for a Config however it was built
// (main.cc runs it again after flags override keys): port ranges, positive
// sizes and durations, TLS files in pairs, a DSN for postgres, known log
// level and format, the auth rules (auth::ValidateAuth), a way to identify
// callers when auth is on (a JWT issuer or mutual TLS), and auth for
// secret_environment. INVALID_ARGUMENT with every problem, each naming its key
// path ("server.grpc_port: must be 0..65535, got 70000"), joined by "; ".
absl::Status ValidateConfig(const Config& config);

}  // namespace flyteoverride::config

#endif  // FLYTEOVERRIDE_CONFIG_CONFIG_H_
