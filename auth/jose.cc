#include "auth/jose.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "encoding/json_shape.h"
#include "google/protobuf/util/json_util.h"

namespace flyteoverride::auth {

absl::StatusOr<std::string> DecodeBase64Url(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
        c == '_') {
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        c == '=' ? "padding (\"=\")" : "a character outside base64url",
        " at offset ", i));
  }
  // Four characters carry three bytes; a lone last character carries none.
  std::string bytes;
  if (text.size() % 4 == 1 || !absl::WebSafeBase64Unescape(text, &bytes)) {
    return absl::InvalidArgumentError("not valid base64url");
  }
  // absl ignores the unused low bits of the last character; a text with
  // them set is a second spelling of the same bytes.
  if (absl::WebSafeBase64Escape(bytes) != text) {
    return absl::InvalidArgumentError("not canonical base64url");
  }
  return bytes;
}

absl::StatusOr<google::protobuf::Struct> ParseJsonObject(
    absl::string_view text) {
  if (absl::Status depth = encoding::CheckJsonShape(text, 16); !depth.ok()) {
    return absl::InvalidArgumentError("JSON nested too deeply");
  }
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(text.data(), text.size()), &object)
           .ok()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  return object;
}

absl::StatusOr<std::optional<std::string>> StringMember(
    const google::protobuf::Struct& object, const std::string& name) {
  const auto it = object.fields().find(name);
  if (it == object.fields().end()) return std::nullopt;
  if (it->second.kind_case() != google::protobuf::Value::kStringValue) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be a string"));
  }
  return it->second.string_value();
}

}  // namespace flyteoverride::auth
