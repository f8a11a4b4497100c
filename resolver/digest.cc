#include "resolver/digest.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "resolver/json_format.h"

namespace flyteoverride::resolver {
namespace {

void Update(SHA256_CTX* ctx, const google::protobuf::Message& message) {
  const std::string bytes = DeterministicBytes(message);
  // Length-prefixed, so that parts cannot run into each other.
  const std::string length = absl::StrCat(bytes.size(), ":");
  SHA256_Update(ctx, length.data(), length.size());
  SHA256_Update(ctx, bytes.data(), bytes.size());
}

}  // namespace

std::string InputDigest(const v1::ResolveRequest& request) {
  v1::OverrideMap launch_plan, execution;
  *launch_plan.mutable_hooks() = request.launch_plan_overrides();
  *execution.mutable_hooks() = request.execution_overrides();
  v1::ResolveOptions options;
  options.set_unknown_hooks(request.options().unknown_hooks());

  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  Update(&ctx, request.closure());
  Update(&ctx, launch_plan);
  Update(&ctx, execution);
  Update(&ctx, options);
  unsigned char hash[SHA256_DIGEST_LENGTH];
  SHA256_Final(hash, &ctx);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), sizeof(hash)));
}

}  // namespace flyteoverride::resolver
