#include "server/console_route.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "server/console/console_assets.h"

namespace flyteoverride::server {
namespace {

constexpr absl::string_view kPrefix = "/console/";

// The page runs only its own scripts and styles and talks only to this
// server: an injected string can neither load code nor send data elsewhere.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

HttpResponse Page(const console::Asset& asset) {
  HttpResponse response{200, std::string(asset.content_type),
                        std::string(asset.body)};
  response.headers = {
      {"Content-Security-Policy", kContentSecurityPolicy},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      // A new binary may bring new files under the same names.
      {"Cache-Control", "no-cache"},
  };
  return response;
}

}  // namespace

std::optional<HttpResponse> ServeConsole(const HttpRequest& request) {
  if (request.method != "GET") return std::nullopt;
  if (request.path == "/") {
    // There the page's relative links would miss /console/.
    HttpResponse moved{302, "text/plain; charset=utf-8", "see /console/\n"};
    moved.headers = {{"Location", std::string(kPrefix)}};
    return moved;
  }
  absl::string_view name;
  if (request.path == kPrefix) {
    name = "index.html";
  } else if (absl::StartsWith(request.path, kPrefix)) {
    name = absl::string_view(request.path).substr(kPrefix.size());
  } else {
    return std::nullopt;
  }
  if (const console::Asset* asset = console::FindAsset(name)) return Page(*asset);
  return HttpResponse{404, "text/plain; charset=utf-8",
                      "no such console file\n"};
}

}  // namespace flyteoverride::server
