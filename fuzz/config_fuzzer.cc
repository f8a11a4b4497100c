// config_fuzzer: bytes as the server's YAML config file through
// config::ParseConfig (yaml-cpp, every key's reader, the policy: section and
// the checks). A config that parses must also pass ValidateConfig, which
// main.cc runs again after flags: ParseConfig validates as it reads.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "config/config.h"
#include "fuzz/fuzz_util.h"

namespace config = flyteoverride::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > flyteoverride::fuzz::kMaxInputBytes) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<config::Config> parsed = config::ParseConfig(text);
  if (!parsed.ok()) return 0;
  if (const absl::Status valid = config::ValidateConfig(*parsed); !valid.ok()) {
    std::fprintf(stderr, "fuzz: a parsed config fails validation: %s\n",
                 valid.ToString().c_str());
    std::abort();
  }
  return 0;
}
