#include "tools/cli_support.h"

#include <algorithm>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "config/config.h"
#include "encoding/closure_json.h"
#include "encoding/json_format.h"
#include "resolver/violations.h"
#include "tools/inputs.h"
#include "tools/table.h"

namespace flyteoverride::tools {

int Fail(const std::string& message) {
  std::cerr << "overridectl: " << message << "\n";
  return 2;
}

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

const std::vector<std::string> kRemoteFlags = {
    "--server", "--tls-ca", "--tls-cert", "--tls-key", "--token-file"};

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
  options.token_file = args.values["--token-file"];
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
int ReportRemote(const RemoteError& error, bool json,
                 std::vector<v1::Violation> read) {
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

}  // namespace flyteoverride::tools
