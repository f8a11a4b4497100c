#include "server/http_api.h"

#include <map>
#include <memory>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "encoding/closure_json.h"
#include "encoding/json_format.h"
#include "encoding/json_message.h"
#include "encoding/json_value.h"
#include "encoding/strict_json.h"
#include "resolver/resolve.h"
#include "resolver/violations.h"
#include "server/console_route.h"
#include "server/http_status.h"
#include "server/request_limits.h"

namespace flyteoverride::server {
namespace {

constexpr char kJson[] = "application/json";

HttpResponse Error(const Outcome& outcome) {
  HttpResponse response{HttpStatusFor(outcome), kJson, HttpErrorBody(outcome),
                        RetryAfterSeconds(outcome)};
  // RFC 9110: a 401 names the scheme that would let the caller in.
  if (outcome.status.code() == absl::StatusCode::kUnauthenticated)
    response.www_authenticate = R"(Bearer realm="flyteoverride")";
  return response;
}

// Bearer tokens, and over mutual TLS the verified client certificate.
CallCredentials CredentialsOf(const HttpRequest& http) {
  return {http.peer_certificate_pem, http.headers};
}

HttpResponse Json(const google::protobuf::Message& message) {
  return {200, kJson, encoding::DeterministicJson(message, false)};
}

// Problems a refused body reports (the resolver's own max_violations
// applies to the rest).
constexpr size_t kMaxViolationsRead = 100;

// A problem the strict reader found in a body; inside an override map it is
// the violation overridectl reports for the same member (naming the hook
// and layer).
v1::Violation BodyProblem(const encoding::JsonProblem& problem) {
  const std::string& path = problem.path;
  for (const auto& [map, layer] :
       {std::pair<absl::string_view, v1::Layer>{"launch_plan_overrides",
                                                v1::LAUNCH_PLAN},
        {"execution_overrides", v1::EXECUTION}}) {
    if (!absl::StartsWith(path, absl::StrCat(map, "["))) continue;
    const size_t end = path.find(']', map.size());
    if (end == std::string::npos) break;
    absl::string_view below = absl::string_view(path).substr(end + 1);
    absl::ConsumePrefix(&below, ".");
    return resolver::OverrideDocumentProblem(
        map, path.substr(map.size() + 1, end - map.size() - 1), below, layer,
        problem.reason(), problem.detail);
  }
  return resolver::MakeViolation(
      path,
      problem.kind == encoding::JsonProblem::Kind::kUnknownField
          ? absl::StrCat("unknown field \"", path, "\"; ", problem.detail)
          : absl::StrCat(path, ": ", problem.detail),
      problem.reason(), v1::Violation::INVALID_VALUE);
}

// Members outside the closure are read strictly: each problem becomes a
// violation, never silently dropped or guessed at; the closure leniently,
// as flytectl's JSON carries fields the subset omits. Unknown or repeated
// members inside override maps go to `in_maps`, to be reported with the
// resolve's own violations; any other problem fails the call here, with
// every problem found. `closure` receives the body's closure as written,
// for a rewritten closure to be laid back over it.
template <typename Request>
Outcome ParseBody(const std::string& body, const RequestLimits& limits,
                  Request* request, google::protobuf::Value* closure,
                  std::vector<v1::Violation>* in_maps) {
  // Nesting and elements are judged before any parser runs: both cost
  // parsers far more than their bytes.
  if (Outcome shape = CheckJsonText(body, limits); !shape.ok()) return shape;
  // The body is read once; the request and the closure are taken from the
  // tree.
  absl::StatusOr<google::protobuf::Value> parsed = encoding::ParseJson(body);
  if (!parsed.ok()) return MalformedRequest(std::string(parsed.status().message()));
  google::protobuf::Value document = *std::move(parsed);
  if (!document.has_struct_value())
    return MalformedRequest("the body is not a JSON object");
  auto* fields = document.mutable_struct_value()->mutable_fields();
  if (auto it = fields->find("closure"); it != fields->end()) {
    absl::StatusOr<google::protobuf::Value> own =
        encoding::ClosureOf(std::move(it->second));
    if (!own.ok()) return own.status();
    *closure = *std::move(own);
    fields->erase(it);
  }
  std::vector<v1::Violation> refused;
  for (const encoding::JsonProblem& problem :
       encoding::CheckJson(document, *Request::descriptor(), "")) {
    v1::Violation violation = BodyProblem(problem);
    const bool deferred =
        !violation.hook().empty() &&
        (problem.kind == encoding::JsonProblem::Kind::kUnknownField ||
         problem.kind == encoding::JsonProblem::Kind::kDuplicateField);
    (deferred ? *in_maps : refused).push_back(std::move(violation));
  }
  if (!refused.empty()) {
    std::string message = absl::StrCat(refused[0].field(), ": ",
                                       refused[0].description());
    refused.insert(refused.end(), in_maps->begin(), in_maps->end());
    resolver::CapViolations(kMaxViolationsRead, &refused);
    return Outcome(absl::InvalidArgumentError(message), std::move(refused));
  }
  absl::Status status = encoding::MessageFromJson(document, request);
  if (status.ok() && closure->kind_case() != google::protobuf::Value::KIND_NOT_SET)
    status = encoding::MessageFromJson(*closure, request->mutable_closure());
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad request body: ", status.message()));
  }
  return Outcome();
}

// A body of binary protobuf rather than JSON (docs/design.md section 5.2):
// what a browser sends for a closure it holds only as bytes.
bool IsBinaryBody(const HttpRequest& http) {
  for (const auto& [name, value] : http.headers) {
    if (name != "content-type") continue;
    const absl::string_view type = absl::StripAsciiWhitespace(
        absl::string_view(value).substr(0, value.find(';')));
    return absl::EqualsIgnoreCase(type, "application/x-protobuf") ||
           absl::EqualsIgnoreCase(type, "application/octet-stream");
  }
  return false;
}

// A Resolve response whose rewritten closure keeps every member the JSON
// body's closure had, the ones the subset does not declare included
// (bindings, interfaces, connections): the subset alone would drop them.
HttpResponse ResolveJson(v1::ResolveResponse response,
                         const google::protobuf::Value& closure) {
  // A binary body has no JSON closure to lay the result over.
  if (!response.has_rewritten_closure() ||
      closure.kind_case() == google::protobuf::Value::KIND_NOT_SET) {
    return Json(response);
  }
  const std::vector<v1::TemplateCopy> copies(response.template_copies().begin(),
                                             response.template_copies().end());
  const std::unique_ptr<flyteidl::core::CompiledWorkflowClosure> rewritten(
      response.release_rewritten_closure());
  absl::StatusOr<google::protobuf::Value> overlaid =
      encoding::OverlayClosure(closure, *rewritten, copies);
  if (!overlaid.ok()) return Error(overlaid.status());
  // The response's other members, and the overlaid closure beside them.
  google::protobuf::Value body = encoding::MessageToJson(response);
  (*body.mutable_struct_value()->mutable_fields())["rewrittenClosure"] =
      *std::move(overlaid);
  return Json(body);
}

// ?page_size=N&page_token=T&org=O into `request`; any other parameter, or a
// page size that is not an integer, is refused rather than ignored. The
// service judges the values themselves.
Outcome ListQuery(const std::map<std::string, std::string>& query,
                  v1::ListExecutionsRequest* request) {
  for (const auto& [name, value] : query) {
    if (name == "page_token") {
      request->set_page_token(value);
    } else if (name == "org") {
      request->set_org(value);
    } else if (name == "page_size") {
      int32_t size = 0;
      if (!absl::SimpleAtoi(value, &size)) {
        return Outcome::Refused({resolver::MakeViolation(
            name,
            absl::StrCat("page_size \"", absl::CHexEscape(value),
                         "\" is not an integer"),
            "BAD_PAGE_SIZE", v1::Violation::INVALID_VALUE)});
      }
      request->set_page_size(size);
    } else {
      return Outcome::Refused({resolver::MakeViolation(
          name,
          absl::StrCat("unknown query parameter \"", absl::CHexEscape(name),
                       "\"; the listing takes page_size, page_token and org"),
          "UNKNOWN_FIELD", v1::Violation::INVALID_VALUE)});
    }
  }
  return Outcome();
}

}  // namespace

