#include "encoding/digest.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace flyteoverride::encoding {
namespace {

// Feeds what protobuf serialises straight into the hash, a few KiB at a
// time: a closure's bytes are never held whole (and never copied) just to be
// hashed.
class HashingStream final : public google::protobuf::io::ZeroCopyOutputStream {
 public:
  explicit HashingStream(EVP_MD_CTX* ctx) : ctx_(ctx) {}
  ~HashingStream() override { Flush(); }

  bool Next(void** data, int* size) override {
    Flush();
    *data = buffer_;
    *size = sizeof(buffer_);
    pending_ = sizeof(buffer_);
    return true;
  }
  void BackUp(int count) override { pending_ -= count; }
  int64_t ByteCount() const override { return hashed_ + pending_; }

 private:
  void Flush() {
    EVP_DigestUpdate(ctx_, buffer_, pending_);
    hashed_ += pending_;
    pending_ = 0;
  }

  EVP_MD_CTX* const ctx_;
  char buffer_[8192];
  int pending_ = 0;
  int64_t hashed_ = 0;
};

void Update(EVP_MD_CTX* ctx, const google::protobuf::Message& message) {
  // Length-prefixed, so that parts cannot run into each other.
  const size_t size = message.ByteSizeLong();
  const std::string length = absl::StrCat(size, ":");
  EVP_DigestUpdate(ctx, length.data(), length.size());
  HashingStream stream(ctx);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
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
