#include "server/logging.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace flyteoverride::server {
namespace {

std::atomic<bool> json_format{false};

// Text values are quoted when they would not read as one token.
std::string TextValue(absl::string_view value) {
  if (!value.empty() &&
      value.find_first_of(" \"=\n") == absl::string_view::npos) {
    return std::string(value);
  }
  return encoding::JsonQuoted(value);
}

}  // namespace

absl::Status SetUpLogging(absl::string_view level, absl::string_view format) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown log level \"", level, "\""));
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown log format \"", format, "\""));
  }
  json_format = format == "json";
  auto logger = spdlog::stderr_logger_mt("override-resolver");
  logger->set_level(parsed);
  logger->set_pattern(json_format
                          ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})"
                          : "%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                      spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return absl::OkStatus();
}

void LogEvent(spdlog::level::level_enum level, absl::string_view event,
              std::initializer_list<LogField> fields) {
  if (!spdlog::should_log(level)) return;
  std::string line;
  if (json_format) {
    line = absl::StrCat("\"event\":", encoding::JsonQuoted(event));
    for (const LogField& field : fields) {
      if (field.value.empty()) continue;
      absl::StrAppend(&line, ",\"", field.key, "\":",
                      field.number ? field.value
                                   : encoding::JsonQuoted(field.value));
    }
  } else {
    line = std::string(event);
    for (const LogField& field : fields) {
      if (!field.value.empty())
        absl::StrAppend(&line, " ", field.key, "=", TextValue(field.value));
    }
  }
  spdlog::log(level, "{}", line);
}

}  // namespace flyteoverride::server
