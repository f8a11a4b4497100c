#include "server/process_metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

// A real line of /proc/<pid>/stat, its command name made hostile: spaces and
// parentheses. utime 250, stime 50, starttime 993143, vsize 3133440, rss 360.
constexpr char kStat[] =
    "3335 (a) (b c) R 3333 3333 32700 0 -1 4194304 97 0 0 0 250 50 0 0 20 0 "
    "1 0 993143 3133440 360 18446744073709551615 94897015705600 0 0 0 0 0 0 "
    "0 0 0 17 0 0 0 0 0 0\n";

TEST(ParseProcessStatTest, CountsFieldsAfterTheLastParenthesis) {
  absl::StatusOr<ProcessStat> stat = ParseProcessStat(kStat, 100, 4096);
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 3.0);  // (250 + 50) ticks / 100
  EXPECT_DOUBLE_EQ(stat->virtual_bytes, 3133440);
  EXPECT_DOUBLE_EQ(stat->resident_bytes, 360 * 4096);
  EXPECT_DOUBLE_EQ(stat->start_seconds_after_boot, 9931.43);
}

TEST(ParseProcessStatTest, TruncatedOrGarbledTextIsAnError) {
  EXPECT_FALSE(ParseProcessStat("", 100, 4096).ok());
  EXPECT_FALSE(
      ParseProcessStat("1 (x) R 0 0 0 0 -1 0 97 0 0 0 250", 100, 4096).ok());
  EXPECT_FALSE(
      ParseProcessStat("1 (x) R 0 0 0 0 -1 0 97 0 0 0 ten 50 0 0 20 0 1 0 "
                       "9 3 3",
                       100, 4096)
          .ok());
}

TEST(ParseBootTimeTest, ReadsTheBtimeLine) {
  const char proc_stat[] =
      "cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 5 6\nctxt 7\nbtime 1796114474\n"
      "processes 3336\n";
  absl::StatusOr<double> boot = ParseBootTime(proc_stat);
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_DOUBLE_EQ(*boot, 1796114474);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").ok());
}

TEST(ParseMaxOpenFilesTest, ReadsTheSoftLimit) {
  const char limits[] =
      "Limit                     Soft Limit           Hard Limit           "
      "Units     \n"
      "Max processes             127338               127338               "
      "processes \n"
      "Max open files            1024                 524288               "
      "files     \n";
  absl::StatusOr<double> max = ParseMaxOpenFiles(limits);
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_DOUBLE_EQ(*max, 1024);
}

TEST(ParseMaxOpenFilesTest, UnlimitedIsInfinity) {
  absl::StatusOr<double> max = ParseMaxOpenFiles(
      "Max open files            unlimited            unlimited            "
      "files     \n");
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_TRUE(std::isinf(*max));
  EXPECT_FALSE(ParseMaxOpenFiles("Max processes 1 1 processes\n").ok());
}

// The value of the sample `name` (no labels) in rendered text; NaN if absent.
double Sample(const std::string& text, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, name) && absl::ConsumePrefix(&line, " ")) {
      double value;
      if (absl::SimpleAtod(line, &value)) return value;
    }
  }
  return NAN;
}

TEST(ProcessMetricsTest, ReadsTheRealProcAtEachRender) {
  Registry registry;
  RegisterProcessMetrics(registry);
  const std::string first = registry.Render();
  // Plausible for this very process: some memory, a start in the last hour.
  EXPECT_GT(Sample(first, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(Sample(first, "process_virtual_memory_bytes"),
            Sample(first, "process_resident_memory_bytes"));
  EXPECT_GE(Sample(first, "process_cpu_seconds_total"), 0);
  EXPECT_GE(Sample(first, "process_max_fds"), 3);
  const double now = absl::ToUnixSeconds(absl::Now());
  EXPECT_LE(Sample(first, "process_start_time_seconds"), now + 1);
  EXPECT_GT(Sample(first, "process_start_time_seconds"), now - 3600);

  // Three more descriptors show at the next scrape; CPU time never goes back.
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(open("/dev/null", O_RDONLY));
  volatile double spin = 0;  // work the optimizer must keep
  for (int i = 0; i < 20'000'000; ++i) spin = spin + std::sqrt(i);
  const std::string second = registry.Render();
  for (int fd : fds) close(fd);
  EXPECT_EQ(Sample(second, "process_open_fds"),
            Sample(first, "process_open_fds") + 3);
  EXPECT_GT(Sample(second, "process_cpu_seconds_total"),
            Sample(first, "process_cpu_seconds_total"))
      << "spun to " << spin;
}

}  // namespace
}  // namespace flyteoverride::server
