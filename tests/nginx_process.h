// nginx (Debian's package) as a child process in front of gRPC replicas on
// loopback, running the site config the repository ships
// (deploy/nginx/override-resolver.conf). Everything it writes stays under
// $TEST_TMPDIR: nginx runs in the foreground, with its prefix, pid file and
// temporary files there and its log on stderr, so it needs no system path
// and works as root or not. Test-only.
#ifndef FLYTEOVERRIDE_TESTS_NGINX_PROCESS_H_
#define FLYTEOVERRIDE_TESTS_NGINX_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {

// `site` with its upstream's `server` lines replaced by one line per port
// in `replica_ports` (127.0.0.1:PORT, with the parameters the first line
// had) and its `listen` address by 127.0.0.1:`listen_port`. An error when
// the site has no upstream server line or no listen line: a changed template
// must not leave the test running something else.
absl::StatusOr<std::string> SiteForReplicas(
    const std::string& site, const std::vector<int>& replica_ports,
    int listen_port);

// A port on 127.0.0.1 that was free a moment ago; 0 when none was found.
int FreeLoopbackPort();

// One nginx process. Not thread-safe.
class NginxProcess {
 public:
  // Writes the site (SiteForReplicas of the file `site_path`) and a main
  // config under $TEST_TMPDIR/NAME/, starts /usr/sbin/nginx and waits until
  // it accepts connections.
  static absl::StatusOr<std::unique_ptr<NginxProcess>> Start(
      const std::string& name, const std::string& site_path,
      const std::vector<int>& replica_ports);

  int port() const { return port_; }
  // nginx's log, for failure messages.
  std::string Log() { return child_->ReadStderr(absl::Seconds(1)); }

 private:
  NginxProcess(std::unique_ptr<Child> child, int port)
      : child_(std::move(child)), port_(port) {}

  std::unique_ptr<Child> child_;  // killed when destroyed
  int port_;
};

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_NGINX_PROCESS_H_
