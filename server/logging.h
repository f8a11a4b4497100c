// Structured logs through spdlog: one line per event, text or JSON.
#ifndef FLYTEOVERRIDE_SERVER_LOGGING_H_
#define FLYTEOVERRIDE_SERVER_LOGGING_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

namespace flyteoverride::server {

// Sets the default logger: level trace|debug|info|warn|error, format
// text|json, to stderr, timestamps in UTC.
absl::Status SetUpLogging(absl::string_view level, absl::string_view format);

using LogField = std::pair<absl::string_view, std::string>;

// `event key=value ...` in text, {"event": ..., "key": "value", ...} in JSON;
// fields with empty values are left out.
void LogEvent(spdlog::level::level_enum level, absl::string_view event,
              std::initializer_list<LogField> fields);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_LOGGING_H_
