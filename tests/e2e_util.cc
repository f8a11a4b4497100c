#include "tests/e2e_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tools/inputs.h"

namespace flyteoverride::tests {
namespace {

// Milliseconds left until `end`, at least 0, for poll().
int MillisUntil(absl::Time end) {
  const int64_t ms = absl::ToInt64Milliseconds(end - absl::Now());
  return ms < 0 ? 0 : static_cast<int>(ms);
}

// Appends one chunk read from `fd` to `out`, waiting for it until `end`;
// false at EOF or on error (true when nothing came in time).
bool ReadSome(int fd, std::string* out, absl::Time end) {
  pollfd p{fd, POLLIN, 0};
  const int ready = poll(&p, 1, MillisUntil(end));
  if (ready <= 0) return ready == 0;  // timeout: not EOF
  char buffer[65536];
  const ssize_t n = read(fd, buffer, sizeof(buffer));
  if (n > 0) {
    out->append(buffer, static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

HttpResult Exchange(int port, const std::string& bytes,
                    absl::Duration timeout) {
  HttpResult result;
  const absl::Time end = absl::Now() + timeout;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return result;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return result;
  }
  // Write and read together: a server may answer (413) before the body ends.
  size_t written = 0;
  std::string response;
  bool open = true;
  while (open && absl::Now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (written < bytes.size()) p.events |= POLLOUT;
    if (poll(&p, 1, MillisUntil(end)) <= 0) break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[65536];
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        response.append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        open = false;
      }
    } else if (p.revents & POLLOUT) {
      const ssize_t n = send(fd, bytes.data() + written, bytes.size() - written,
                             MSG_NOSIGNAL);
      if (n > 0) {
        written += static_cast<size_t>(n);
      } else if (errno != EINTR && errno != EAGAIN) {
        written = bytes.size();  // the peer stopped reading; read its answer
      }
    }
  }
  close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  if (!absl::StartsWith(response, "HTTP/1.")) return result;
  const size_t space = response.find(' ');
  if (space == std::string::npos ||
      !absl::SimpleAtoi(response.substr(space + 1, 3), &result.status)) {
    result.status = 0;
    return result;
  }
  const size_t blank = response.find("\r\n\r\n");
  if (blank != std::string::npos) {
    const size_t first_line = response.find("\r\n");
    result.headers = response.substr(first_line + 2, blank - first_line - 2);
    result.body = response.substr(blank + 4);
  }
  return result;
}

}  // namespace

std::string TmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string CertificateScript(const std::string& commands) {
  char here[4096];
  const std::string functions =
      getcwd(here, sizeof here) != nullptr
          ? absl::StrCat(here, "/tests/certificates.sh")
          : "tests/certificates.sh";
  return absl::StrCat("set -e\n. ", functions, "\n", commands);
}

bool WriteFile(const std::string& path, const std::string& text) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  return std::fclose(file) == 0 && ok;
}

std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
}

absl::StatusOr<v1::ResolveRequest> ExampleRequest(const std::string& name) {
  const std::string dir = absl::StrCat("examples/", name, "/");
  v1::ResolveRequest request;
  auto closure_text = tools::ReadFile(dir + "closure.json");
  if (!closure_text.ok()) return closure_text.status();
  auto closure = tools::ParseClosure(*closure_text);
  if (!closure.ok()) return closure.status();
  *request.mutable_closure() = *std::move(closure);
  struct MapFile {
    const char* file;
    const char* field;
    v1::Layer layer;
    google::protobuf::Map<std::string, flyteidl::core::TaskNodeOverrides>* map;
  };
  for (const MapFile& file :
       {MapFile{"launch_plan.json", "launch_plan_overrides", v1::LAUNCH_PLAN,
                request.mutable_launch_plan_overrides()},
        MapFile{"execution.json", "execution_overrides", v1::EXECUTION,
                request.mutable_execution_overrides()}}) {
    auto text = tools::ReadFile(dir + file.file);
    if (!text.ok()) continue;  // optional
    auto parsed = tools::ParseOverrideMap(*text, false, file.field, file.layer);
    if (!parsed.ok()) return parsed.status();
    *file.map = parsed->map.hooks();
  }
  return request;
}