template <typename Request, typename Response, typename Call>
HttpResponse HttpApi::Post(const HttpRequest& http, const char* rpc,
                           Call call) const {
  HttpResponse answer;
  // Reading the body is part of the call: a refused body is counted and logged.
  const Outcome outcome = runner_->Run(
      rpc, "", absl::InfiniteFuture(),
      [&](CallStats* stats, absl::Time deadline) {
        Request request;
        google::protobuf::Value closure;
        std::vector<v1::Violation> unknown;
        Outcome read =
            IsBinaryBody(http)
                ? ReadProto(http.body, limits_, &request)
                : ParseBody(http.body, limits_, &request, &closure, &unknown);
        if (!read.ok()) return read;
        const std::string execution = CallSubject(request);
        stats->execution = execution;
        const CallScope scope = ScopeOf(request);
        const Verdict verdict =
            authorizer_->Check(CredentialsOf(http), rpc, scope, absl::Now());
        Response response;
        Outcome result =
            verdict.decision.ok()
                ? call(request, deadline, stats, std::move(unknown))
                      .Deliver(&response)
                : Outcome(verdict.decision.status());
        // As on gRPC: audit, redaction and encoding are the call's work.
        authorizer_->Finish(verdict, rpc, scope, execution, DigestOf(response),
                            result, &response);
        if (!result.ok()) return result;
        if constexpr (std::is_same_v<Response, v1::ResolveResponse>) {
          answer = ResolveJson(std::move(response), closure);
        } else {
          answer = Json(response);
        }
        return result;
      });
  if (!outcome.ok()) return Error(outcome);
  return answer;
}

