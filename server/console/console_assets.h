// The console's files (docs/console.md), compiled into the binary so the
// page needs nothing deployed beside it.
#ifndef FLYTEOVERRIDE_SERVER_CONSOLE_CONSOLE_ASSETS_H_
#define FLYTEOVERRIDE_SERVER_CONSOLE_CONSOLE_ASSETS_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace flyteoverride::server::console {

struct Asset {
  absl::string_view name;  // the base name: "index.html", "app.js"
  absl::string_view content_type;
  absl::string_view body;
};

// Every asset, sorted by name.
absl::Span<const Asset> AllAssets();
// The asset of that base name, or nullptr.
const Asset* FindAsset(absl::string_view name);

}  // namespace flyteoverride::server::console

#endif  // FLYTEOVERRIDE_SERVER_CONSOLE_CONSOLE_ASSETS_H_
