// overridectl: inspect a closure's hooks and resolve override maps against
// it, in process, over the pure resolver core.
//
//   overridectl inspect CLOSURE [--json] [--implicit-hooks] [--server HOST:PORT]
//                       [--policy F [--project P] [--domain D]]
//   overridectl resolve --closure F [--launch-plan F] [--execution F]
//                       [--explain] [--json] [--warn-unknown-hooks]
//                       [--implicit-hooks]
//                       [--policy F [--project P] [--domain D]]
//                       [--rewrite-closure OUT [--forbid-task-copies]]
//                       [--server HOST:PORT [--execution-id P/D/N]]
//   overridectl get --server HOST:PORT --execution-id P/D/N [--node PATH]
//   [--json]
// With --server, calls a running override-resolver (TLS: --tls-ca, and for
// mutual TLS --tls-cert and --tls-key) instead of resolving in process.
// --policy F applies the `policy:` section of a server config file in
// process, for --project and --domain (default: the closure's workflow id).
//
// Exit status: 0 resolved, 1 the inputs have violations (or the server
// refused them), 2 usage, I/O or transport error.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "config/config.h"
#include "encoding/closure_json.h"
#include "encoding/json_format.h"
#include "pipeline/resolve_execution.h"
#include "resolver/violations.h"
#include "tools/inputs.h"
#include "tools/remote.h"
#include "tools/table.h"

namespace flyteoverride::tools {
namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  overridectl inspect CLOSURE [--json] [--implicit-hooks] [--server HOST:PORT]\n"
    "                      [--policy F [--project P] [--domain D]]\n"
    "  overridectl resolve --closure F [--launch-plan F] [--execution F]\n"
    "                      [--explain] [--json] [--warn-unknown-hooks]\n"
    "                      [--implicit-hooks]\n"
    "                      [--policy F [--project P] [--domain D]]\n"
    "                      [--rewrite-closure OUT [--forbid-task-copies]]\n"
    "                      [--server HOST:PORT [--execution-id P/D/N]]\n"
    "  overridectl get --server HOST:PORT --execution-id P/D/N [--node PATH] "
    "[--json]\n"
    "TLS to a server: --tls-ca FILE, and --tls-cert FILE --tls-key FILE for "
    "mutual TLS.\n"
    "CLOSURE: flyteidl CompiledWorkflowClosure as JSON (as flytectl prints it) "
    "or binary.\n"
    "Override maps: {hook: TaskNodeOverrides} as JSON, or YAML (.yaml, "
    ".yml).\n"
    "--rewrite-closure OUT writes the closure an unmodified Flyte v1 runs with "
    "the\n"
    "resolved overrides (docs/flyte-v1.md): JSON when OUT ends in .json, else "
    "binary,\n"
    "in the form the closure was read in.\n";

int Fail(const std::string& message) {
  std::cerr << "overridectl: " << message << "\n";
  return 2;
}

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // --flag VALUE
  std::map<std::string, bool> switches;       // --flag
};

bool ParseArgs(int argc, char** argv, const std::vector<std::string>& valued,
               const std::vector<std::string>& boolean, Args* args,
               std::string* error) {
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('=');
        absl::StartsWith(arg, "--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (std::find(valued.begin(), valued.end(), arg) != valued.end()) {
      if (!has_value) {
        if (i + 1 >= argc) {
          *error = absl::StrCat(arg, " needs a value");
          return false;
        }
        value = argv[++i];
      }
      args->values[arg] = value;
    } else if (std::find(boolean.begin(), boolean.end(), arg) !=
                   boolean.end() &&
               !has_value) {
      args->switches[arg] = true;
    } else if (absl::StartsWith(arg, "-")) {
      *error = absl::StrCat("unknown flag ", arg);
      return false;
    } else {
      args->positional.push_back(arg);
    }
  }
  return true;
}

absl::StatusOr<flyteidl::core::CompiledWorkflowClosure> LoadClosure(
    const std::string& path) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return ParseClosure(*bytes);
}