flyteidl::core::CompiledWorkflowClosure BigClosure(int nodes,
                                                   const std::string& hook) {
  flyteidl::core::CompiledWorkflowClosure closure;
  flyteidl::core::Identifier task_id;
  task_id.set_resource_type(flyteidl::core::TASK);
  task_id.set_project("flytesnacks");
  task_id.set_domain("development");
  task_id.set_name("load.generated.task");
  task_id.set_version("v1");
  auto* task = closure.add_tasks()->mutable_template_();
  *task->mutable_id() = task_id;
  task->set_type("python-task");
  auto* container = task->mutable_container();
  container->set_image("ghcr.io/acme/load:1");
  auto* request = container->mutable_resources()->add_requests();
  request->set_name(flyteidl::core::Resources::MEMORY);
  request->set_value("1Gi");
  auto* limit = container->mutable_resources()->add_limits();
  limit->set_name(flyteidl::core::Resources::MEMORY);
  limit->set_value("64Gi");

  auto* workflow = closure.mutable_primary()->mutable_template_();
  workflow->mutable_id()->set_resource_type(flyteidl::core::WORKFLOW);
  workflow->mutable_id()->set_project("flytesnacks");
  workflow->mutable_id()->set_domain("development");
  workflow->mutable_id()->set_name("load.generated.workflow");
  workflow->mutable_id()->set_version("v1");
  workflow->mutable_nodes()->Reserve(nodes);
  for (int i = 0; i < nodes; ++i) {
    auto* node = workflow->add_nodes();
    node->set_id(absl::StrCat("n", i));
    *node->mutable_task_node()->mutable_reference_id() = task_id;
    node->mutable_runtime_override()->set_name(hook);
  }
  return closure;
}

v1::ResolveRequest BigRequest(int nodes) {
  v1::ResolveRequest request;
  *request.mutable_closure() = BigClosure(nodes, "big");
  auto& overrides = (*request.mutable_execution_overrides())["big"];
  auto* memory = overrides.mutable_resources()->add_requests();
  memory->set_name(flyteidl::core::Resources::MEMORY);
  memory->set_value("2Gi");
  (*overrides.mutable_environment())["LOAD"] = "1";
  request.mutable_options()->set_dry_run(true);
  return request;
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (absl::Now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

HttpResult HttpCall(int port, const std::string& method,
                    const std::string& target, const std::string& body,
                    absl::Duration timeout,
                    const std::vector<std::string>& headers) {
  std::string request =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1:", port,
                   "\r\nConnection: close\r\n");
  for (const std::string& header : headers)
    absl::StrAppend(&request, header, "\r\n");
  if (method == "POST" || !body.empty()) {
    const bool typed = absl::c_any_of(headers, [](const std::string& header) {
      return absl::StartsWithIgnoreCase(header, "content-type:");
    });
    if (!typed) absl::StrAppend(&request, "Content-Type: application/json\r\n");
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  return Exchange(port, request, timeout);
}

HttpResult HttpsCall(int port, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::string& ca_file, const std::string& cert_file,
                     const std::string& key_file) {
  const std::string out = absl::StrCat(TmpDir(), "/https-body-", getpid());
  const std::string in = out + ".in";
  HttpResult result;
  if (!WriteFile(in, body)) return result;
  std::string command = absl::StrCat(
      "curl -s --max-time 10 -o ", out, " -w '%{http_code}' -X ", method,
      " --cacert ", ca_file, " -H 'Content-Type: application/json'");
  if (!body.empty()) absl::StrAppend(&command, " --data-binary @", in);
  if (!cert_file.empty()) {
    absl::StrAppend(&command, " --cert ", cert_file, " --key ", key_file);
  }
  absl::StrAppend(&command, " 'https://127.0.0.1:", port, target, "'");
  FILE* curl = popen(command.c_str(), "r");
  if (curl == nullptr) return result;
  char code[16] = {0};
  const size_t n = std::fread(code, 1, sizeof code - 1, curl);
  pclose(curl);
  if (!absl::SimpleAtoi(absl::string_view(code, n), &result.status))
    result.status = 0;
  std::ifstream file(out, std::ios::binary);
  result.body.assign(std::istreambuf_iterator<char>(file), {});
  return result;
}

HttpResult HttpRaw(int port, const std::string& bytes, absl::Duration timeout) {
  return Exchange(port, bytes, timeout);
}

double MetricValue(const std::string& metrics, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " "))
      continue;
    double value;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return -1;
}

