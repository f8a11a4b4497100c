#include "tests/server_process.h"

#include "absl/strings/str_cat.h"

namespace flyteoverride::tests {

v1::ResolveRequest RecordedRequest(const std::string& name, int nodes,
                                   const std::string& variant) {
  v1::ResolveRequest request = BigRequest(nodes);
  request.mutable_options()->set_dry_run(false);
  *request.mutable_execution_id() = ExecutionId(name);
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
  if (!ParseServingLine(line_, &grpc_port_, &http_port_)) return false;
  Connect(grpc_port_);
  return true;
}

std::string ServerProcess::Why() {
  return absl::StrCat(
      name_, ": stdout \"", line_, "\"\nstderr: ",
      child_ != nullptr ? child_->ReadStderr(absl::Seconds(1)) : "");
}

int ServerProcess::Readyz(absl::Duration timeout) {
  return HttpCall(http_port_, "GET", "/readyz", "", timeout).status;
}

}  // namespace flyteoverride::tests