// Reads an override map file into `out`; its problems go to `problems`.
// False when one of them keeps the map from being read.
absl::StatusOr<bool> LoadMap(
    const std::string& path, absl::string_view field, v1::Layer layer,
    google::protobuf::Map<std::string, flyteidl::core::TaskNodeOverrides>* out,
    std::vector<v1::Violation>* problems) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const bool yaml =
      absl::EndsWith(path, ".yaml") || absl::EndsWith(path, ".yml");
  auto parsed = ParseOverrideMap(*text, yaml, field, layer, path);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", parsed.status().message()));
  }
  *out = std::move(*parsed->map.mutable_hooks());
  for (auto& violation : parsed->problems)
    problems->push_back(std::move(violation));
  return parsed->readable;
}

const std::vector<std::string> kPolicyFlags = {"--policy", "--project",
                                               "--domain"};

// --policy F: the rules of a server config file's `policy:` section for
// --project and --domain, which default to the closure's workflow id.
// (`inspect --server` sends --project and --domain to the server instead.)
// Nullopt without --policy. Policy runs in process: a server has its own.
absl::StatusOr<std::optional<policy::Policy>> LoadPolicy(
    Args& args, const flyteidl::core::CompiledWorkflowClosure& closure) {
  if (!args.values.count("--policy")) {
    // With --server, inspect sends them: the server's policy for that scope.
    if ((args.values.count("--project") || args.values.count("--domain")) &&
        !args.values.count("--server")) {
      return absl::InvalidArgumentError(
          "--project and --domain need --policy (or --server, for inspect)");
    }
    return std::nullopt;
  }
  if (args.values.count("--server")) {
    return absl::InvalidArgumentError(
        "--policy applies in process; a server applies its own policy");
  }
  auto config = config::LoadConfigFile(args.values["--policy"]);
  if (!config.ok()) return config.status();
  const auto& id = closure.primary().template_().id();
  auto pick = [&args](const char* flag, const std::string& fallback) {
    return args.values.count(flag) ? args.values[flag] : fallback;
  };
  return config->policy.For(pick("--project", id.project()),
                            pick("--domain", id.domain()));
}

const std::vector<std::string> kRemoteFlags = {"--server", "--tls-ca",
                                               "--tls-cert", "--tls-key"};

std::vector<std::string> With(std::vector<std::string> flags) {
  flags.insert(flags.end(), kRemoteFlags.begin(), kRemoteFlags.end());
  flags.insert(flags.end(), kPolicyFlags.begin(), kPolicyFlags.end());
  return flags;
}

absl::StatusOr<std::unique_ptr<Remote>> ConnectTo(Args& args) {
  RemoteOptions options;
  options.address = args.values["--server"];
  options.ca_file = args.values["--tls-ca"];
  options.cert_file = args.values["--tls-cert"];
  options.key_file = args.values["--tls-key"];
  return Remote::Connect(options);
}

// "project/domain/name" into an execution id.
bool ParseExecutionId(const std::string& text,
                      flyteidl::core::WorkflowExecutionIdentifier* id) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() != 3) return false;
  id->set_project(parts[0]);
  id->set_domain(parts[1]);
  id->set_name(parts[2]);
  return true;
}

// Prints a refusal's violations and warnings, the same wherever the
// resolve ran: with --json, as one flyteoverride.v1.ErrorDetails on stdout
// for scripts; else one line each on stderr, then the count.
void PrintRefusal(const std::vector<v1::Violation>& violations,
                  const std::vector<v1::Violation>& warnings, bool json) {
  if (json) {
    v1::ErrorDetails details;
    for (const v1::Violation& v : violations) *details.add_violations() = v;
    for (const v1::Violation& w : warnings) *details.add_warnings() = w;
    std::cout << encoding::DeterministicJson(details, true) << "\n";
    return;
  }
  std::cerr << ViolationLines(warnings, "warning")
            << ViolationLines(violations, "error") << violations.size()
            << " violation" << (violations.size() == 1 ? "" : "s") << "\n";
}

