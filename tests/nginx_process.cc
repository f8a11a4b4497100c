#include "tests/nginx_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/inputs.h"

namespace flyteoverride::tests {
namespace {

constexpr char kNginx[] = "/usr/sbin/nginx";

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in address = Loopback(port);
  const bool connected =
      connect(fd, reinterpret_cast<const sockaddr*>(&address),
              sizeof(address)) == 0;
  close(fd);
  return connected;
}

// The main config: nginx in the foreground as one process (no workers, so
// no user to switch to as root), every path it writes under `dir`.
std::string MainConfig(const std::string& dir) {
  std::string http = "  access_log off;\n";
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    absl::StrAppend(&http, "  ", kind, "_temp_path ", dir, "/", kind, ";\n");
  absl::StrAppend(&http, "  include ", dir, "/site.conf;\n");
  return absl::StrCat("daemon off;\n", "master_process off;\n",
                      "error_log stderr notice;\n", "pid ", dir,
                      "/nginx.pid;\n", "events { worker_connections 1024; }\n",
                      "http {\n", http, "}\n");
}

}  // namespace

absl::StatusOr<std::string> SiteForReplicas(
    const std::string& site, const std::vector<int>& replica_ports,
    int listen_port) {
  std::vector<std::string> out;
  bool upstream_done = false, listen_done = false;
  for (absl::string_view line : absl::StrSplit(site, '\n')) {
    const std::string indent(line.substr(0, line.find_first_not_of(' ')));
    absl::string_view text = absl::StripAsciiWhitespace(line);
    // "server ADDRESS [PARAMETERS];" in the upstream; "server {" opens the
    // virtual server.
    if (absl::ConsumePrefix(&text, "server ") && !absl::EndsWith(text, "{")) {
      if (upstream_done) continue;
      absl::ConsumeSuffix(&text, ";");
      std::vector<absl::string_view> words = absl::StrSplit(text, ' ');
      words[0] = "";  // the address, replaced below; parameters stay
      const std::string parameters = absl::StrJoin(words, " ");
      for (int port : replica_ports) {
        out.push_back(
            absl::StrCat(indent, "server 127.0.0.1:", port, parameters, ";"));
      }
      upstream_done = true;
    } else if (absl::ConsumePrefix(&text, "listen ")) {
      const size_t address_end =
          std::min(text.find_first_of(" ;"), text.size());
      out.push_back(absl::StrCat(indent, "listen 127.0.0.1:", listen_port,
                                 text.substr(address_end)));
      listen_done = true;
    } else {
      out.emplace_back(line);
    }
  }
  if (!upstream_done || !listen_done) {
    return absl::InvalidArgumentError(
        "the nginx site has no upstream `server` line or no `listen` line");
  }
  return absl::StrJoin(out, "\n");
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address = Loopback(0);
  socklen_t size = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

absl::StatusOr<std::unique_ptr<NginxProcess>> NginxProcess::Start(
    const std::string& name, const std::string& site_path,
    const std::vector<int>& replica_ports) {
  if (access(kNginx, X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        kNginx, " is missing: scripts/setup.sh installs Debian's nginx"));
  }
  auto site = tools::ReadFile(site_path);
  if (!site.ok()) return site.status();
  const int port = FreeLoopbackPort();
  auto rewritten = SiteForReplicas(*site, replica_ports, port);
  if (!rewritten.ok()) return rewritten.status();
  const std::string dir = absl::StrCat(TmpDir(), "/", name);
  mkdir(dir.c_str(), 0755);
  if (!WriteFile(dir + "/site.conf", *rewritten) ||
      !WriteFile(dir + "/nginx.conf", MainConfig(dir))) {
    return absl::InternalError(absl::StrCat("cannot write under ", dir));
  }
  // -e: the log before the config is read, which would otherwise go to the
  // path compiled in.
  auto child = std::make_unique<Child>(
      std::vector<std::string>{kNginx, "-p", dir + "/", "-c",
                               dir + "/nginx.conf", "-e", "stderr"},
      dir + "/nginx.stderr");
  if (!WaitFor([port] { return Accepts(port); }, absl::Seconds(20))) {
    return absl::UnavailableError(
        absl::StrCat("nginx did not listen on 127.0.0.1:", port, ": ",
                     child->ReadStderr(absl::Seconds(1))));
  }
  return std::unique_ptr<NginxProcess>(
      new NginxProcess(std::move(child), port));
}

}  // namespace flyteoverride::tests
