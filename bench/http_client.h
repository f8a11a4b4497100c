// A keep-alive HTTP/1.1 client over loopback for the load benchmark: one
// connection, requests one after another, answers read by Content-Length.
// Reconnects when the server closes the connection.
#ifndef FLYTEOVERRIDE_BENCH_HTTP_CLIENT_H_
#define FLYTEOVERRIDE_BENCH_HTTP_CLIENT_H_

#include <string>

namespace flyteoverride::bench {

class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` as JSON; the status, or 0 when no answer came.
  int Post(const std::string& path, const std::string& body);

 private:
  bool Connect();
  int Exchange(const std::string& request);

  const int port_;
  int fd_ = -1;
  std::string buffer_;  // bytes read past the last answer
};

}  // namespace flyteoverride::bench

#endif  // FLYTEOVERRIDE_BENCH_HTTP_CLIENT_H_