template <typename Request, typename Response, typename Call>
HttpResponse HttpApi::Get(const HttpRequest& http, const char* rpc,
                          const Request& request, const Outcome& read,
                          Call call) const {
  HttpResponse answer;
  const std::string execution = CallSubject(request);
  const CallScope scope = ScopeOf(request);
  // A refused query is counted and logged like any other refusal.
  const Outcome outcome = runner_->Run(
      rpc, execution, absl::InfiniteFuture(),
      [&](CallStats* stats, absl::Time) {
        if (!read.ok()) return read;
        const Verdict verdict =
            authorizer_->Check(CredentialsOf(http), rpc, scope, absl::Now());
        Response response;
        Outcome result = verdict.decision.ok()
                             ? call(request, stats).Deliver(&response)
                             : Outcome(verdict.decision.status());
        authorizer_->Finish(verdict, rpc, scope, execution, DigestOf(response),
                            result, &response);
        if (result.ok()) answer = Json(response);
        return result;
      });
  if (!outcome.ok()) return Error(outcome);
  return answer;
}

HttpResponse HttpApi::Executions(const HttpRequest& http) const {
  const std::vector<std::string> parts = absl::StrSplit(
      http.path.substr(std::string("/v1/executions/").size()), '/');
  const bool named = absl::c_none_of(
      parts, [](const std::string& part) { return part.empty(); });
  if (named && parts.size() == 2) return ListExecutions(http, parts);
  if (named && parts.size() == 3) return GetResolved(http, parts);
  return Error(absl::NotFoundError(
      "use /v1/executions/{project}/{domain}[?page_size=N][&page_token=T]"
      "[&org=O] or /v1/executions/{project}/{domain}/{name}[?node=PATH]"));
}

HttpResponse HttpApi::GetResolved(const HttpRequest& http,
                                  const std::vector<std::string>& parts) const {
  v1::GetResolvedRequest request;
  request.mutable_execution_id()->set_project(parts[0]);
  request.mutable_execution_id()->set_domain(parts[1]);
  request.mutable_execution_id()->set_name(parts[2]);
  if (auto node = http.query.find("node"); node != http.query.end()) {
    request.set_node_path(node->second);
  }
  if (auto explain = http.query.find("explain"); explain != http.query.end())
    request.set_explain(explain->second == "true" || explain->second == "1");
  return Get<v1::GetResolvedRequest, v1::GetResolvedResponse>(
      http, "GetResolved", request, Outcome(),
      [this](const auto& r, CallStats* stats) {
        return service_->GetResolved(r, stats);
      });
}