Child::Child(const std::vector<std::string>& argv,
             const std::string& stderr_file)
    : stderr_file_(stderr_file) {
  int out[2], err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0) return;
  if (stderr_file.empty()) {
    if (pipe2(err, O_CLOEXEC) != 0) {
      close(out[0]);
      close(out[1]);
      return;
    }
  } else {
    err[1] = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  0644);
  }
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    if (err[1] >= 0) dup2(err[1], STDERR_FILENO);
    // A clean signal state: the test runner may block or ignore some.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  if (err[1] >= 0) close(err[1]);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (pid_ < 0) exited_ = true;
}

Child::~Child() {
  if (running()) {
    kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

std::string Child::ReadStdoutLine(absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  for (;;) {
    if (size_t newline = stdout_buffer_.find('\n');
        newline != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, newline);
      stdout_buffer_.erase(0, newline + 1);
      return line;
    }
    if (absl::Now() >= end) return "";
    if (!ReadSome(stdout_fd_, &stdout_buffer_, end)) return "";
  }
}

std::string Child::ReadStderr(absl::Duration timeout) {
  if (!stderr_file_.empty()) {
    return tools::ReadFile(stderr_file_).value_or("");
  }
  const absl::Time end = absl::Now() + timeout;
  std::string text;
  while (absl::Now() < end && ReadSome(stderr_fd_, &text, end)) {
  }
  return text;
}

void Child::Signal(int signal) {
  if (running()) kill(pid_, signal);
}

int Child::Wait(absl::Duration timeout) {
  if (exited_) return status_;
  const absl::Time end = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      status_ = status;
      return status_;
    }
    if (done < 0 && errno != EINTR) {
      exited_ = true;
      return status_;
    }
    if (absl::Now() >= end) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      exited_ = true;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

StalledConnection::StalledConnection(int port, const std::string& bytes) {
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

StalledConnection::~StalledConnection() {
  if (fd_ >= 0) close(fd_);
}

StalledConnection::StalledConnection(StalledConnection&& other) noexcept
    : fd_(other.fd_) {
  other.fd_ = -1;
}

bool StalledConnection::Send(const std::string& more) {
  char buffer[4096];
  // A closed connection reads as end of stream (or an error) at once.
  const ssize_t read = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
  if (read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
    return false;
  return send(fd_, more.data(), more.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(more.size());
}

bool ParseServingLine(const std::string& line, int* grpc_port, int* http_port) {
  // override-resolver serving gRPC on 127.0.0.1:P, HTTP on 127.0.0.1:Q,
  // probes on 127.0.0.1:R
  const size_t grpc = line.find("gRPC on ");
  const size_t http = line.find(", HTTP on ");
  const size_t probes = line.find(", probes on ");
  if (grpc == std::string::npos || http == std::string::npos ||
      probes == std::string::npos) {
    return false;
  }
  const std::string grpc_address = line.substr(grpc + 8, http - grpc - 8);
  const std::string http_address = line.substr(http + 10, probes - http - 10);
  const size_t grpc_colon = grpc_address.rfind(':');
  const size_t http_colon = http_address.rfind(':');
  return grpc_colon != std::string::npos && http_colon != std::string::npos &&
         absl::SimpleAtoi(grpc_address.substr(grpc_colon + 1), grpc_port) &&
         absl::SimpleAtoi(http_address.substr(http_colon + 1), http_port);
}

std::string ServerBinary() { return "server/override-resolver"; }

}  // namespace flyteoverride::tests
