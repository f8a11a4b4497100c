#include "config/config_checks.h"

#include <algorithm>
#include <limits>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "auth/auth_config.h"
#include "policy/policy.h"

namespace flyteoverride::config::internal {
namespace {

using Driver = StorageConfig::Driver;

constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();

// Semantic checks. A problem names its key and cites the line of that key,
// else of `other`, else of its section (a key left at its default has no
// line; ValidateConfig has no lines at all).
class Checker {
 public:
  explicit Checker(const KeyLines* lines) : lines_(lines) {}

  void Run(const Config& c) {
    if (c.bind_address.empty()) {
      Add("server.bind_address", "must be an IP address or host name");
    }
    InRange("server.grpc_port", c.grpc_port, 0, 65535);
    InRange("server.http_port", c.http_port, 0, 65535);
    InRange("server.probe_port", c.probe_port, -1, 65535);
    if (c.ProbePort() != 0 &&
        (c.ProbePort() == c.http_port || c.ProbePort() == c.grpc_port)) {
      Add("server.probe_port",
          absl::StrCat("must differ from server.grpc_port and "
                       "server.http_port, got ",
                       c.ProbePort()));
    }
    InRange("server.max_connections_per_client",
            c.max_connections_per_client, 1);
    Positive("server.max_connection_age", c.max_connection_age, false);
    if (c.max_connection_age > absl::Hours(24 * 24)) {
      Add("server.max_connection_age", "must be at most 576h (gRPC takes "
                                        "milliseconds as a 32-bit number)");
    }
    if (c.grpc_port != 0 && c.grpc_port == c.http_port) {
      Add("server.http_port",
          absl::StrCat("must differ from server.grpc_port, got ", c.http_port),
          "server.grpc_port");
    }
    InRange("server.max_message_bytes", c.max_message_bytes, 1,
            std::numeric_limits<int32_t>::max());
    if (c.max_message_bytes <= std::numeric_limits<int32_t>::max()) {
      InRange("server.max_request_bytes_in_flight",
              c.max_request_bytes_in_flight, c.max_message_bytes);
    }
    InRange("server.max_request_elements", c.max_request_elements, 1);
    InRange("server.max_concurrent_calls", c.max_concurrent_calls, 1);
    InRange("server.max_queued_calls", c.max_queued_calls, 0);
    Positive("server.default_deadline", c.default_deadline, false);
    Positive("server.shutdown_grace", c.shutdown_grace, true);
    if (c.shutdown_grace > absl::Hours(1)) {
      Add("server.shutdown_grace", "must be at most 1h");
    }
    InRange("limits.max_nesting_depth", c.max_nesting_depth, 1, 1000);

    InRange("limits.max_node_instances", c.max_node_instances, 1);
    InRange("limits.max_violations", c.max_violations, 1);
    InRange("limits.max_node_id_bytes", c.max_node_id_bytes, 1);
    InRange("limits.max_path_bytes", c.max_path_bytes, 1);
    InRange("limits.max_map_entries", c.max_map_entries, 1);
    InRange("limits.max_environment_keys", c.max_environment_keys, 0);
    InRange("limits.max_task_config_depth", c.max_task_config_depth, 1);
    InRange("limits.max_task_config_bytes", c.max_task_config_bytes, 1);
    InRange("limits.max_work_units", c.max_work_units, 1);

    const TlsConfig& tls = c.tls;
    const bool cert = !tls.cert_file.empty(), key = !tls.key_file.empty();
    Requires(cert && !key, "tls.key_file", "tls.cert_file", " is");
    Requires(!cert && key, "tls.cert_file", "tls.key_file", " is");
    Requires(!cert && !tls.client_ca_file.empty(), "tls.cert_file",
             "tls.client_ca_file",
             " is (mutual TLS needs a server certificate)");

    const StorageConfig& s = c.storage;
    Requires(s.driver == Driver::kPostgres && s.postgres_dsn.empty(),
             "storage.postgres_dsn", "storage.driver", " is postgres");
    Requires(s.driver == Driver::kSqlite && s.sqlite_path.empty(),
             "storage.sqlite_path", "storage.driver", " is sqlite");
    InRange("storage.postgres_pool_size", s.postgres_pool_size, 1);
    Positive("storage.retention", s.retention, false);
    Positive("storage.purge_interval", s.purge_interval, false);
    Positive("storage.timeout", s.timeout, false);

    OneOf("logging.level", c.log_level,
          {"trace", "debug", "info", "warn", "error"});
    OneOf("logging.format", c.log_format, {"text", "json"});
    Auth(c);
  }

