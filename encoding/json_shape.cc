#include "encoding/json_shape.h"

#include <cstddef>

#include "absl/strings/str_cat.h"

namespace flyteoverride::encoding {

absl::Status CheckJsonShape(absl::string_view text, int max_depth,
                            size_t max_elements) {
  int depth = 0;
  size_t elements = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case ',':
      case '{':
      case '[':
        if (++elements > max_elements) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "the JSON holds more than ", max_elements,
              " objects, lists, members and items (at byte ", i, ")"));
        }
        if (c != ',' && ++depth > max_depth) {
          return absl::InvalidArgumentError(absl::StrCat(
              "the JSON nests deeper than ", max_depth,
              " objects and lists (at byte ", i, ")"));
        }
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace flyteoverride::encoding
