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
//   overridectl list --server HOST:PORT --project P --domain D [--org O]
//                    [--page-size N] [--page-token T] [-o table|json]
//   overridectl diff --server HOST:PORT P/D/NAME_A P/D/NAME_B [-o table|json]
// With --server (HOST:PORT, or dns:///HOST:PORT for every replica behind a
// name, called round robin), calls a running override-resolver (TLS:
// --tls-ca, and for mutual TLS --tls-cert and --tls-key; a bearer token:
// --token-file) instead of resolving in process.
// --policy F applies the `policy:` section of a server config file in
// process, for --project and --domain (default: the closure's workflow id).
//
// Exit status: 0 resolved, 1 the inputs have violations (or the server
// refused them), 2 usage, I/O or transport error.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "encoding/json_format.h"
#include "pipeline/resolve_execution.h"
#include "resolver/violations.h"
#include "tools/cli_support.h"
#include "tools/execution_diff.h"
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
    "  overridectl list --server HOST:PORT --project P --domain D [--org O]\n"
    "                   [--page-size N] [--page-token T] [-o table|json]\n"
    "  overridectl diff --server HOST:PORT P/D/NAME_A P/D/NAME_B "
    "[-o table|json]\n"
    "list: the recorded executions, newest first, a page at a time.\n"
    "diff: how two recorded executions differ, node by node and field by "
    "field;\n"
    "exit status 0 whether or not they differ.\n"
    "--server HOST:PORT, or dns:///HOST:PORT: calls go round robin over every\n"
    "address the name resolves to; UNAVAILABLE is retried.\n"
    "TLS to a server: --tls-ca FILE, and --tls-cert FILE --tls-key FILE for "
    "mutual TLS.\n"
    "--token-file FILE sends the bearer token it holds (flyte-authorization).\n"
    "CLOSURE: flyteidl CompiledWorkflowClosure as JSON (as flytectl prints it) "
    "or binary.\n"
    "Override maps: {hook: TaskNodeOverrides} as JSON, or YAML (.yaml, "
    ".yml).\n"
    "--rewrite-closure OUT writes the closure an unmodified Flyte v1 runs with "
    "the\n"
    "resolved overrides (docs/flyte-v1.md): JSON when OUT ends in .json, else "
    "binary,\n"
    "in the form the closure was read in.\n";

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

// -o table|json, table by default; false with `error` set otherwise.
bool OutputIsJson(Args& args, std::string* error) {
  const std::string output =
      args.values.count("-o") ? args.values["-o"] : "table";
  if (output != "table" && output != "json")
    *error = absl::StrCat("-o is table or json, not ", output);
  return output == "json";
}

std::string Timestamp(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

std::string ListTable(const v1::ListExecutionsResponse& response) {
  if (response.executions().empty()) return "no recorded executions\n";
  std::string out = absl::StrFormat("%-32s  %-23s  %-23s  %-12s  %s\n", "NAME",
                                    "CREATED", "EXPIRES", "DIGEST", "HOOKS");
  for (const v1::ExecutionSummary& execution : response.executions()) {
    absl::StrAppend(
        &out, absl::StrFormat("%-32s  %-23s  %-23s  %-12s  %s\n",
                              execution.execution_id().name(),
                              Timestamp(execution.created_at()),
                              Timestamp(execution.expires_at()),
                              execution.input_digest().substr(0, 12),
                              absl::StrJoin(execution.overridden_hooks(), ", ")));
  }
  if (!response.next_page_token().empty())
    absl::StrAppend(&out, "more: --page-token ", response.next_page_token(), "\n");
  return out;
}

int List(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, With({"--org", "--page-size", "--page-token", "-o"}),
                 {}, &args, &error)) {
    return Fail(error);
  }
  const bool json = OutputIsJson(args, &error);
  if (!error.empty()) return Fail(error);
  if (!args.values.count("--server") || args.values["--project"].empty() ||
      args.values["--domain"].empty() || !args.positional.empty()) {
    return Fail(absl::StrCat(
        "list needs --server HOST:PORT, --project P and --domain D\n", kUsage));
  }
  v1::ListExecutionsRequest request;
  request.set_project(args.values["--project"]);
  request.set_domain(args.values["--domain"]);
  request.set_org(args.values["--org"]);
  request.set_page_token(args.values["--page-token"]);
  if (args.values.count("--page-size")) {
    int32_t size = 0;
    if (!absl::SimpleAtoi(args.values["--page-size"], &size))
      return Fail("--page-size is a number of executions");
    request.set_page_size(size);
  }
  auto client = ConnectTo(args);
  if (!client.ok()) return Fail(std::string(client.status().message()));
  v1::ListExecutionsResponse response;
  RemoteError remote_error;
  if (!(*client)->ListExecutions(request, &response, &remote_error))
    return ReportRemote(remote_error, json);
  std::cout << (json ? encoding::DeterministicJson(response, true) + "\n"
                     : ListTable(response));
  return 0;
}

int Diff(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, With({"-o"}), {}, &args, &error)) return Fail(error);
  const bool json = OutputIsJson(args, &error);
  if (!error.empty()) return Fail(error);
  v1::GetResolvedRequest requests[2];
  if (!args.values.count("--server") || args.positional.size() != 2 ||
      !ParseExecutionId(args.positional[0], requests[0].mutable_execution_id()) ||
      !ParseExecutionId(args.positional[1], requests[1].mutable_execution_id())) {
    return Fail(absl::StrCat(
        "diff needs --server HOST:PORT and two executions P/D/NAME\n", kUsage));
  }
  auto client = ConnectTo(args);
  if (!client.ok()) return Fail(std::string(client.status().message()));
  v1::GetResolvedResponse recorded[2];
  for (int i = 0; i < 2; ++i) {
    requests[i].set_explain(true);  // the comparison is of provenance
    RemoteError remote_error;
    if (!(*client)->GetResolved(requests[i], &recorded[i], &remote_error))
      return ReportRemote(remote_error, json);
  }
  const ExecutionDiff diff = DiffExecutions(args.positional[0], recorded[0],
                                            args.positional[1], recorded[1]);
  std::cout << (json ? DiffJson(diff) : DiffTable(diff));
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
  if (command == "list") return List(argc, argv);
  if (command == "diff") return Diff(argc, argv);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "overridectl: unknown command " << command << "\n" << kUsage;
  return 2;
}