// Prints a server's refusal, after `read` (problems found in the files
// before the call); 1 when it judged the inputs, 2 when it could not be
// reached or failed.
int ReportRemote(const RemoteError& error, bool json = false,
                 std::vector<v1::Violation> read = {}) {
  read.insert(read.end(), error.violations.begin(), error.violations.end());
  if (read.empty()) {
    std::cerr << ViolationLines(error.warnings, "warning")
              << "error: " << absl::StatusCodeToString(error.status.code())
              << ": " << error.status.message() << "\n";
  } else {
    PrintRefusal(read, error.warnings, json);
  }
  switch (error.status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kResourceExhausted:
      return 1;
    default:
      return 2;
  }
}

// Only the form a closure was read in holds the fields the subset does not
// know (bindings, interfaces, ...), so the rewritten closure keeps it.
absl::Status CheckRewriteForm(const std::string& out, absl::string_view input) {
  const bool json_out = absl::EndsWith(out, ".json");
  if (LooksLikeJson(input) == json_out) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--rewrite-closure ", out, ": the closure was read as ",
      json_out ? "binary" : "JSON", ", so it is rewritten as ",
      json_out ? "binary (OUT not ending in .json)"
               : "JSON (OUT ending in .json)",
      "; the other form would lose the fields the resolver does not know"));
}

// Writes `rewritten` (closure bytes) to `out` in the form of `input`, and
// names the template copies on stderr.
absl::Status WriteRewrittenClosure(
    const std::string& out, absl::string_view input,
    const std::string& rewritten, const std::vector<v1::TemplateCopy>& copies) {
  std::string text = rewritten;
  if (LooksLikeJson(input)) {
    flyteidl::core::CompiledWorkflowClosure closure;
    if (!closure.ParseFromString(rewritten))
      return absl::InternalError("the rewritten closure does not parse");
    auto json = encoding::OverlayClosureJson(input, closure, copies);
    if (!json.ok()) return json.status();
    text = *std::move(json) + "\n";
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush())
    return absl::UnavailableError(absl::StrCat("cannot write ", out));
  for (const v1::TemplateCopy& copy : copies) {
    std::cerr << "copied "
              << absl::AsciiStrToLower(v1::TemplateCopy::Kind_Name(copy.kind()))
              << " " << resolver::IdentifierString(copy.original_id()) << " as "
              << copy.copy_id().name() << " for "
              << absl::StrJoin(copy.node_paths(), ", ") << ": " << copy.reason()
              << "\n";
  }
  std::cerr << "wrote the rewritten closure to " << out << "\n";
  return absl::OkStatus();
}

int Inspect(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, With({}), {"--json", "--implicit-hooks"}, &args,
                 &error))
    return Fail(error);
  if (args.positional.size() != 1)
    return Fail(absl::StrCat("inspect takes one CLOSURE\n", kUsage));
  auto closure = LoadClosure(args.positional[0]);
  if (!closure.ok()) return Fail(std::string(closure.status().message()));
  auto policy = LoadPolicy(args, *closure);
  if (!policy.ok()) return Fail(std::string(policy.status().message()));
  v1::InspectWorkflowResponse response;
  if (args.values.count("--server")) {
    auto remote = ConnectTo(args);
    if (!remote.ok()) return Fail(std::string(remote.status().message()));
    v1::InspectWorkflowRequest request;
    *request.mutable_closure() = *std::move(closure);
    request.set_project(args.values["--project"]);
    request.set_domain(args.values["--domain"]);
    request.set_implicit_hooks(args.switches["--implicit-hooks"]);
    RemoteError remote_error;
    if (!(*remote)->Inspect(request, &response, &remote_error))
      return ReportRemote(remote_error);
  } else {
    response = pipeline::InspectWorkflow(
        *closure, *policy ? &**policy : nullptr, resolver::WalkLimits(),
        args.switches["--implicit-hooks"]);
  }
  std::cout << (args.switches["--json"]
                    ? encoding::DeterministicJson(response, true) + "\n"
                    : InspectTable(response));
  std::vector<v1::Violation> diagnostics(response.diagnostics().begin(),
                                         response.diagnostics().end());
  std::cerr << ViolationLines(diagnostics, "error");
  return diagnostics.empty() ? 0 : 1;
}

