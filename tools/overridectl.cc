// overridectl: inspect a closure's hooks and resolve override maps against
// it, in process, over the pure resolver core.
//
//   overridectl inspect CLOSURE [--json]
//   overridectl resolve --closure F [--launch-plan F] [--execution F]
//                       [--explain] [--json] [--warn-unknown-hooks]
//
// Exit status: 0 resolved, 1 the inputs have violations, 2 usage or I/O error.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "resolver/digest.h"
#include "resolver/inspect.h"
#include "resolver/json_format.h"
#include "resolver/resolve.h"
#include "tools/inputs.h"
#include "tools/table.h"

namespace flyteoverride::tools {
namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  overridectl inspect CLOSURE [--json]\n"
    "  overridectl resolve --closure F [--launch-plan F] [--execution F]\n"
    "                      [--explain] [--json] [--warn-unknown-hooks]\n"
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

int Inspect(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, {}, {"--json"}, &args, &error)) return Fail(error);
  if (args.positional.size() != 1)
    return Fail(absl::StrCat("inspect takes one CLOSURE\n", kUsage));
  auto closure = LoadClosure(args.positional[0]);
  if (!closure.ok()) return Fail(std::string(closure.status().message()));
  const v1::InspectWorkflowResponse response = resolver::Inspect(*closure, {});
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
  if (!ParseArgs(argc, argv, {"--closure", "--launch-plan", "--execution"},
                 {"--explain", "--json", "--warn-unknown-hooks"}, &args,
                 &error)) {
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
  request.mutable_options()->set_dry_run(true);
  // The table always shows where values came from, so it always explains.
  request.mutable_options()->set_explain(explain || !json);
  if (args.switches["--warn-unknown-hooks"]) {
    request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
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
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "overridectl: unknown command " << command << "\n" << kUsage;
  return 2;
}
