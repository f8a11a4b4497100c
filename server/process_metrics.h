// Process metrics as every Prometheus client library exports them (the names,
// types, units and help texts of client_golang's process collector), so that
// dashboards and alerts written for any service work here: memory, CPU time,
// file descriptors and start time, read from /proc/self when /metrics is
// scraped. The parsers take the files' text, so fixed text tests them.
#ifndef FLYTEOVERRIDE_SERVER_PROCESS_METRICS_H_
#define FLYTEOVERRIDE_SERVER_PROCESS_METRICS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/metrics.h"

namespace flyteoverride::server {

// What /proc/<pid>/stat says, in the units Prometheus wants.
struct ProcessStat {
  double cpu_seconds = 0;  // user plus system
  double virtual_bytes = 0;
  double resident_bytes = 0;
  double start_seconds_after_boot = 0;
};

// Parses /proc/<pid>/stat (proc(5)); `ticks_per_second` is
// sysconf(_SC_CLK_TCK) and `page_bytes` the page size. The command name may
// hold spaces and parentheses, so fields are counted after its last ')'.
// INVALID_ARGUMENT when the text has too few fields or a field is no number.
absl::StatusOr<ProcessStat> ParseProcessStat(absl::string_view text,
                                             double ticks_per_second,
                                             double page_bytes);

// The boot time in seconds since the epoch: the "btime" line of /proc/stat.
absl::StatusOr<double> ParseBootTime(absl::string_view proc_stat);

// The soft limit of "Max open files" in /proc/<pid>/limits; +Inf when
// "unlimited".
absl::StatusOr<double> ParseMaxOpenFiles(absl::string_view limits);

// Registers process_resident_memory_bytes, process_virtual_memory_bytes,
// process_cpu_seconds_total, process_open_fds, process_max_fds and
// process_start_time_seconds, and a collector that refreshes them from
// /proc/self at each Render. A file that cannot be read or parsed leaves its
// metrics at their last values.
void RegisterProcessMetrics(Registry& registry);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_PROCESS_METRICS_H_