  std::vector<Located> problems;

 private:
  void Auth(const Config& c) {
    for (const auth::AuthProblem& problem : auth::ValidateAuth(c.auth)) {
      Add(problem.key, problem.message);
    }
    if (c.auth.enabled && !c.auth.jwt && !c.tls.mutual()) {
      Add("auth",
          "no caller could prove who it is: set auth.jwt, or "
          "tls.client_ca_file for mutual TLS");
    }
    if (!c.secret_environment.empty() && !c.auth.enabled) {
      Add("secret_environment",
          "needs an auth section: without one no caller is known, so the "
          "values would be hidden from propeller too (give its rule "
          "reveal_secrets: true)");
    }
    for (size_t i = 0; i < c.secret_environment.size(); ++i) {
      std::string bad = policy::EnvironmentGlobProblem(c.secret_environment[i]);
      if (!bad.empty()) Add(absl::StrCat("secret_environment[", i, "]"), bad);
    }
  }

  void Add(const std::string& key, absl::string_view message,
           const std::string& other = "") {
    // Cite the most precise line the file gives: the key's, else `other`'s,
    // else the nearest enclosing key's ("auth.rules[2]", then "auth").
    std::vector<std::string> candidates;
    for (size_t i = 0; i < key.size(); ++i) {
      if (key[i] == '.' || key[i] == '[')
        candidates.push_back(key.substr(0, i));
    }
    candidates.push_back(other);
    candidates.push_back(key);
    int line = 0;  // the last of these the file sets
    for (const std::string& at : candidates) {
      if (lines_ != nullptr && lines_->contains(at)) line = lines_->at(at);
    }
    problems.push_back({line, absl::StrCat(key, ": ", message)});
  }
  void InRange(const char* key, int64_t v, int64_t min, int64_t max = kNoMax) {
    if (v >= min && v <= max) return;
    Add(key, max == kNoMax
                 ? absl::StrCat("must be at least ", min, ", got ", v)
                 : absl::StrCat("must be ", min, "..", max, ", got ", v));
  }
  void Requires(bool missing, const char* key, const char* other,
                absl::string_view when) {
    if (!missing) return;
    Add(key, absl::StrCat("must be set when ", other, when), other);
  }
  void Positive(const char* key, absl::Duration d, bool zero_allowed) {
    const absl::Duration zero = absl::ZeroDuration();
    if (d > zero || (zero_allowed && d == zero)) return;
    Add(key,
        absl::StrCat(zero_allowed ? "must not be negative" : "must be positive",
                     ", got ", absl::FormatDuration(d)));
  }
  void OneOf(const char* key, const std::string& value,
             const std::vector<std::string>& allowed) {
    if (absl::c_linear_search(allowed, value)) return;
    Add(key, absl::StrCat("must be one of ", absl::StrJoin(allowed, ", "),
                          "; got \"", value, "\""));
  }

  const KeyLines* lines_;  // null: no lines to cite
};

}  // namespace

std::vector<Located> CheckConfig(const Config& config, const KeyLines* lines) {
  Checker check(lines);
  check.Run(config);
  return std::move(check.problems);
}

absl::Status Report(std::vector<Located> problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> texts;
  for (const auto& [line, text] : problems) {
    texts.push_back(line > 0 ? absl::StrCat("config line ", line, ": ", text)
                             : text);
  }
  return absl::InvalidArgumentError(absl::StrJoin(texts, "; "));
}

}  // namespace flyteoverride::config::internal
