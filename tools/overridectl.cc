// overridectl: inspect a closure's hooks and resolve override maps against
// it, in process, over the pure resolver core.
//
//   overridectl inspect CLOSURE [--json] [--server HOST:PORT]
//   overridectl resolve --closure F [--launch-plan F] [--execution F]
//                       [--explain] [--json] [--warn-unknown-hooks]
//                       [--server HOST:PORT [--execution-id P/D/N]]
//   overridectl get --server HOST:PORT --execution-id P/D/N [--node PATH]
//   [--json]
// With --server, calls a running override-resolver (TLS: --tls-ca, and for
// mutual TLS --tls-cert and --tls-key) instead of resolving in process.
//
// Exit status: 0 resolved, 1 the inputs have violations (or the server
// refused them), 2 usage, I/O or transport error.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "resolver/digest.h"
#include "resolver/inspect.h"
#include "resolver/json_format.h"
#include "resolver/resolve.h"
#include "tools/inputs.h"
#include "tools/remote.h"
#include "tools/table.h"

namespace flyteoverride::tools {
namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  overridectl inspect CLOSURE [--json] [--server HOST:PORT]\n"
    "  overridectl resolve --closure F [--launch-plan F] [--execution F]\n"
    "                      [--explain] [--json] [--warn-unknown-hooks]\n"
    "                      [--server HOST:PORT [--execution-id P/D/N]]\n"
    "  overridectl get --server HOST:PORT --execution-id P/D/N [--node PATH] "
    "[--json]\n"
    "TLS to a server: --tls-ca FILE, and --tls-cert FILE --tls-key FILE for "
    "mutual TLS.\n"
    "CLOSURE: flyteidl CompiledWorkflowClosure as JSON (as flytectl prints it) "
    "or binary.\n"
    "Override maps: {hook: TaskNodeOverrides} as JSON, or YAML (.yaml, "
    ".yml).\n";

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

absl::Status LoadMap(
    const std::string& path, absl::string_view field, v1::Layer layer,
    google::protobuf::Map<std::string, flyteidl::core::TaskNodeOverrides>* out,
    std::vector<v1::Violation>* violations) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const bool yaml =
      absl::EndsWith(path, ".yaml") || absl::EndsWith(path, ".yml");
  auto parsed = ParseOverrideMap(*text, yaml, field, layer);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", parsed.status().message()));
  }
  *out = std::move(*parsed->map.mutable_hooks());
  for (auto& violation : parsed->unknown_fields)
    violations->push_back(std::move(violation));
  return absl::OkStatus();
}

const std::vector<std::string> kRemoteFlags = {"--server", "--tls-ca",
                                               "--tls-cert", "--tls-key"};

std::vector<std::string> With(std::vector<std::string> flags) {
  flags.insert(flags.end(), kRemoteFlags.begin(), kRemoteFlags.end());
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

// Prints a server's refusal; 1 when it judged the inputs, 2 when it could
// not be reached or failed.
int ReportRemote(const RemoteError& error) {
  std::cerr << "error: " << absl::StatusCodeToString(error.status.code())
            << ": " << error.status.message() << "\n"
            << ViolationLines(error.violations, "error");
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

int Inspect(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, With({}), {"--json"}, &args, &error))
    return Fail(error);
  if (args.positional.size() != 1)
    return Fail(absl::StrCat("inspect takes one CLOSURE\n", kUsage));
  auto closure = LoadClosure(args.positional[0]);
  if (!closure.ok()) return Fail(std::string(closure.status().message()));
  v1::InspectWorkflowResponse response;
  if (args.values.count("--server")) {
    auto remote = ConnectTo(args);
    if (!remote.ok()) return Fail(std::string(remote.status().message()));
    v1::InspectWorkflowRequest request;
    *request.mutable_closure() = *std::move(closure);
    RemoteError remote_error;
    if (!(*remote)->Inspect(request, &response, &remote_error))
      return ReportRemote(remote_error);
  } else {
    response = resolver::Inspect(*closure, {});
  }
  std::cout << (args.switches["--json"]
                    ? resolver::DeterministicJson(response, true) + "\n"
                    : InspectTable(response));
  std::vector<v1::Violation> diagnostics(response.diagnostics().begin(),
                                         response.diagnostics().end());
  std::cerr << ViolationLines(diagnostics, "error");
  return diagnostics.empty() ? 0 : 1;
}

int Resolve(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(
          argc, argv,
          With({"--closure", "--launch-plan", "--execution", "--execution-id"}),
          {"--explain", "--json", "--warn-unknown-hooks"}, &args, &error)) {
    return Fail(error);
  }
  if (!args.positional.empty())
    return Fail(absl::StrCat("unexpected ", args.positional[0]));
  if (!args.values.count("--closure"))
    return Fail(absl::StrCat("--closure is required\n", kUsage));
  v1::ResolveRequest request;
  auto closure = LoadClosure(args.values["--closure"]);
  if (!closure.ok()) return Fail(std::string(closure.status().message()));
  *request.mutable_closure() = *std::move(closure);
  std::vector<v1::Violation> unknown_fields;
  if (args.values.count("--launch-plan")) {
    auto status = LoadMap(
        args.values["--launch-plan"], "launch_plan_overrides", v1::LAUNCH_PLAN,
        request.mutable_launch_plan_overrides(), &unknown_fields);
    if (!status.ok()) return Fail(std::string(status.message()));
  }
  if (args.values.count("--execution")) {
    auto status = LoadMap(args.values["--execution"], "execution_overrides",
                          v1::EXECUTION, request.mutable_execution_overrides(),
                          &unknown_fields);
    if (!status.ok()) return Fail(std::string(status.message()));
  }
  const bool json = args.switches["--json"];
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
  if (args.switches["--warn-unknown-hooks"]) {
    request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
  }

  if (remote) {
    if (!unknown_fields.empty()) {  // the server would refuse them too
      std::cerr << ViolationLines(unknown_fields, "error");
      return 1;
    }
    auto client = ConnectTo(args);
    if (!client.ok()) return Fail(std::string(client.status().message()));
    v1::ResolveResponse response;
    RemoteError remote_error;
    if (!(*client)->Resolve(request, &response, &remote_error))
      return ReportRemote(remote_error);
    std::vector<v1::Violation> warnings(response.warnings().begin(),
                                        response.warnings().end());
    std::cerr << ViolationLines(warnings, "warning");
    std::cout << (json ? resolver::DeterministicJson(response, true) + "\n"
                       : ResolveTable(response, explain));
    return 0;
  }
  resolver::ResolveResult result = resolver::Resolve(request, {});
  // Unknown fields first: they may explain the violations that follow.
  result.violations.insert(result.violations.begin(), unknown_fields.begin(),
                           unknown_fields.end());
  resolver::CapViolations(resolver::ResolveLimits().max_violations,
                          &result.violations);
  std::vector<v1::Violation> warnings(result.response.warnings().begin(),
                                      result.response.warnings().end());
  std::cerr << ViolationLines(warnings, "warning");
  if (!result.ok()) {
    std::cerr << ViolationLines(result.violations, "error");
    std::cerr << result.violations.size() << " violation"
              << (result.violations.size() == 1 ? "" : "s") << "\n";
    return 1;
  }
  result.response.set_input_digest(resolver::InputDigest(request));
  std::cout << (json ? resolver::DeterministicJson(result.response, true) + "\n"
                     : ResolveTable(result.response, explain));
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
    std::cout << resolver::DeterministicJson(response, true) << "\n";
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