int Resolve(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv,
                 With({"--closure", "--launch-plan", "--execution",
                       "--execution-id", "--rewrite-closure"}),
                 {"--explain", "--json", "--warn-unknown-hooks", "--implicit-hooks",
                  "--forbid-task-copies"},
                 &args, &error)) {
    return Fail(error);
  }
  if (!args.positional.empty())
    return Fail(absl::StrCat("unexpected ", args.positional[0]));
  if (!args.values.count("--closure"))
    return Fail(absl::StrCat("--closure is required\n", kUsage));
  v1::ResolveRequest request;
  auto file_text = ReadFile(args.values["--closure"]);
  if (!file_text.ok()) return Fail(std::string(file_text.status().message()));
  auto closure_text = ClosureText(*file_text);
  if (!closure_text.ok())
    return Fail(std::string(closure_text.status().message()));
  auto closure = ParseClosure(*closure_text);
  if (!closure.ok()) return Fail(std::string(closure.status().message()));
  const bool rewrite = args.values.count("--rewrite-closure") > 0;
  const std::string rewrite_out = args.values["--rewrite-closure"];
  if (rewrite) {
    auto status = CheckRewriteForm(rewrite_out, *closure_text);
    if (!status.ok()) return Fail(std::string(status.message()));
  } else if (args.switches["--forbid-task-copies"]) {
    return Fail("--forbid-task-copies needs --rewrite-closure");
  }
  auto policy = LoadPolicy(args, *closure);
  if (!policy.ok()) return Fail(std::string(policy.status().message()));
  *request.mutable_closure() = *std::move(closure);
  const bool json = args.switches["--json"];
  std::vector<v1::Violation> unknown_fields;  // and every other file problem
  bool readable = true;
  if (args.values.count("--launch-plan")) {
    auto read = LoadMap(
        args.values["--launch-plan"], "launch_plan_overrides", v1::LAUNCH_PLAN,
        request.mutable_launch_plan_overrides(), &unknown_fields);
    if (!read.ok()) return Fail(std::string(read.status().message()));
    readable &= *read;
  }
  if (args.values.count("--execution")) {
    auto read = LoadMap(args.values["--execution"], "execution_overrides",
                        v1::EXECUTION, request.mutable_execution_overrides(),
                        &unknown_fields);
    if (!read.ok()) return Fail(std::string(read.status().message()));
    readable &= *read;
  }
  if (!readable) {  // nothing to resolve: the files' problems are all there is
    PrintRefusal(unknown_fields, {}, json);
    return 1;
  }
  const bool explain = args.switches["--explain"];
  const bool remote = args.values.count("--server") > 0;
  if (args.values.count("--execution-id")) {
    if (!remote)
      return Fail("--execution-id records a resolve: it needs --server");
    if (!ParseExecutionId(args.values["--execution-id"],
                          request.mutable_execution_id())) {
      return Fail("--execution-id is PROJECT/DOMAIN/NAME");
    }
  } else {
    request.mutable_options()->set_dry_run(true);
  }
  // The table always shows where values came from, so it always explains.
  request.mutable_options()->set_explain(explain || !json);
  request.mutable_options()->set_implicit_hooks(
      args.switches["--implicit-hooks"]);
  if (args.switches["--warn-unknown-hooks"]) {
    request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
  }
  request.mutable_options()->set_rewrite_closure(rewrite);

  if (remote) {
    // Fields the files name that the API lacks never reach the server, so
    // they are reported here, together with every problem the server finds
    // in the rest; such a request is never recorded.
    if (!unknown_fields.empty()) request.mutable_options()->set_dry_run(true);
    auto client = ConnectTo(args);
    if (!client.ok()) return Fail(std::string(client.status().message()));
    v1::ResolveResponse response;
    RemoteError remote_error;
    if (!(*client)->Resolve(request, &response, &remote_error))
      return ReportRemote(remote_error, json, std::move(unknown_fields));
    std::vector<v1::Violation> warnings(response.warnings().begin(),
                                        response.warnings().end());
    if (!unknown_fields.empty()) {
      PrintRefusal(unknown_fields, warnings, json);
      return 1;
    }
    std::cerr << ViolationLines(warnings, "warning");
    if (rewrite) {
      auto status = WriteRewrittenClosure(
          rewrite_out, *closure_text,
          encoding::DeterministicBytes(response.rewritten_closure()),
          {response.template_copies().begin(),
           response.template_copies().end()});
      if (!status.ok()) return Fail(std::string(status.message()));
      response.clear_rewritten_closure();  // it is in the file
    }
    std::cout << (json ? encoding::DeterministicJson(response, true) + "\n"
                       : ResolveTable(response, explain));
    return 0;
  }
  pipeline::ExecutionContext context;
  if (*policy) context.policy = &**policy;
  // A binary closure is rewritten from its own bytes, kept exactly where
  // nothing changes; a JSON one from the subset, the rest put back after.
  if (!LooksLikeJson(*closure_text)) context.closure_bytes = *closure_text;
  context.read_violations = std::move(unknown_fields);
  pipeline::PipelineOptions options;
  options.rewrite.forbid_task_copies = args.switches["--forbid-task-copies"];
  absl::StatusOr<pipeline::ResolveOutcome> result =
      pipeline::ResolveExecution(request, context, options);
  if (!result.ok()) return Fail(std::string(result.status().message()));
  v1::ResolveResponse& response = result->response;
  std::vector<v1::Violation> warnings(response.warnings().begin(),
                                      response.warnings().end());
  if (!result->ok()) {
    PrintRefusal(result->violations, warnings, json);
    return 1;
  }
  std::cerr << ViolationLines(warnings, "warning");
  if (rewrite) {
    auto status = WriteRewrittenClosure(
        rewrite_out, *closure_text, result->rewritten_closure_bytes,
        {response.template_copies().begin(),
         response.template_copies().end()});
    if (!status.ok()) return Fail(std::string(status.message()));
    response.clear_rewritten_closure();  // it is in the file
  }
  std::cout << (json ? encoding::DeterministicJson(response, true) + "\n"
                     : ResolveTable(response, explain));
  return 0;
}