HttpResponse HttpApi::ListExecutions(
    const HttpRequest& http, const std::vector<std::string>& parts) const {
  v1::ListExecutionsRequest request;
  request.set_project(parts[0]);
  request.set_domain(parts[1]);
  return Get<v1::ListExecutionsRequest, v1::ListExecutionsResponse>(
      http, "ListExecutions", request, ListQuery(http.query, &request),
      [this](const auto& r, CallStats* stats) {
        return service_->ListExecutions(r, stats);
      });
}

std::optional<HttpResponse> HttpApi::HandleProbe(
    const HttpRequest& http) const {
  if (http.method != "GET") return std::nullopt;
  if (http.path == "/healthz") return HttpResponse{200, "text/plain", "ok\n"};
  if (http.path == "/readyz") {
    const absl::Status ready = serving_->load()
                                   ? service_->Ready()
                                   : absl::UnavailableError("shutting down");
    ready_->Set(ready.ok() ? 1 : 0);
    if (ready.ok()) return HttpResponse{200, "text/plain", "ready\n"};
    return HttpResponse{503, "text/plain",
                        absl::StrCat("not ready: ", ready.message(), "\n")};
  }
  if (http.path == "/metrics") {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                        registry_->Render()};
  }
  return std::nullopt;
}

HttpResponse HttpApi::Handle(const HttpRequest& http) const {
  const bool get = http.method == "GET";
  const bool post = http.method == "POST";
  if (std::optional<HttpResponse> probe = HandleProbe(http)) return *probe;
  if (std::optional<HttpResponse> page = ServeConsole(http)) return *page;
  if (post && http.path == "/v1/inspect") {
    return Post<v1::InspectWorkflowRequest, v1::InspectWorkflowResponse>(
        http, "InspectWorkflow",
        [this](const auto& r, absl::Time, CallStats* stats,
               std::vector<v1::Violation>) {
          return service_->InspectWorkflow(r, stats);
        });
  }
  if (post && http.path == "/v1/resolve") {
    return Post<v1::ResolveRequest, v1::ResolveResponse>(
        http, "Resolve",
        [this](const auto& r, absl::Time deadline, CallStats* stats,
               std::vector<v1::Violation> unknown) {
          return service_->Resolve(r, deadline, stats, std::move(unknown));
        });
  }
  if (post && http.path == "/v1/resolve-dynamic") {
    return Post<v1::ResolveDynamicRequest, v1::ResolveDynamicResponse>(
        http, "ResolveDynamic",
        [this](const auto& r, absl::Time deadline, CallStats* stats,
               std::vector<v1::Violation>) {
          return service_->ResolveDynamic(r, deadline, stats);
        });
  }
  if (get && absl::StartsWith(http.path, "/v1/executions/"))
    return Executions(http);
  return Error(absl::NotFoundError(
      absl::StrCat("no route for ", http.method, " ", http.path)));
}

absl::StatusOr<int> HttpApi::Start(const HttpServerOptions& options) {
  auto server = HttpServer::Start(
      options, [this](const HttpRequest& r) { return Handle(r); });
  if (!server.ok()) return server.status();
  http_ = *std::move(server);
  return http_->port();
}

absl::StatusOr<int> HttpApi::StartProbes(const HttpServerOptions& options) {
  auto server = HttpServer::Start(options, [this](const HttpRequest& r) {
    std::optional<HttpResponse> probe = HandleProbe(r);
    if (probe) return *std::move(probe);
    return Error(absl::NotFoundError(absl::StrCat(
        "the probe port serves GET /healthz, /readyz and /metrics only; the "
        "API is on the HTTP port")));
  });
  if (!server.ok()) return server.status();
  probes_ = *std::move(server);
  return probes_->port();
}

void HttpApi::Stop() {
  if (http_ != nullptr) http_->Stop();
  if (probes_ != nullptr) probes_->Stop();
}

}  // namespace flyteoverride::server
