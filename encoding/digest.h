// The input digest of a resolve: what decides its result, hashed, so a
// repeated call can be recognised and a different one refused.
#ifndef FLYTEOVERRIDE_ENCODING_DIGEST_H_
#define FLYTEOVERRIDE_ENCODING_DIGEST_H_

#include <string>

#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::encoding {

// Lower-case hex SHA-256 over the deterministic serialization of the closure,
// both override maps, options.unknown_hooks and options.implicit_hooks. The
// execution id, dry_run, explain and rewrite_closure change only what is
// returned or stored, so they are left out.
std::string InputDigest(const v1::ResolveRequest& request);

}  // namespace flyteoverride::encoding

#endif  // FLYTEOVERRIDE_ENCODING_DIGEST_H_
