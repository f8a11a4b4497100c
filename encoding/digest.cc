#include "encoding/digest.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"

namespace flyteoverride::encoding {
namespace {

void Update(EVP_MD_CTX* ctx, const google::protobuf::Message& message) {
  const std::string bytes = DeterministicBytes(message);
  // Length-prefixed, so that parts cannot run into each other.
  const std::string length = absl::StrCat(bytes.size(), ":");
  EVP_DigestUpdate(ctx, length.data(), length.size());
  EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
}

}  // namespace

std::string InputDigest(const v1::ResolveRequest& request) {
  v1::OverrideMap launch_plan, execution;
  *launch_plan.mutable_hooks() = request.launch_plan_overrides();
  *execution.mutable_hooks() = request.execution_overrides();
  v1::ResolveOptions options;
  options.set_unknown_hooks(request.options().unknown_hooks());
  options.set_implicit_hooks(request.options().implicit_hooks());

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  Update(ctx.get(), request.closure());
  Update(ctx.get(), launch_plan);
  Update(ctx.get(), execution);
  Update(ctx.get(), options);
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), hash, &size);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), size));
}

}  // namespace flyteoverride::encoding
