#include "server/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace flyteoverride::server {
namespace {

std::optional<std::string> ReadProcFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Entries of /proc/self/fd. The directory's own descriptor is among them,
// as client libraries count it too.
std::optional<int> CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

absl::Status Malformed(absl::string_view what, absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": cannot parse \"", text.substr(0, 200), "\""));
}

}  // namespace

absl::StatusOr<ProcessStat> ParseProcessStat(absl::string_view text,
                                             double ticks_per_second,
                                             double page_bytes) {
  const size_t paren = text.rfind(')');
  if (paren == absl::string_view::npos) return Malformed("stat", text);
  // Field 3 (state) comes first after the command name.
  const std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(paren + 1), ' ', absl::SkipWhitespace());
  // proc(5) numbers fields from 1; fields[0] is field 3.
  auto field = [&](int number, double* out) {
    const size_t index = static_cast<size_t>(number - 3);
    return index < fields.size() && absl::SimpleAtod(fields[index], out);
  };
  double utime, stime, starttime, vsize, rss;
  if (!field(14, &utime) || !field(15, &stime) || !field(22, &starttime) ||
      !field(23, &vsize) || !field(24, &rss)) {
    return Malformed("stat", text);
  }
  ProcessStat stat;
  stat.cpu_seconds = (utime + stime) / ticks_per_second;
  stat.virtual_bytes = vsize;
  stat.resident_bytes = rss * page_bytes;
  stat.start_seconds_after_boot = starttime / ticks_per_second;
  return stat;
}

absl::StatusOr<double> ParseBootTime(absl::string_view proc_stat) {
  for (absl::string_view line : absl::StrSplit(proc_stat, '\n')) {
    double seconds;
    if (absl::ConsumePrefix(&line, "btime ") &&
        absl::SimpleAtod(absl::StripAsciiWhitespace(line), &seconds)) {
      return seconds;
    }
  }
  return Malformed("btime", proc_stat);
}

absl::StatusOr<double> ParseMaxOpenFiles(absl::string_view limits) {
  for (absl::string_view line : absl::StrSplit(limits, '\n')) {
    if (!absl::ConsumePrefix(&line, "Max open files")) continue;
    // Soft limit, hard limit, units.
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipWhitespace());
    double soft;
    if (fields.empty()) break;
    if (fields[0] == "unlimited")
      return std::numeric_limits<double>::infinity();
    if (absl::SimpleAtod(fields[0], &soft)) return soft;
    break;
  }
  return Malformed("Max open files", limits);
}

void RegisterProcessMetrics(Registry& registry) {
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));
  Gauge& resident = registry
                        .AddGauge("process_resident_memory_bytes",
                                  "Resident memory size in bytes.", {})
                        .WithLabels({});
  Gauge& virtual_memory = registry
                              .AddGauge("process_virtual_memory_bytes",
                                        "Virtual memory size in bytes.", {})
                              .WithLabels({});
  Counter& cpu = registry
                     .AddCounter("process_cpu_seconds_total",
                                 "Total user and system CPU time spent in "
                                 "seconds.",
                                 {})
                     .WithLabels({});
  Gauge& open_fds =
      registry
          .AddGauge("process_open_fds", "Number of open file descriptors.", {})
          .WithLabels({});
  Gauge& max_fds = registry
                       .AddGauge("process_max_fds",
                                 "Maximum number of open file descriptors.", {})
                       .WithLabels({});
  Gauge& start_time =
      registry
          .AddGauge("process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.",
                    {})
          .WithLabels({});

  // The start time never changes: read once.
  const std::optional<std::string> stat = ReadProcFile("/proc/self/stat");
  const std::optional<std::string> system = ReadProcFile("/proc/stat");
  if (stat && system) {
    auto process = ParseProcessStat(*stat, ticks_per_second, page_bytes);
    auto boot = ParseBootTime(*system);
    if (process.ok() && boot.ok())
      start_time.Set(*boot + process->start_seconds_after_boot);
  }

  // The kernel keeps the CPU total; the counter advances to it. Collectors
  // take turns (Registry::AddCollector), so `counted` needs no lock.
  registry.AddCollector([resident = &resident, virtual_memory = &virtual_memory,
                         cpu = &cpu, open_fds = &open_fds, max_fds = &max_fds,
                         ticks_per_second, page_bytes,
                         counted = 0.0]() mutable {
    if (auto text = ReadProcFile("/proc/self/stat")) {
      if (auto now = ParseProcessStat(*text, ticks_per_second, page_bytes);
          now.ok()) {
        resident->Set(now->resident_bytes);
        virtual_memory->Set(now->virtual_bytes);
        if (now->cpu_seconds > counted) {
          cpu->Increment(now->cpu_seconds - counted);
          counted = now->cpu_seconds;
        }
      }
    }
    if (std::optional<int> fds = CountOpenFds()) open_fds->Set(*fds);
    if (auto limits = ReadProcFile("/proc/self/limits")) {
      if (auto max = ParseMaxOpenFiles(*limits); max.ok()) max_fds->Set(*max);
    }
  });
}

}  // namespace flyteoverride::server
