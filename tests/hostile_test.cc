// A hostile client over real sockets (docs/design.md section 10): what it
// sends costs the server a bounded amount, probes answer throughout, and
// the server stays SERVING after it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::testing::HasSubstr;

// A connection that sent `bytes` and then says nothing more.
class Stalled {
 public:
  Stalled(int port, const std::string& bytes) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) ==
        0) {
      (void)!send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
  }
  ~Stalled() {
    if (fd_ >= 0) close(fd_);
  }
  Stalled(Stalled&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

 private:
  int fd_ = -1;
};

// 300 clients that send headers (and half a body) and stall cannot make the
// probes wait: they are served on a listener of their own.
TEST(Hostile, StalledConnectionsDoNotStopTheProbes) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  std::vector<Stalled> stalled;
  for (int i = 0; i < 300; ++i) {
    stalled.emplace_back(harness.http_port(),
                         i % 2 == 0
                             ? "POST /v1/resolve HTTP/1.1\r\nHost: x\r\n"
                             : "POST /v1/resolve HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 100000\r\n\r\n{\"closure\":");
  }
  const int probes = harness.server().probe_port();
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    const absl::Time start = absl::Now();
    const HttpResult result =
        HttpCall(probes, "GET", path, "", absl::Seconds(2));
    EXPECT_EQ(result.status, 200) << path << ": " << result.body;
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << path;
  }
  EXPECT_EQ(harness.Check(""), grpc::health::v1::HealthCheckResponse::SERVING);
  // The probe port serves nothing else.
  const HttpResult api = HttpCall(probes, "POST", "/v1/resolve", "{}");
  EXPECT_EQ(api.status, 404) << api.body;
  EXPECT_THAT(api.body, HasSubstr("probe port"));
}

}  // namespace
}  // namespace flyteoverride::tests
