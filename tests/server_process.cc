#include "tests/server_process.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"

namespace flyteoverride::tests {

flyteidl::core::WorkflowExecutionIdentifier ExecutionOf(
    const std::string& name) {
  flyteidl::core::WorkflowExecutionIdentifier id;
  id.set_project("flytesnacks");
  id.set_domain("development");
  id.set_name(name);
  return id;
}

v1::ResolveRequest RecordedRequest(const std::string& name, int nodes,
                                   const std::string& variant) {
  v1::ResolveRequest request = BigRequest(nodes);
  request.mutable_options()->set_dry_run(false);
  *request.mutable_execution_id() = ExecutionOf(name);
  (*(*request.mutable_execution_overrides())["big"]
        .mutable_environment())["VARIANT"] = variant;
  return request;
}

std::string SqliteStorage(const std::string& path) {
  return absl::StrCat("storage:\n  driver: sqlite\n  sqlite_path: \"", path,
                      "\"\n");
}

std::string PostgresStorage(const std::string& dsn, const std::string& timeout,
                            int pool_size) {
  return absl::StrCat("storage:\n  driver: postgres\n  postgres_dsn: \"", dsn,
                      "\"\n  postgres_pool_size: ", pool_size,
                      "\n  timeout: ", timeout, "\n");
}

ServerProcess::ServerProcess(const std::string& name,
                             const std::string& config_yaml)
    : name_(name) {
  const std::string config = absl::StrCat(TmpDir(), "/", name, ".yaml");
  if (!WriteFile(config, config_yaml)) {
    line_ = absl::StrCat("cannot write ", config);
    return;
  }
  child_ = std::make_unique<Child>(
      std::vector<std::string>{ServerBinary(), "--config", config,
                               "--grpc-port", "0", "--http-port", "0",
                               "--log-level", "warn"},
      absl::StrCat(TmpDir(), "/", name, ".stderr"));
}

bool ServerProcess::WaitServing(absl::Duration timeout) {
  if (child_ == nullptr) return false;
  line_ = child_->ReadStdoutLine(timeout);
  int grpc_port = 0;
  if (!ParseServingLine(line_, &grpc_port, &http_port_)) return false;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  channel_ =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", grpc_port),
                                grpc::InsecureChannelCredentials(), args);
  stub_ = v1::OverrideResolver::NewStub(channel_);
  return true;
}

std::string ServerProcess::Why() {
  return absl::StrCat(
      name_, ": stdout \"", line_, "\"\nstderr: ",
      child_ != nullptr ? child_->ReadStderr(absl::Seconds(1)) : "");
}

grpc::Status ServerProcess::Resolve(const v1::ResolveRequest& request,
                                    v1::ResolveResponse* response,
                                    absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  return stub_->Resolve(&context, request, response);
}

grpc::Status ServerProcess::GetResolved(const std::string& execution,
                                        const std::string& node_path,
                                        v1::GetResolvedResponse* response,
                                        absl::Duration timeout) {
  v1::GetResolvedRequest request;
  *request.mutable_execution_id() = ExecutionOf(execution);
  request.set_node_path(node_path);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  return stub_->GetResolved(&context, request, response);
}

int ServerProcess::Readyz(absl::Duration timeout) {
  return HttpCall(http_port_, "GET", "/readyz", "", timeout).status;
}

}  // namespace flyteoverride::tests