int Get(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, With({"--execution-id", "--node"}), {"--json"},
                 &args, &error)) {
    return Fail(error);
  }
  v1::GetResolvedRequest request;
  if (!args.values.count("--server") ||
      !ParseExecutionId(args.values["--execution-id"],
                        request.mutable_execution_id())) {
    return Fail(absl::StrCat(
        "get needs --server HOST:PORT and --execution-id P/D/N\n", kUsage));
  }
  request.set_node_path(args.values["--node"]);
  auto client = ConnectTo(args);
  if (!client.ok()) return Fail(std::string(client.status().message()));
  v1::GetResolvedResponse response;
  RemoteError remote_error;
  if (!(*client)->GetResolved(request, &response, &remote_error))
    return ReportRemote(remote_error);
  if (args.switches["--json"]) {
    std::cout << encoding::DeterministicJson(response, true) << "\n";
    return 0;
  }
  for (const v1::ResolvedNode& node : response.nodes()) {
    std::cout << node.node_path() << "  hooks "
              << absl::StrJoin(node.hooks(), ", ") << "\n  "
              << CompactJson(node.overrides()) << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace flyteoverride::tools

int main(int argc, char** argv) {
  using namespace flyteoverride::tools;
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  if (command == "inspect") return Inspect(argc, argv);
  if (command == "resolve") return Resolve(argc, argv);
  if (command == "get") return Get(argc, argv);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "overridectl: unknown command " << command << "\n" << kUsage;
  return 2;
}
