// Applies a changed config file without a restart: when main sees SIGHUP it
// calls Reload, and a thread polls the file for changes (a new mtime, size or
// inode, as when Kubernetes swaps a ConfigMap's symlink). Only the policy
// takes effect; other keys need a restart, and a reload that changes them
// says so in the log. A file that does not parse or validate is refused:
// the policy in force stays, an error is logged, and
// override_resolver_config_reloads_total{result="error"} goes up.
#ifndef FLYTEOVERRIDE_SERVER_CONFIG_RELOADER_H_
#define FLYTEOVERRIDE_SERVER_CONFIG_RELOADER_H_

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "config/config.h"
#include "server/metrics.h"
#include "server/policy_holder.h"

namespace flyteoverride::server {

struct ReloaderOptions {
  std::string path;  // the --config file
  // How often the file is checked for a change; zero: only on Reload.
  absl::Duration poll_interval = absl::Seconds(1);
};

// Load once, then Start once; Reload from any thread. Thread-safe.
class ConfigReloader {
 public:
  explicit ConfigReloader(ReloaderOptions options)
      : options_(std::move(options)) {}
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;
  ~ConfigReloader() { Stop(); }

  // Reads and parses the file: the config to start with. Errors are
  // LoadConfigFile's. Remembers what it read, so later changes are seen.
  absl::StatusOr<config::Config> Load();

  // From now on, reloads swap the policy in `policy` and are counted in
  // `registry`; starts polling. Both must outlive this object.
  void Start(PolicyHolder* policy, Registry* registry);

  // Re-reads the file now and swaps in its policy. The status says why the
  // file was refused (the old policy then stays). FAILED_PRECONDITION before
  // Start.
  absl::Status Reload();

  // Sections besides `policy` whose text the file has now and the process
  // did not start with: they take effect on restart. Empty once the file is
  // edited back to what the process runs with.
  std::vector<std::string> SectionsAwaitingRestart() const;

  // Before Start: also watch `path` (a file the config names, such as the
  // JWKS file), and call `changed` on the polling thread when it changes.
  // SIGHUP reaches such files through the server, not through Reload.
  void Watch(std::string path, std::function<void()> changed);

  // Stops polling; idempotent.
  void Stop();

 private:
  // What identifies one version of the file. File times are coarse (a
  // clock tick) and inodes are reused, so two quick same-size rewrites can
  // look alike on metadata alone: the content is part of the stamp too.
  struct FileStamp {
    int error = 0;  // errno of stat; the rest is zero then
    unsigned long device = 0, inode = 0;
    long long size = 0, mtime_ns = 0, ctime_ns = 0;
    std::string content;
    bool operator==(const FileStamp& o) const;
  };
  static FileStamp StampOf(const std::string& path);

  absl::Status ReloadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Poll();

  const ReloaderOptions options_;
  mutable absl::Mutex mu_;  // one reload at a time
  FileStamp stamp_ ABSL_GUARDED_BY(mu_);
  // The file's sections other than `policy`, as read last, to tell when a
  // reload changes keys that need a restart.
  // The sections besides `policy` as the process started with them (Load).
  std::map<std::string, std::string> sections_ ABSL_GUARDED_BY(mu_);
  // ... and as the file has them now.
  std::map<std::string, std::string> latest_sections_ ABSL_GUARDED_BY(mu_);
  PolicyHolder* policy_ ABSL_GUARDED_BY(mu_) = nullptr;
  struct Watched {
    std::string path;
    std::function<void()> changed;
    FileStamp stamp;
  };
  std::vector<Watched> watched_ ABSL_GUARDED_BY(mu_);
  Counter* reloads_ok_ ABSL_GUARDED_BY(mu_) = nullptr;
  Counter* reloads_error_ ABSL_GUARDED_BY(mu_) = nullptr;

  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread poller_;
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_CONFIG_RELOADER_H_
