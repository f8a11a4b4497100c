#include "bench/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flyteoverride::bench {

HttpClient::~HttpClient() {
  if (fd_ >= 0) close(fd_);
}

bool HttpClient::Connect() {
  if (fd_ >= 0) close(fd_);
  buffer_.clear();
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

int HttpClient::Post(const std::string& path, const std::string& body) {
  const std::string request = absl::StrCat(
      "POST ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
      "Content-Type: application/json\r\nContent-Length: ", body.size(),
      "\r\n\r\n", body);
  // A kept-alive connection the server closed answers nothing: once more on
  // a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !Connect()) return 0;
    if (const int status = Exchange(request); status != 0) return status;
    close(fd_);
    fd_ = -1;
  }
  return 0;
}

int HttpClient::Exchange(const std::string& request) {
  if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return 0;
  }
  char chunk[64 << 10];
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  int status = 0;
  if (buffer_.size() < 12 || !absl::SimpleAtoi(buffer_.substr(9, 3), &status))
    return 0;
  const std::string headers = absl::AsciiStrToLower(buffer_.substr(0, header_end));
  size_t length = 0;
  const size_t at = headers.find("content-length:");
  if (at != std::string::npos) {
    const size_t end = headers.find("\r\n", at);
    (void)absl::SimpleAtoi(
        absl::StripAsciiWhitespace(headers.substr(at + 15, end - at - 15)),
        &length);
  }
  const size_t total = header_end + 4 + length;
  while (buffer_.size() < total) {
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  const bool closing = headers.find("connection: close") != std::string::npos;
  buffer_.erase(0, total);
  if (closing) {
    close(fd_);
    fd_ = -1;
  }
  return status;
}

}  // namespace flyteoverride::bench
