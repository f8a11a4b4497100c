// Structured logs through spdlog: one line per event, text or JSON.
#ifndef FLYTEOVERRIDE_SERVER_LOGGING_H_
#define FLYTEOVERRIDE_SERVER_LOGGING_H_

#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

namespace flyteoverride::server {

// Sets the default logger: level trace|debug|info|warn|error, format
// text|json, to stderr, timestamps in UTC.
absl::Status SetUpLogging(absl::string_view level, absl::string_view format);

// One key and its value: text (a JSON string) or a number (a JSON number;
// doubles with three decimals).
struct LogField {
  LogField(absl::string_view key, std::string text)
      : key(key), value(std::move(text)) {}
  LogField(absl::string_view key, const char* text) : key(key), value(text) {}
  template <typename Number,
            typename = std::enable_if_t<std::is_arithmetic_v<Number>>>
  LogField(absl::string_view key, Number number)
      : key(key),
        value(std::is_floating_point_v<Number>
                  ? absl::StrFormat("%.3f", static_cast<double>(number))
                  : absl::StrCat(number)),
        number(true) {}

  absl::string_view key;
  std::string value;
  bool number = false;
};

// `event key=value ...` in text, {"event": ..., "key": "value", ...} in JSON,
// numbers as numbers; text fields with empty values are left out.
void LogEvent(spdlog::level::level_enum level, absl::string_view event,
              std::initializer_list<LogField> fields);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_LOGGING_H_
