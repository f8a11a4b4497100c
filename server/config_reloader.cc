#include "server/config_reloader.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/logging.h"

namespace flyteoverride::server {
namespace {

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int error = errno;
    return absl::Status(absl::ErrnoToStatusCode(error),
                        absl::StrCat("config file ", path, ": ",
                                     std::generic_category().message(error)));
  }
  std::string text;
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;)
    text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) {
    return absl::UnavailableError(
        absl::StrCat("config file ", path, ": read error"));
  }
  return text;
}

// Each top-level section but `policy`, in a canonical form: comments,
// spacing and key order inside a section's text do not count as changes.
// Only called on text that parsed.
std::map<std::string, std::string> SectionsBesidesPolicy(
    const std::string& text) {
  std::map<std::string, std::string> sections;
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return sections;
    for (auto it = root.begin(); it != root.end(); ++it) {
      const std::string name = it->first.Scalar();
      if (name != "policy") sections[name] = YAML::Dump(it->second);
    }
  } catch (const std::exception&) {
    // ParseConfig read it already; nothing to compare if it cannot be read.
  }
  return sections;
}

std::vector<std::string> ChangedSections(
    const std::map<std::string, std::string>& before,
    const std::map<std::string, std::string>& after) {
  std::vector<std::string> changed;
  for (const auto& [name, text] : after) {
    auto it = before.find(name);
    if (it == before.end() || it->second != text) changed.push_back(name);
  }
  for (const auto& [name, text] : before) {
    if (!after.count(name)) changed.push_back(name);
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

long long Nanos(const struct timespec& t) {
  return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

}  // namespace

bool ConfigReloader::FileStamp::operator==(const FileStamp& o) const {
  return error == o.error && device == o.device && inode == o.inode &&
         size == o.size && mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns &&
         content == o.content;
}

ConfigReloader::FileStamp ConfigReloader::StampOf(const std::string& path) {
  struct stat st;
  FileStamp stamp;
  if (::stat(path.c_str(), &st) != 0) {  // follows a ConfigMap's symlinks
    stamp.error = errno;
    return stamp;
  }
  stamp.device = st.st_dev;
  stamp.inode = st.st_ino;
  stamp.size = st.st_size;
  stamp.mtime_ns = Nanos(st.st_mtim);
  stamp.ctime_ns = Nanos(st.st_ctim);
  if (auto text = ReadText(path); text.ok()) stamp.content = *std::move(text);
  return stamp;
}

absl::StatusOr<config::Config> ConfigReloader::Load() {
  absl::MutexLock lock(&mu_);
  // Stamp first: a change between stat and read is then seen again later.
  stamp_ = StampOf(options_.path);
  auto text = ReadText(options_.path);
  if (!text.ok()) return text.status();
  absl::StatusOr<config::Config> config = config::ParseConfig(*text);
  if (!config.ok()) {
    return absl::Status(
        config.status().code(),
        absl::StrCat(options_.path, ": ", config.status().message()));
  }
  sections_ = SectionsBesidesPolicy(*text);
  latest_sections_ = sections_;
  return config;
}

void ConfigReloader::Start(PolicyHolder* policy, Registry* registry) {
  {
    absl::MutexLock lock(&mu_);
    policy_ = policy;
    CounterFamily& reloads = registry->AddCounter(
        "override_resolver_config_reloads_total",
        "Config reloads (SIGHUP or a change of the file), by result: ok "
        "applied the new policy, error kept the old one.",
        {"result"});
    reloads_ok_ = &reloads.WithLabels({"ok"});
    reloads_error_ = &reloads.WithLabels({"error"});
  }
  if (options_.poll_interval > absl::ZeroDuration())
    poller_ = std::thread([this] { Poll(); });
}

absl::Status ConfigReloader::Reload() {
  absl::MutexLock lock(&mu_);
  return ReloadLocked();
}

absl::Status ConfigReloader::ReloadLocked() {
  if (policy_ == nullptr)
    return absl::FailedPreconditionError("the reloader has not started");
  stamp_ = StampOf(options_.path);
  absl::StatusOr<std::string> text = ReadText(options_.path);
  absl::StatusOr<config::Config> config =
      text.ok() ? config::ParseConfig(*text) : text.status();
  if (!config.ok()) {
    const absl::Status status(
        config.status().code(),
        absl::StrCat(text.ok() ? options_.path + ": " : "",
                     config.status().message()));
    reloads_error_->Increment();
    LogEvent(spdlog::level::err,
             "config reload refused; the policy in force stays",
             {{"path", options_.path}, {"error", status.ToString()}});
    return status;
  }
  policy_->Set(std::move(config->policy));
  // Against what the process runs with, not the previous file: a section
  // edited back to it needs no restart.
  latest_sections_ = SectionsBesidesPolicy(*text);
  const std::vector<std::string> changed =
      ChangedSections(sections_, latest_sections_);
  reloads_ok_->Increment();
  LogEvent(spdlog::level::info, "config reloaded; policy applied",
           {{"path", options_.path}});
  if (!changed.empty()) {
    LogEvent(
        spdlog::level::warn,
        "config keys outside policy changed; they take effect on "
        "restart",
        {{"path", options_.path}, {"sections", absl::StrJoin(changed, ",")}});
  }
  return absl::OkStatus();
}

std::vector<std::string> ConfigReloader::SectionsAwaitingRestart() const {
  absl::MutexLock lock(&mu_);
  return ChangedSections(sections_, latest_sections_);
}

void ConfigReloader::Poll() {
  while (true) {
    {
      absl::MutexLock lock(&stop_mu_);
      if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                                    options_.poll_interval)) {
        return;
      }
    }
    absl::MutexLock lock(&mu_);
    for (Watched& file : watched_) {
      FileStamp now = StampOf(file.path);
      if (now == file.stamp) continue;
      file.stamp = std::move(now);
      file.changed();
    }
    if (StampOf(options_.path) == stamp_) continue;
    (void)ReloadLocked();  // refused files are logged and counted there
  }
}

void ConfigReloader::Watch(std::string path, std::function<void()> changed) {
  absl::MutexLock lock(&mu_);
  FileStamp stamp = StampOf(path);
  watched_.push_back({std::move(path), std::move(changed), std::move(stamp)});
}

void ConfigReloader::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  if (poller_.joinable()) poller_.join();
}

}  // namespace flyteoverride::server
