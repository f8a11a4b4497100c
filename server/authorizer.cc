#include "server/authorizer.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "auth/jwt.h"
#include "auth/peer_identity.h"
#include "server/logging.h"
#include "server/redaction.h"

namespace flyteoverride::server {
namespace {

absl::StatusOr<std::shared_ptr<const auth::Jwks>> LoadKeys(
    const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat("auth.jwt.jwks_file ", path, " cannot be read"));
  }
  std::string text(auth::Jwks::kMaxBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > auth::Jwks::kMaxBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("auth.jwt.jwks_file ", path, " is larger than ",
                     auth::Jwks::kMaxBytes, " bytes"));
  }
  absl::StatusOr<auth::Jwks> keys = auth::Jwks::Parse(text);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("auth.jwt.jwks_file ", path, ": ", keys.status().message()));
  }
  for (const std::string& skipped : keys->skipped()) {
    LogEvent(spdlog::level::warn, "jwks key skipped",
             {{"file", path}, {"key", skipped}});
  }
  return std::make_shared<const auth::Jwks>(*std::move(keys));
}

// The project and domain an execution id names.
CallScope ExecutionScope(const flyteidl::core::WorkflowExecutionIdentifier& id,
                         bool dry_run = false) {
  return {id.project(), id.domain(), dry_run};
}

}  // namespace

CallScope ScopeOf(const v1::InspectWorkflowRequest& request) {
  // The scope asked for, else where the closure's workflow is registered.
  const auto& id = request.closure().primary().template_().id();
  return {request.project().empty() ? id.project() : request.project(),
          request.domain().empty() ? id.domain() : request.domain(), true};
}

CallScope ScopeOf(const v1::ResolveRequest& request) {
  return ExecutionScope(request.execution_id(), request.options().dry_run());
}

CallScope ScopeOf(const v1::GetResolvedRequest& request) {
  return ExecutionScope(request.execution_id());
}

CallScope ScopeOf(const v1::ResolveDynamicRequest& request) {
  return ExecutionScope(request.execution_id(), request.options().dry_run());
}

CallScope ScopeOf(const v1::ListExecutionsRequest& request) {
  return {request.project(), request.domain(), false};
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::Create(
    auth::AuthConfig config, std::vector<std::string> secret_environment) {
  std::unique_ptr<Authorizer> authorizer(
      new Authorizer(std::move(config), std::move(secret_environment)));
  if (authorizer->config_.enabled && authorizer->config_.jwt.has_value()) {
    if (absl::Status loaded = authorizer->ReloadKeys(); !loaded.ok())
      return loaded;
  }
  return authorizer;
}

const std::vector<std::string>& Authorizer::token_headers() const {
  static const std::vector<std::string> kNone;
  return config_.enabled && config_.jwt.has_value() ? config_.jwt->headers
                                                     : kNone;
}

absl::Status Authorizer::ReloadKeys() {
  if (!config_.jwt.has_value()) return absl::OkStatus();
  auto keys = LoadKeys(config_.jwt->jwks_file);
  if (!keys.ok()) return keys.status();
  absl::MutexLock lock(&mu_);
  keys_ = *std::move(keys);
  return absl::OkStatus();
}

absl::StatusOr<auth::Caller> Authorizer::Identify(
    const CallCredentials& credentials, absl::Time now) const {
  auth::Caller caller;
  for (const std::string& header : token_headers()) {
    for (const auto& [name, value] : credentials.headers) {
      if (name != header) continue;
      // A token names the caller, whatever certificate came with it.
      absl::StatusOr<absl::string_view> token = auth::BearerToken(value);
      std::shared_ptr<const auth::Jwks> keys;
      {
        absl::MutexLock lock(&mu_);
        keys = keys_;
      }
      absl::StatusOr<auth::VerifiedToken> verified =
          token.ok() ? auth::VerifyJwt(*token, *keys, *config_.jwt, now)
                     : absl::StatusOr<auth::VerifiedToken>(token.status());
      if (!verified.ok()) {
        return absl::UnauthenticatedError(absl::StrCat(
            "the bearer token in ", header,
            " is refused: ", verified.status().message()));
      }
      caller.principal = verified->subject;
      caller.groups = std::move(verified->groups);
      return caller;
    }
  }
  if (!credentials.peer_certificate_pem.empty()) {
    absl::StatusOr<std::string> principal =
        auth::CertificatePrincipalFromPem(credentials.peer_certificate_pem);
    if (!principal.ok()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the client certificate names no one: ", principal.status().message()));
    }
    caller.principal = *std::move(principal);
  }
  return caller;
}

Verdict Authorizer::Check(const CallCredentials& credentials,
                          absl::string_view rpc, const CallScope& scope,
                          absl::Time now) const {
  if (!config_.enabled) return {"", auth::Decision{"", true}};
  absl::StatusOr<auth::Caller> caller = Identify(credentials, now);
  if (!caller.ok()) return {"", caller.status()};
  return {caller->principal,
          auth::Authorize(config_, *caller, rpc, scope.dry_run, scope.project,
                          scope.domain)};
}

void Authorizer::Finish(const Verdict& verdict, absl::string_view rpc,
                        const CallScope& scope, absl::string_view execution,
                        absl::string_view digest, const Outcome& outcome,
                        google::protobuf::Message* response) const {
  const bool touches_record =
      rpc != "InspectWorkflow" && !(rpc == "Resolve" && scope.dry_run);
  if (config_.enabled && touches_record) {
    LogEvent(spdlog::level::info, "audit",
             {{"principal", verdict.principal},
              {"rule", verdict.decision.ok() ? verdict.decision->rule : ""},
              {"rpc", std::string(rpc)},
              {"execution", std::string(execution)},
              {"input_digest", std::string(digest)},
              {"outcome", absl::StatusCodeToString(outcome.status.code())}});
  }
  if (!outcome.ok() || secret_environment_.empty() ||
      (verdict.decision.ok() && verdict.decision->reveal_secrets)) {
    return;
  }
  RedactSecrets(secret_environment_, response);
}

}  // namespace flyteoverride::server
