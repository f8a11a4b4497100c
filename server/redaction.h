// Environment values of secret keys out of sight (docs/security.md): what a
// caller whose rule does not reveal secrets sees instead of them. Records
// keep the values; only answers are redacted.
#ifndef FLYTEOVERRIDE_SERVER_REDACTION_H_
#define FLYTEOVERRIDE_SERVER_REDACTION_H_

#include <string>

#include "absl/types/span.h"
#include "google/protobuf/message.h"

namespace flyteoverride::server {

// Replaces, anywhere in `message`, the value of every environment key that
// matches one of the glob `patterns` with "<redacted>": in override
// documents (TaskNodeOverrides.environment), in explain provenance
// ("environment.KEY", current and shadowed values) and in the containers of
// a rewritten closure (Container.env).
void RedactSecrets(absl::Span<const std::string> patterns,
                   google::protobuf::Message* message);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_REDACTION_H_
