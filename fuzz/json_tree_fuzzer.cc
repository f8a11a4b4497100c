// json_tree_fuzzer: bytes as JSON, read by the service's own parser
// (encoding::ParseJson) and by protobuf's, which the HTTP API used before.
// Ours is the stricter (RFC 8259 only), so whatever it accepts protobuf must
// accept too, as the same tree. Then the tree as a ResolveRequest
// (encoding::MessageFromJson) against protobuf's lenient parse of the same
// text: where both succeed they must agree, and printing the request back
// (encoding::MessageToJson) must give protobuf printer's tree.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "encoding/json_message.h"
#include "encoding/json_shape.h"
#include "encoding/json_value.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "fuzz/fuzz_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace encoding = flyteoverride::encoding;
using google::protobuf::util::MessageDifferencer;

namespace {

void Check(bool ok, const char* what, const std::string& text) {
  if (ok) return;
  std::fprintf(stderr, "json_tree_fuzzer: %s\n%s\n", what, text.c_str());
  std::abort();
}

// Protobuf's lenient JSON reader takes a member named "" as a field of the
// message around it (`{"nodes": [{"": {}}]}` reads as a node with an empty
// upstream node id), where an unknown member is meant to be skipped, as
// MessageFromJson skips it. Such texts are no test of ours.
bool HasEmptyMemberName(const google::protobuf::Value& value) {
  if (value.has_list_value()) {
    for (const auto& item : value.list_value().values())
      if (HasEmptyMemberName(item)) return true;
  } else if (value.has_struct_value()) {
    for (const auto& [name, member] : value.struct_value().fields())
      if (name.empty() || HasEmptyMemberName(member)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  flyteoverride::fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > flyteoverride::fuzz::kMaxInputBytes) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Protobuf's parser recurses without bound; every entry point judges
  // nesting first, and so does this.
  if (!encoding::CheckJsonShape(text).ok()) return 0;
  absl::StatusOr<google::protobuf::Value> ours = encoding::ParseJson(text);
  if (!ours.ok()) return 0;
  google::protobuf::Value theirs;
  Check(google::protobuf::util::JsonStringToMessage(text, &theirs).ok(),
        "ParseJson accepted what protobuf refuses", text);
  Check(MessageDifferencer::Equals(*ours, theirs),
        "ParseJson and protobuf read different trees", text);

  if (HasEmptyMemberName(*ours)) return 0;
  flyteoverride::v1::ResolveRequest from_tree, from_text;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  if (!encoding::MessageFromJson(*ours, &from_tree).ok() ||
      !google::protobuf::util::JsonStringToMessage(text, &from_text, lenient)
           .ok()) {
    return 0;
  }
  Check(MessageDifferencer::Equals(from_tree, from_text),
        "MessageFromJson and protobuf read different requests", text);
  std::string printed;
  Check(google::protobuf::util::MessageToJsonString(from_tree, &printed).ok(),
        "protobuf cannot print the request", text);
  absl::StatusOr<google::protobuf::Value> printed_tree =
      encoding::ParseJson(printed);
  Check(printed_tree.ok() && MessageDifferencer::Equals(
                                 *printed_tree, encoding::MessageToJson(from_tree)),
        "MessageToJson and protobuf's printer disagree", text);
  return 0;
}
