// override_map_fuzzer: bytes as an override map file ({hook:
// TaskNodeOverrides}) through tools::ParseOverrideMap, as overridectl reads
// --launch-plan and --execution: once as JSON, once as YAML (yaml-cpp, then
// the YAML-to-JSON conversion, then the strict member check).
#include <cstdint>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_util.h"
#include "tools/inputs.h"

namespace v1 = flyteoverride::v1;
using flyteoverride::tools::ParseOverrideMap;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  flyteoverride::fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > flyteoverride::fuzz::kMaxInputBytes) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  // Errors are values; only a sanitizer report or an escaped exception is a
  // finding here.
  (void)ParseOverrideMap(text, /*yaml=*/false, "execution_overrides",
                         v1::EXECUTION, "execution.json");
  (void)ParseOverrideMap(text, /*yaml=*/true, "launch_plan_overrides",
                         v1::LAUNCH_PLAN, "launch_plan.yaml");
  return 0;
}
