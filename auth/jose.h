// The encodings JWTs and JWKS documents are written in (RFC 7515-7517):
// strict unpadded base64url, and JSON objects read into
// google.protobuf.Struct by protobuf's own parser.
#ifndef FLYTEOVERRIDE_AUTH_JOSE_H_
#define FLYTEOVERRIDE_AUTH_JOSE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace flyteoverride::auth {

// Only the canonical encoding of some bytes is accepted: no padding, no
// whitespace, no `+` or `/`, no stray low bits, so one byte string has one
// accepted text. INVALID_ARGUMENT saying what is wrong, never quoting the
// text (it may be a credential).
absl::StatusOr<std::string> DecodeBase64Url(absl::string_view text);

// A JSON object, nested at most 16 deep (real headers, claims and key sets
// nest 3 or 4). INVALID_ARGUMENT, without quoting the text, for anything
// else.
absl::StatusOr<google::protobuf::Struct> ParseJsonObject(
    absl::string_view text);

// The member `name` of `object` when it is a string; nullopt when absent;
// INVALID_ARGUMENT "NAME must be a string" otherwise.
absl::StatusOr<std::optional<std::string>> StringMember(
    const google::protobuf::Struct& object, const std::string& name);

}  // namespace flyteoverride::auth

#endif  // FLYTEOVERRIDE_AUTH_JOSE_H_
