#include "server/http_server.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace flyteoverride::server {

// Per-request state, from the first callback of a request to its completion.
struct Exchange {
  HttpRequest request;
  bool too_large = false;
  bool at_capacity = false;
  bool refused = false;  // no client certificate of the client CA
  size_t reserved = 0;  // bytes of the in-flight budget this body holds
};

// Per-connection state, from accept to close: the connection's socket
// context.
struct Connection {
  int requests = 0;  // answered or being answered
  int fd = -1;
  sockaddr_storage peer{};
  socklen_t peer_size = 0;
  // When the headers or body now awaited are late (Unix nanoseconds);
  // infinite while a handler runs or the answer is sent.
  std::atomic<int64_t> deadline{0};
  bool cut = false;  // the sweeper shut its socket down (connections_mu_)

  void Await(absl::Duration timeout) {
    deadline = timeout == absl::InfiniteDuration()
                   ? std::numeric_limits<int64_t>::max()
                   : absl::ToUnixNanos(absl::Now() + timeout);
  }
};

namespace {

Connection* ConnectionOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(
      connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info == nullptr ? nullptr
                         : static_cast<Connection*>(info->socket_context);
}

// The client certificate of a TLS connection as PEM, once GnuTLS has
// verified it against the trusted client CA (chain, dates); empty when
// there is none or it does not verify. libmicrohttpd asks for the
// certificate but leaves judging it to the application.
std::string VerifiedClientCertificate(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(
      connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (info == nullptr || info->tls_session == nullptr) return "";
  auto session = static_cast<gnutls_session_t>(info->tls_session);
  unsigned int status = 0;
  unsigned int count = 0;
  if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS ||
      status != 0) {
    return "";
  }
  const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
  if (chain == nullptr || count == 0) return "";
  gnutls_x509_crt_t certificate;
  if (gnutls_x509_crt_init(&certificate) != GNUTLS_E_SUCCESS) return "";
  std::string pem;
  gnutls_datum_t out{};
  if (gnutls_x509_crt_import(certificate, &chain[0], GNUTLS_X509_FMT_DER) ==
          GNUTLS_E_SUCCESS &&
      gnutls_x509_crt_export2(certificate, GNUTLS_X509_FMT_PEM, &out) ==
          GNUTLS_E_SUCCESS) {
    pem.assign(reinterpret_cast<const char*>(out.data), out.size);
    gnutls_free(out.data);
  }
  gnutls_x509_crt_deinit(certificate);
  return pem;
}

// True when `fd` is still the socket `connection` was accepted on: the
// sweeper runs beside the server's threads, and a descriptor closed there
// may already name a newer connection.
bool SamePeer(const Connection& connection) {
  sockaddr_storage peer{};
  socklen_t size = sizeof peer;
  return getpeername(connection.fd, reinterpret_cast<sockaddr*>(&peer),
                     &size) == 0 &&
         size == connection.peer_size &&
         std::memcmp(&peer, &connection.peer, size) == 0;
}

}  // namespace

struct HttpCallbacks {
  static int CollectQuery(void* cls, MHD_ValueKind, const char* key,
                          const char* value) {
    static_cast<HttpRequest*>(cls)->query[key] = value == nullptr ? "" : value;
    return MHD_YES;
  }

