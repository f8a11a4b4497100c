#include "server/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flyteoverride::server {
namespace {

constexpr absl::string_view kVersion = "1";
// Far beyond a name's length: a longer token is not one of ours, and is
// refused before it is decoded.
constexpr size_t kMaxTokenBytes = 2048;

absl::Status Bad() {
  return absl::InvalidArgumentError(
      "page_token is not a token a previous ListExecutions returned");
}

}  // namespace

std::string EncodePageToken(const storage::ListPosition& position) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, ":", position.created_us, ":", position.name));
}

absl::StatusOr<storage::ListPosition> DecodePageToken(absl::string_view token) {
  std::string text;
  if (token.size() > kMaxTokenBytes ||
      !absl::WebSafeBase64Unescape(token, &text)) {
    return Bad();
  }
  // The name may hold ':' itself: only the first two split.
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits(':', 2));
  storage::ListPosition position;
  if (parts.size() != 3 || parts[0] != kVersion || parts[2].empty() ||
      !absl::SimpleAtoi(parts[1], &position.created_us)) {
    return Bad();
  }
  position.name = std::string(parts[2]);
  return position;
}

}  // namespace flyteoverride::server
