// Who is calling and whether the config lets them (docs/design.md section
// 11, docs/security.md), for both surfaces: the caller's identity from a
// bearer token or the client certificate, then the first rule that grants
// the call. Decided from the request alone, before any record is read, so a
// refusal never reveals whether an execution exists. Also redacts secret
// environment values and writes the audit line.
#ifndef FLYTEOVERRIDE_SERVER_AUTHORIZER_H_
#define FLYTEOVERRIDE_SERVER_AUTHORIZER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/auth_config.h"
#include "auth/jwks.h"
#include "auth/rules.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "google/protobuf/message.h"
#include "server/answer.h"

namespace flyteoverride::server {

// What a call presents, as its surface read it.
struct CallCredentials {
  std::string peer_certificate_pem;  // mutual TLS; empty without
  // (lowercase name, value) of the headers a token may come in.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The project and domain a call concerns, and whether it only previews.
struct CallScope {
  std::string project;
  std::string domain;
  bool dry_run = false;
};

CallScope ScopeOf(const v1::InspectWorkflowRequest& request);
CallScope ScopeOf(const v1::ResolveRequest& request);
CallScope ScopeOf(const v1::GetResolvedRequest& request);
CallScope ScopeOf(const v1::ResolveDynamicRequest& request);
CallScope ScopeOf(const v1::ListExecutionsRequest& request);

// The answer's input digest, for the audit line; empty where there is none.
inline absl::string_view DigestOf(const v1::ResolveResponse& r) {
  return r.input_digest();
}
inline absl::string_view DigestOf(const v1::GetResolvedResponse& r) {
  return r.input_digest();
}
inline absl::string_view DigestOf(const google::protobuf::Message&) {
  return {};
}

// The caller, and the decision on one call: granted (the rule) or refused
// (UNAUTHENTICATED, PERMISSION_DENIED).
struct Verdict {
  std::string principal;  // empty when unknown
  absl::StatusOr<auth::Decision> decision;
};

// Thread-safe.
class Authorizer {
 public:
  // Reads auth.jwt's key file, when there is one.
  static absl::StatusOr<std::unique_ptr<Authorizer>> Create(
      auth::AuthConfig config, std::vector<std::string> secret_environment);

  bool enabled() const { return config_.enabled; }
  // The headers (gRPC metadata keys) bearer tokens are read from.
  const std::vector<std::string>& token_headers() const;

  Verdict Check(const CallCredentials& credentials, absl::string_view rpc,
                const CallScope& scope, absl::Time now) const;

  // After a call `verdict` let through: with auth on, one audit line when
  // it recorded or read a record (who, under which rule, what, how it
  // ended; never a value); and, answered, secret environment values in
  // `response` redacted unless the rule reveals them.
  void Finish(const Verdict& verdict, absl::string_view rpc,
              const CallScope& scope, absl::string_view execution,
              absl::string_view digest, const Outcome& outcome,
              google::protobuf::Message* response) const;

  // Re-reads the key file; a file that does not load keeps the keys in use.
  absl::Status ReloadKeys();

 private:
  Authorizer(auth::AuthConfig config, std::vector<std::string> secrets)
      : config_(std::move(config)), secret_environment_(std::move(secrets)) {}

  // The caller named by a token, else by the certificate; UNAUTHENTICATED
  // for a token that does not verify.
  absl::StatusOr<auth::Caller> Identify(const CallCredentials& credentials,
                                        absl::Time now) const;

  const auth::AuthConfig config_;
  const std::vector<std::string> secret_environment_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const auth::Jwks> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_AUTHORIZER_H_
