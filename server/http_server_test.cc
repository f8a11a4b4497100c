// The HTTP server's own bounds, over a real socket on loopback.
#include "server/http_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

// A client that writes `prefix` at once, then one byte of `trickle` every
// `every` for as long as the server keeps the connection; returns how long
// that was, and whether the server closed it (rather than the trickle
// running out).
struct Trickled {
  absl::Duration held;
  bool closed_by_server = false;
};

Trickled Trickle(int port, const std::string& prefix, const std::string& trickle,
                 absl::Duration every) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Trickled result;
  const absl::Time start = absl::Now();
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return result;
  }
  send(fd, prefix.data(), prefix.size(), MSG_NOSIGNAL);
  for (char c : trickle) {
    absl::SleepFor(every);
    // The server's close shows as a failed send or a read of end of stream.
    char buffer[4096];
    const ssize_t read = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (read == 0 || send(fd, &c, 1, MSG_NOSIGNAL) != 1) {
      result.closed_by_server = true;
      break;
    }
  }
  result.held = absl::Now() - start;
  close(fd);
  return result;
}

HttpServerOptions Timeouts() {
  HttpServerOptions options;
  options.idle_timeout_seconds = 30;  // far: only the absolute limits act
  options.header_timeout = absl::Milliseconds(800);
  options.body_timeout = absl::Milliseconds(800);
  return options;
}

absl::StatusOr<std::unique_ptr<HttpServer>> Ok(const HttpServerOptions& options) {
  return HttpServer::Start(options, [](const HttpRequest&) {
    return HttpResponse{200, "text/plain", "ok"};
  });
}

// Headers sent a byte every 100 ms never go idle, yet the connection goes
// when the header time is up.
TEST(HttpServer, HeadersTrickledPastTheirTimeCloseTheConnection) {
  auto server = Ok(Timeouts());
  ASSERT_TRUE(server.ok()) << server.status();
  const Trickled trickled =
      Trickle((*server)->port(), "GET /x HTTP/1.1\r\n",
              std::string(100, 'a'), absl::Milliseconds(100));
  EXPECT_TRUE(trickled.closed_by_server);
  EXPECT_GE(trickled.held, absl::Milliseconds(700));
  EXPECT_LT(trickled.held, absl::Seconds(3));
}

TEST(HttpServer, ABodyTrickledPastItsTimeClosesTheConnection) {
  auto server = Ok(Timeouts());
  ASSERT_TRUE(server.ok()) << server.status();
  const Trickled trickled = Trickle(
      (*server)->port(),
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
      std::string(100, 'a'), absl::Milliseconds(100));
  EXPECT_TRUE(trickled.closed_by_server);
  EXPECT_LT(trickled.held, absl::Seconds(3));
}

// On a kept-alive connection the next request's headers are timed from the
// previous answer.
TEST(HttpServer, TheNextHeadersOfAKeptAliveConnectionAreTimedToo) {
  auto server = Ok(Timeouts());
  ASSERT_TRUE(server.ok()) << server.status();
  const Trickled trickled = Trickle(
      (*server)->port(), "GET /x HTTP/1.1\r\nHost: x\r\n\r\nGET /y HTTP/1.1\r\n",
      std::string(100, 'a'), absl::Milliseconds(100));
  EXPECT_TRUE(trickled.closed_by_server);
  EXPECT_LT(trickled.held, absl::Seconds(3));
}

// Within their times, slow headers and a slow body are answered.
TEST(HttpServer, RequestsWithinTheirTimesAreAnswered) {
  HttpServerOptions options = Timeouts();
  options.header_timeout = absl::Seconds(5);
  options.body_timeout = absl::Seconds(5);
  auto server = Ok(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const Trickled trickled = Trickle(
      (*server)->port(), "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n",
      "\r\nabcde", absl::Milliseconds(100));
  EXPECT_FALSE(trickled.closed_by_server);
}

}  // namespace
}  // namespace flyteoverride::server
