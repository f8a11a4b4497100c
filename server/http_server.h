// A small HTTP/1.1 server over GNU libmicrohttpd: bounded request bodies,
// connection limits and timeouts, one handler for every request.
#ifndef FLYTEOVERRIDE_SERVER_HTTP_SERVER_H_
#define FLYTEOVERRIDE_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

struct MHD_Daemon;

namespace flyteoverride::server {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  // (lowercase name, value) of the headers HttpServerOptions::headers names.
  std::vector<std::pair<std::string, std::string>> headers;
  // Over mutual TLS: the client's certificate, verified against the client
  // CA, as PEM.
  std::string peer_certificate_pem;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  int retry_after_seconds = 0;  // a Retry-After header when positive
  std::string www_authenticate;  // a WWW-Authenticate header when set
  bool close_connection = false;  // "Connection: close", then close
  // Further header lines, as (name, value).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0 picks a free port
  size_t max_body_bytes = 64 << 20;
  // Request bodies held at once, all connections together: a body that
  // would pass it is refused (503, Retry-After) before it is read, so
  // memory is admitted before it is spent.
  size_t max_body_bytes_in_flight = 256 << 20;
  int threads = 4;
  int max_connections = 256;
  // Open connections from one client address: a few clients cannot take
  // every connection (0: no limit).
  int max_connections_per_client = 0;
  int idle_timeout_seconds = 30;
  // A request's headers must arrive whole within this of the connection's
  // start (or of the previous answer on a kept-alive connection), and its
  // body within body_timeout of its headers, however steadily they trickle:
  // past either the connection is closed. The idle timeout alone lets a
  // client that sends a byte now and then hold a connection for ever.
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(30);
  // Requests one kept-alive connection may carry; the last is answered
  // with "Connection: close", so that one client cannot hold a connection
  // (and its share of the limits) for ever.
  int max_requests_per_connection = 1000;
  // Request headers handed to the handler (lowercase names); others are
  // not read.
  std::vector<std::string> headers;
  // HTTPS when set (PEM text, not paths). With a client CA too, every
  // request must come with a client certificate it signed: others are
  // answered 401 before the handler runs.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_client_ca_pem;
};

struct Exchange;    // one request's state (http_server.cc)
struct Connection;  // one connection's state (http_server.cc)

// Handlers run on the server's threads, concurrently: they must be
// thread-safe. Start, then Stop (or destroy) from one thread.
class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, Handler handler);
  ~HttpServer();

  int port() const { return port_; }
  // Stops accepting and closes connections; idempotent.
  void Stop();

 private:
  HttpServer(const HttpServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)) {}

  friend struct HttpCallbacks;
  // Takes `bytes` of the in-flight budget for `exchange`'s body; false when
  // that would pass it.
  bool Reserve(size_t bytes, Exchange* exchange);
  // Until Stop: every tick, cuts the connections whose headers or body are
  // past their time.
  void Sweep();
  const HttpServerOptions options_;
  const Handler handler_;
  std::atomic<size_t> body_bytes_in_flight_{0};
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
  absl::Mutex connections_mu_;
  absl::flat_hash_set<Connection*> connections_
      ABSL_GUARDED_BY(connections_mu_);
  absl::Notification stopping_;
  std::thread sweeper_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_HTTP_SERVER_H_
