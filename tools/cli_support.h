// What overridectl's commands share: flags, reading the input files, the
// connection to a server, and how refusals and written closures are
// reported (tools/overridectl.cc has the commands).
#ifndef FLYTEOVERRIDE_TOOLS_CLI_SUPPORT_H_
#define FLYTEOVERRIDE_TOOLS_CLI_SUPPORT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "policy/policy.h"
#include "tools/remote.h"

namespace flyteoverride::tools {

// Prints "overridectl: MESSAGE" on stderr; returns 2 (usage or I/O error).
int Fail(const std::string& message);

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // --flag VALUE
  std::map<std::string, bool> switches;       // --flag
};

// Reads argv[2..] (after the command): `valued` flags take a value
// ("--f V" or "--f=V"), `boolean` ones none. False with `error` set on an
// unknown flag or a missing value.
bool ParseArgs(int argc, char** argv, const std::vector<std::string>& valued,
               const std::vector<std::string>& boolean, Args* args,
               std::string* error);

// A closure file, JSON or binary.
absl::StatusOr<flyteidl::core::CompiledWorkflowClosure> LoadClosure(
    const std::string& path);

// Reads an override map file into `out`; its problems go to `problems`.
// False when one of them keeps the map from being read.
absl::StatusOr<bool> LoadMap(
    const std::string& path, absl::string_view field, v1::Layer layer,
    google::protobuf::Map<std::string, flyteidl::core::TaskNodeOverrides>* out,
    std::vector<v1::Violation>* problems);

// --policy F: the rules of a server config file's `policy:` section for
// --project and --domain, which default to the closure's workflow id.
// Nullopt without --policy.
absl::StatusOr<std::optional<policy::Policy>> LoadPolicy(
    Args& args, const flyteidl::core::CompiledWorkflowClosure& closure);

// `flags` with the flags every command takes: --server and TLS, --policy.
std::vector<std::string> With(std::vector<std::string> flags);

absl::StatusOr<std::unique_ptr<Remote>> ConnectTo(Args& args);

// "project/domain/name" into an execution id.
bool ParseExecutionId(const std::string& text,
                      flyteidl::core::WorkflowExecutionIdentifier* id);

// Prints a refusal's violations and warnings, the same wherever the
// resolve ran: with `json`, as one flyteoverride.v1.ErrorDetails on stdout
// for scripts; else one line each on stderr, then the count.
void PrintRefusal(const std::vector<v1::Violation>& violations,
                  const std::vector<v1::Violation>& warnings, bool json);

// Prints a server's refusal, after `read` (problems found in the files
// before the call); 1 when it judged the inputs, 2 when it could not be
// reached or failed.
int ReportRemote(const RemoteError& error, bool json = false,
                 std::vector<v1::Violation> read = {});

// OK when `out` asks for the form (JSON or binary) the closure was read in:
// only that form holds the fields the resolver does not know.
absl::Status CheckRewriteForm(const std::string& out, absl::string_view input);

// Writes `rewritten` (closure bytes) to `out` in the form of `input`, and
// names the template copies on stderr.
absl::Status WriteRewrittenClosure(
    const std::string& out, absl::string_view input,
    const std::string& rewritten, const std::vector<v1::TemplateCopy>& copies);

}  // namespace flyteoverride::tools

#endif  // FLYTEOVERRIDE_TOOLS_CLI_SUPPORT_H_
