// The console's pages on the HTTP port (docs/console.md): static files
// compiled into the binary, served to anyone, since they hold no data; what
// the page then asks of the API is authorized like any other call.
#ifndef FLYTEOVERRIDE_SERVER_CONSOLE_ROUTE_H_
#define FLYTEOVERRIDE_SERVER_CONSOLE_ROUTE_H_

#include <optional>

#include "server/http_server.h"

namespace flyteoverride::server {

// GET / redirects to /console/, which answers index.html; GET /console/NAME
// answers the file NAME;
// nullopt for any other request.
std::optional<HttpResponse> ServeConsole(const HttpRequest& request);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_CONSOLE_ROUTE_H_
