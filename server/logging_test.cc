#include "server/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

// What LogEvent writes to stderr, in JSON.
std::string JsonLine(std::initializer_list<LogField> fields) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR")
                                             : "/tmp") +
      "/log.json";
  const int file = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  const int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  LogEvent(spdlog::level::info, "call", fields);
  spdlog::default_logger()->flush();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Logging, JsonLinesWriteNumbersAsNumbers) {
  ASSERT_TRUE(SetUpLogging("info", "json").ok());
  const std::string line = JsonLine(
      {{"rpc", "Resolve"}, {"nodes", 6}, {"latency_ms", 1.25}, {"error", ""}});
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok())
      << line;
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("event").string_value(), "call");
  EXPECT_EQ(fields.at("rpc").string_value(), "Resolve");
  ASSERT_TRUE(fields.at("nodes").has_number_value()) << line;
  EXPECT_EQ(fields.at("nodes").number_value(), 6);
  ASSERT_TRUE(fields.at("latency_ms").has_number_value()) << line;
  EXPECT_EQ(fields.at("latency_ms").number_value(), 1.25);
  EXPECT_EQ(fields.count("error"), 0u);  // empty text is left out
}

}  // namespace
}  // namespace flyteoverride::server
