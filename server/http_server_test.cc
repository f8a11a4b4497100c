// The HTTP server's own bounds, over a real socket on loopback.
#include "server/http_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

// Sends `requests` on one connection and reads until the server closes it
// (or 5 s pass).
std::string Exchange(int port, const std::string& requests) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(fd, requests.data(), requests.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(requests.size())) {
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[4096];
    for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;)
      answer.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

// One kept-alive connection carries a bounded number of requests: the last
// is answered with "Connection: close", and the connection ends there.
TEST(HttpServer, AConnectionCarriesABoundedNumberOfRequests) {
  HttpServerOptions options;
  options.max_requests_per_connection = 3;
  auto server = HttpServer::Start(
      options, [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok"}; });
  ASSERT_TRUE(server.ok()) << server.status();
  std::string requests;
  for (int i = 0; i < 5; ++i)
    absl::StrAppend(&requests, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string answer = Exchange((*server)->port(), requests);
  EXPECT_EQ(Count(answer, "HTTP/1.1 200"), 3u) << answer;
  EXPECT_EQ(Count(answer, "Connection: close"), 1u) << answer;
}

}  // namespace
}  // namespace flyteoverride::server
