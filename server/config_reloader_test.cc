// The reload path: a good file applies its policy without a restart, a bad
// one keeps the policy in force and counts an error; both through the
// file watcher and through Reload (what main does on SIGHUP).
#include "server/config_reloader.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

// Replaces the file whole, as editors and Kubernetes do: a new inode.
void WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  ASSERT_NE(file, nullptr) << tmp;
  std::fwrite(text.data(), 1, text.size(), file);
  std::fclose(file);
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

std::string Retries(int max) {
  return absl::StrCat("storage: {driver: memory}\npolicy:\n  global:\n",
                      "    retries: {max: ", max, "}\n");
}

int MaxRetries(const PolicyHolder& holder) {
  const auto set = holder.Get();
  return set->global.max_retries ? set->global.max_retries->max : -1;
}

std::string Sample(const Registry& registry, absl::string_view result) {
  const std::string metrics = registry.Render();
  const std::string series = absl::StrCat(
      "override_resolver_config_reloads_total{result=\"", result, "\"} ");
  const size_t at = metrics.find(series);
  if (at == std::string::npos) return "";
  const size_t end = metrics.find('\n', at);
  return metrics.substr(at + series.size(), end - at - series.size());
}

// Waits, bounded, until `done` holds.
bool Eventually(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

TEST(ConfigReloader, FileChangeAppliesAGoodPolicyAndKeepsTheOldOnABadOne) {
  const std::string path = TempPath("watched.yaml");
  WriteFile(path, Retries(1));
  ConfigReloader reloader({path, absl::Milliseconds(10)});
  absl::StatusOr<config::Config> config = reloader.Load();
  ASSERT_TRUE(config.ok()) << config.status();
  PolicyHolder holder(config->policy);
  Registry registry;
  reloader.Start(&holder, &registry);
  EXPECT_EQ(MaxRetries(holder), 1);
  EXPECT_EQ(Sample(registry, "error"), "0");

  WriteFile(path, Retries(7));
  // The policy is swapped before the reload is counted: wait for both.
  ASSERT_TRUE(Eventually([&] { return MaxRetries(holder) == 7; }));
  EXPECT_TRUE(Eventually([&] { return Sample(registry, "ok") == "1"; }));

  WriteFile(path, "policy:\n  global:\n    retries: {max: lots}\n");
  ASSERT_TRUE(Eventually([&] { return Sample(registry, "error") == "1"; }));
  EXPECT_EQ(MaxRetries(holder), 7);

  // A file that disappears is refused too, once, and the policy stays.
  ASSERT_EQ(std::remove(path.c_str()), 0);
  ASSERT_TRUE(Eventually([&] { return Sample(registry, "error") == "2"; }));
  EXPECT_EQ(MaxRetries(holder), 7);

  WriteFile(path, Retries(2));
  ASSERT_TRUE(Eventually([&] { return MaxRetries(holder) == 2; }));
  EXPECT_TRUE(Eventually([&] { return Sample(registry, "ok") == "2"; }));
  EXPECT_EQ(Sample(registry, "error"), "2");
}

// A file the config names (the JWKS file) is watched with the config.
TEST(ConfigReloader, AWatchedFileThatChangesIsReported) {
  const std::string path = TempPath("config.yaml");
  const std::string keys = TempPath("keys.json");
  WriteFile(path, Retries(1));
  WriteFile(keys, "{}");
  ConfigReloader reloader({path, absl::Milliseconds(10)});
  ASSERT_TRUE(reloader.Load().ok());
  std::atomic<int> changes{0};
  reloader.Watch(keys, [&changes] { ++changes; });
  PolicyHolder holder(policy::PolicySet{});
  Registry registry;
  reloader.Start(&holder, &registry);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(changes.load(), 0);  // unchanged: not reported
  WriteFile(keys, "{\"keys\": []}");
  ASSERT_TRUE(Eventually([&] { return changes.load() == 1; }));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(changes.load(), 1);  // once per change
}

TEST(ConfigReloader, ReloadAppliesNowOrSaysWhyNot) {
  const std::string path = TempPath("sighup.yaml");
  WriteFile(path, Retries(1));
  ConfigReloader reloader({path, absl::ZeroDuration()});  // no polling
  absl::StatusOr<config::Config> config = reloader.Load();
  ASSERT_TRUE(config.ok()) << config.status();
  PolicyHolder holder(config->policy);
  EXPECT_EQ(reloader.Reload().code(), absl::StatusCode::kFailedPrecondition);
  Registry registry;
  reloader.Start(&holder, &registry);

  WriteFile(path, Retries(4));
  EXPECT_TRUE(reloader.Reload().ok());
  EXPECT_EQ(MaxRetries(holder), 4);

  // A policy that does not validate: the old one stays, and why is said.
  WriteFile(path,
            "policy:\n  global:\n    images: {allowed: ['ghcr.io/(x']}\n");
  absl::Status refused = reloader.Reload();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(refused.message(),
                                "config line 3: policy.global.images.allowed"))
      << refused;
  EXPECT_TRUE(absl::StartsWith(refused.message(), path)) << refused;
  EXPECT_EQ(MaxRetries(holder), 4);
  EXPECT_EQ(Sample(registry, "error"), "1");

  // Other keys change too: the policy still applies (the rest waits for a
  // restart, which is logged).
  WriteFile(path, absl::StrCat("server: {grpc_port: 9999}\n", Retries(6)));
  EXPECT_TRUE(reloader.Reload().ok());
  EXPECT_EQ(MaxRetries(holder), 6);
  EXPECT_EQ(Sample(registry, "ok"), "2");
  EXPECT_EQ(reloader.SectionsAwaitingRestart(),
            std::vector<std::string>{"server"});

  // Edited back to what the process runs with: nothing waits for a restart
  // (a reload used to compare with the previous file and warn falsely).
  WriteFile(path, Retries(6));
  EXPECT_TRUE(reloader.Reload().ok());
  EXPECT_TRUE(reloader.SectionsAwaitingRestart().empty());
}

TEST(ConfigReloader, LoadReportsWhatLoadConfigFileWould) {
  ConfigReloader missing({TempPath("no-such.yaml")});
  absl::StatusOr<config::Config> config = missing.Load();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(config.status().message(), "config file "));
}

}  // namespace
}  // namespace flyteoverride::server
