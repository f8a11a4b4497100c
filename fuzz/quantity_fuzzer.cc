// quantity_fuzzer: bytes as a Kubernetes quantity through
// resolver::Quantity::Parse, the parser behind every resource value an
// override sets. A value that parses must survive its canonical form:
// Parse(ToCanonicalString()) gives back an equal value (quantity.h).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_util.h"
#include "resolver/quantity.h"

using flyteoverride::resolver::Quantity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > flyteoverride::fuzz::kMaxInputBytes) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<Quantity> parsed = Quantity::Parse(text);
  if (!parsed.ok()) return 0;
  const std::string canonical = parsed->ToCanonicalString();
  const absl::StatusOr<Quantity> again = Quantity::Parse(canonical);
  if (!again.ok() || *again != *parsed) {
    std::fprintf(stderr, "fuzz: \"%s\" prints as \"%s\", which reads %s\n",
                 std::string(text).c_str(), canonical.c_str(),
                 again.ok() ? again->ToCanonicalString().c_str()
                            : again.status().ToString().c_str());
    std::abort();
  }
  return 0;
}
