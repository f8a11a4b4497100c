#include "encoding/digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace flyteoverride::encoding {
namespace {

using HookMap =
    google::protobuf::Map<std::string, flyteidl::core::TaskNodeOverrides>;

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

// Length-prefixed, so that parts cannot run into each other.
void UpdateLength(EVP_MD_CTX* ctx, size_t size) {
  const std::string length = absl::StrCat(size, ":");
  EVP_DigestUpdate(ctx, length.data(), length.size());
}

void Update(EVP_MD_CTX* ctx, const google::protobuf::Message& message) {
  UpdateLength(ctx, message.ByteSizeLong());
  HashingStream stream(ctx);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
}

// Hashes an override map as the message OverrideMap{hooks: map} serialises
// deterministically (entries in key order, each with its key and value),
// without copying every document into such a message first.
void Update(EVP_MD_CTX* ctx, const HookMap& map) {
  using google::protobuf::io::CodedOutputStream;
  // Field 1 (hooks) of OverrideMap; in each entry, field 1 the key and field
  // 2 the document: all length-delimited.
  constexpr uint32_t kHooks = 1 << 3 | 2, kKey = 1 << 3 | 2,
                     kValue = 2 << 3 | 2;
  struct Entry {
    const HookMap::value_type* entry;
    size_t value_size;
    size_t size;  // of the entry's own bytes, key and value
  };
  std::vector<Entry> entries;
  entries.reserve(map.size());
  size_t total = 0;
  for (const auto& entry : map) {
    const size_t key = entry.first.size();
    const size_t value = entry.second.ByteSizeLong();
    const size_t size = 2 + CodedOutputStream::VarintSize64(key) + key +
                        CodedOutputStream::VarintSize64(value) + value;
    entries.push_back({&entry, value, size});
    total += 1 + CodedOutputStream::VarintSize64(size) + size;
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.entry->first < b.entry->first;
  });
  UpdateLength(ctx, total);
  HashingStream stream(ctx);
  CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  for (const Entry& e : entries) {
    coded.WriteTag(kHooks);
    coded.WriteVarint64(e.size);
    coded.WriteTag(kKey);
    coded.WriteVarint64(e.entry->first.size());
    coded.WriteString(e.entry->first);
    coded.WriteTag(kValue);
    coded.WriteVarint64(e.value_size);
    e.entry->second.SerializeWithCachedSizes(&coded);
  }
}

}  // namespace

std::string InputDigest(const v1::ResolveRequest& request) {
  v1::ResolveOptions options;
  options.set_unknown_hooks(request.options().unknown_hooks());
  options.set_implicit_hooks(request.options().implicit_hooks());

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  Update(ctx.get(), request.closure());
  Update(ctx.get(), request.launch_plan_overrides());
  Update(ctx.get(), request.execution_overrides());
  Update(ctx.get(), options);
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), hash, &size);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), size));
}

}  // namespace flyteoverride::encoding
