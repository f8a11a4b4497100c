// The principal a mutual-TLS client certificate names. The TLS handshake
// has already checked the certificate against the configured client CA;
// this only reads who it names, in the order SPIFFE and service meshes
// expect: the first URI SAN (spiffe://cluster.local/ns/flyte/sa/flyteadmin),
// else the first DNS SAN, else the subject's first CN.
#ifndef FLYTEOVERRIDE_AUTH_PEER_IDENTITY_H_
#define FLYTEOVERRIDE_AUTH_PEER_IDENTITY_H_

#include <openssl/types.h>

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::auth {

// Longer PEM text is refused unread; a leaf certificate is a few KiB.
inline constexpr size_t kMaxCertificatePemBytes = 64 << 10;

// UNAUTHENTICATED when the certificate names no one, or when the name it
// would be known by is empty or holds control characters (a NUL in a name
// is the classic way to make two names compare equal).
absl::StatusOr<std::string> CertificatePrincipal(const X509& certificate);

// The same for the first certificate of PEM text, as gRPC's AuthContext
// gives it (the `x509_pem_cert` property). UNAUTHENTICATED when the text is
// not a PEM certificate.
absl::StatusOr<std::string> CertificatePrincipalFromPem(absl::string_view pem);

}  // namespace flyteoverride::auth

#endif  // FLYTEOVERRIDE_AUTH_PEER_IDENTITY_H_