  // Keeps each connection's state (its socket context) where the sweeper
  // finds it.
  static void Connections(void* cls, MHD_Connection* connection,
                          void** socket_context,
                          MHD_ConnectionNotificationCode code) {
    auto* server = static_cast<HttpServer*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      auto* state = new Connection();
      if (const MHD_ConnectionInfo* fd = MHD_get_connection_info(
              connection, MHD_CONNECTION_INFO_CONNECTION_FD)) {
        state->fd = fd->connect_fd;
        state->peer_size = sizeof state->peer;
        if (getpeername(state->fd, reinterpret_cast<sockaddr*>(&state->peer),
                        &state->peer_size) != 0) {
          state->fd = -1;
        }
      }
      state->Await(server->options_.header_timeout);
      *socket_context = state;
      absl::MutexLock lock(&server->connections_mu_);
      server->connections_.insert(state);
      return;
    }
    auto* state = static_cast<Connection*>(*socket_context);
    {
      absl::MutexLock lock(&server->connections_mu_);
      server->connections_.erase(state);
    }
    delete state;
    *socket_context = nullptr;
  }

  // True when this request is the last the connection may carry.
  static bool LastOnConnection(MHD_Connection* connection, int max_requests) {
    Connection* state = ConnectionOf(connection);
    return state != nullptr && ++state->requests >= max_requests;
  }

  static MHD_Result Send(MHD_Connection* connection,
                         const HttpResponse& reply) {
    MHD_Response* response = MHD_create_response_from_buffer(
        reply.body.size(), const_cast<char*>(reply.body.data()),
        MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            reply.content_type.c_str());
    if (reply.close_connection) {
      MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    if (!reply.www_authenticate.empty()) {
      MHD_add_response_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                              reply.www_authenticate.c_str());
    }
    if (reply.retry_after_seconds > 0) {
      MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER,
                              std::to_string(reply.retry_after_seconds).c_str());
    }
    for (const auto& [name, value] : reply.headers) {
      MHD_add_response_header(response, name.c_str(), value.c_str());
    }
    const MHD_Result result =
        MHD_queue_response(connection, reply.status, response);
    MHD_destroy_response(response);
    return result;
  }

  // libmicrohttpd calls this once with no data, then once per body chunk,
  // then once more with none left: then the request is complete.
  static MHD_Result Access(void* cls, MHD_Connection* connection,
                           const char* url, const char* method, const char*,
                           const char* upload_data, size_t* upload_data_size,
                           void** state) {
    auto* server = static_cast<HttpServer*>(cls);
    if (*state == nullptr) {
      auto* exchange = new Exchange();
      exchange->request.method = method;
      exchange->request.path = url;
      MHD_get_connection_values(
          connection, MHD_GET_ARGUMENT_KIND,
          reinterpret_cast<MHD_KeyValueIterator>(&CollectQuery),
          &exchange->request);
      if (!server->options_.tls_client_ca_pem.empty()) {
        exchange->request.peer_certificate_pem =
            VerifiedClientCertificate(connection);
        if (exchange->request.peer_certificate_pem.empty())
          exchange->refused = true;
      }
      for (const std::string& name : server->options_.headers) {
        if (const char* value = MHD_lookup_connection_value(
                connection, MHD_HEADER_KIND, name.c_str())) {
          exchange->request.headers.emplace_back(name, value);
        }
      }
      *state = exchange;
      if (Connection* open = ConnectionOf(connection))
        open->Await(server->options_.body_timeout);
      // A declared length is judged before a byte of the body is read. The
      // in-flight budget is taken as bytes arrive, so that a client that
      // declares much and sends little holds only what it sent.
      if (const char* length = MHD_lookup_connection_value(
              connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        size_t declared = 0;
        if (absl::SimpleAtoi(length, &declared) &&
            declared > server->options_.max_body_bytes) {
          return Send(connection, TooLarge(server->options_));
        }
      }
      return MHD_YES;
    }
    auto* exchange = static_cast<Exchange*>(*state);
    if (*upload_data_size > 0) {
      // Over a limit, the rest is read and dropped: memory stays bounded.
      const size_t size = exchange->request.body.size() + *upload_data_size;
      if (size > server->options_.max_body_bytes) {
        exchange->too_large = true;
      } else if (size > exchange->reserved &&
                 !server->Reserve(size - exchange->reserved, exchange)) {
        exchange->at_capacity = true;  // a body of undeclared length
      }
      if (exchange->too_large || exchange->at_capacity) {
        exchange->request.body.clear();
      } else {
        exchange->request.body.append(upload_data, *upload_data_size);
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (Connection* open = ConnectionOf(connection))
      open->Await(absl::InfiniteDuration());  // answering is not the client's
    if (exchange->refused) return Send(connection, NoClientCertificate());
    if (exchange->at_capacity) return Send(connection, AtCapacity());
    if (exchange->too_large) return Send(connection, TooLarge(server->options_));
    HttpResponse reply = server->handler_(exchange->request);
    reply.close_connection = LastOnConnection(
        connection, server->options_.max_requests_per_connection);
    return Send(connection, reply);
  }

  static HttpResponse TooLarge(const HttpServerOptions& options) {
    return {413, "application/json",
            absl::StrCat(
                R"({"code":8,"status":"RESOURCE_EXHAUSTED","message":"the body )",
                R"(is larger than the server's limit of )",
                options.max_body_bytes, R"( bytes"})")};
  }

  static HttpResponse NoClientCertificate() {
    return {401, "application/json",
            R"({"code":16,"status":"UNAUTHENTICATED","message":"mutual TLS: )"
            R"(present a client certificate the server's client CA signed"})"};
  }

  static HttpResponse AtCapacity() {
    return {503, "application/json",
            R"({"code":14,"status":"UNAVAILABLE","message":"the server holds )"
            R"(as many request bodies as it admits; retry with backoff"})",
            1};
  }

  static void Completed(void* cls, MHD_Connection* connection, void** state,
                        MHD_RequestTerminationCode) {
    auto* server = static_cast<HttpServer*>(cls);
    auto* exchange = static_cast<Exchange*>(*state);
    if (exchange != nullptr) server->body_bytes_in_flight_ -= exchange->reserved;
    // A kept-alive connection's next headers are timed from here.
    if (Connection* open = ConnectionOf(connection))
      open->Await(server->options_.header_timeout);
    delete exchange;
    *state = nullptr;
  }
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, Handler handler) {
  std::unique_ptr<HttpServer> server(
      new HttpServer(options, std::move(handler)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(options.port));
  if (inet_pton(AF_INET, options.address.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HTTP bind address \"", options.address, "\" is not an IPv4 address"));
  }
  // One thread is the polling thread itself: a pool of one is refused with
  // a warning. The TLS texts are the server's own copies, which outlive the
  // daemon.
  std::vector<MHD_OptionItem> extra;
  if (options.threads > 1) {
    extra.push_back({MHD_OPTION_THREAD_POOL_SIZE, options.threads, nullptr});
  }
  unsigned int flags =
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (!options.tls_cert_pem.empty()) {
    flags |= MHD_USE_TLS;
    extra.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0,
                     const_cast<char*>(server->options_.tls_key_pem.c_str())});
    extra.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0,
                     const_cast<char*>(server->options_.tls_cert_pem.c_str())});
    if (!options.tls_client_ca_pem.empty()) {
      extra.push_back({MHD_OPTION_HTTPS_MEM_TRUST, 0,
                       const_cast<char*>(server->options_.tls_client_ca_pem.c_str())});
    }
  }
  extra.push_back({MHD_OPTION_END, 0, nullptr});
  server->daemon_ = MHD_start_daemon(
      flags, static_cast<uint16_t>(options.port), nullptr, nullptr,
      &HttpCallbacks::Access, server.get(), MHD_OPTION_SOCK_ADDR, &address,
      MHD_OPTION_ARRAY, extra.data(),
      MHD_OPTION_CONNECTION_LIMIT,
      static_cast<unsigned>(options.max_connections),
      MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      static_cast<unsigned>(options.max_connections_per_client),
      MHD_OPTION_CONNECTION_TIMEOUT,
      static_cast<unsigned>(options.idle_timeout_seconds),
      MHD_OPTION_NOTIFY_COMPLETED, &HttpCallbacks::Completed, server.get(),
      MHD_OPTION_NOTIFY_CONNECTION, &HttpCallbacks::Connections, server.get(),
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for HTTP on ", options.address, ":", options.port));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : options.port;
  server->sweeper_ = std::thread([raw = server.get()] { raw->Sweep(); });
  return server;
}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Reserve(size_t bytes, Exchange* exchange) {
  size_t held = body_bytes_in_flight_.load();
  do {
    if (held + bytes > options_.max_body_bytes_in_flight) return false;
  } while (!body_bytes_in_flight_.compare_exchange_weak(held, held + bytes));
  exchange->reserved += bytes;
  return true;
}

void HttpServer::Sweep() {
  // Often enough that a connection goes within a small part of its timeout.
  const absl::Duration tick = std::clamp(
      std::min(options_.header_timeout, options_.body_timeout) / 20,
      absl::Milliseconds(10), absl::Milliseconds(500));
  while (!stopping_.WaitForNotificationWithTimeout(tick)) {
    const int64_t now = absl::ToUnixNanos(absl::Now());
    absl::MutexLock lock(&connections_mu_);
    for (Connection* connection : connections_) {
      if (connection->cut || connection->fd < 0 ||
          connection->deadline.load() > now || !SamePeer(*connection)) {
        continue;
      }
      // The server's own thread sees the socket end and closes it.
      shutdown(connection->fd, SHUT_RDWR);
      connection->cut = true;
    }
  }
}

void HttpServer::Stop() {
  if (daemon_ == nullptr) return;
  stopping_.Notify();
  sweeper_.join();
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
}

}  // namespace flyteoverride::server
