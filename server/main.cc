// override-resolver: flags -> logging -> config -> storage -> server, then
// wait for signals: SIGHUP reloads the config's policy, SIGTERM or SIGINT
// shuts down gracefully.
//
//   override-resolver [--config FILE] [--grpc-port N] [--http-port N]
//   [--log-level L]
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/config.h"
#include "server/config_reloader.h"
#include "server/logging.h"
#include "server/server.h"
#include "server/storage_factory.h"

namespace {

constexpr char kUsage[] =
    "usage: override-resolver [--config FILE] [--grpc-port N] [--http-port N]\n"
    "                         [--probe-port N]\n"
    "                         [--log-level trace|debug|info|warn|error]\n"
    "       override-resolver --help | --version\n"
    "Resolves Flyte runtime-override hooks over gRPC and HTTP/JSON.\n"
    "Every key of the YAML config has a default (docs/configuration.md);\n"
    "the flags override the config's server ports and log level.\n";

// The API's version and the build's; the same binary answers both.
constexpr char kVersion[] = "override-resolver flyteoverride.v1 (API v1)\n";

struct Flags {
  std::string config_file;
  std::string grpc_port, http_port, probe_port, log_level;
  bool help = false, version = false;
};

bool ParseFlags(int argc, char** argv, Flags* flags, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (arg == "--help" || arg == "-h") {
      flags->help = true;
      continue;
    }
    if (arg == "--version") {
      flags->version = true;
      continue;
    }
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      *error = absl::StrCat(arg, " needs a value");
      return false;
    }
    if (arg == "--config") {
      flags->config_file = value;
    } else if (arg == "--grpc-port") {
      flags->grpc_port = value;
    } else if (arg == "--http-port") {
      flags->http_port = value;
    } else if (arg == "--probe-port") {
      flags->probe_port = value;
    } else if (arg == "--log-level") {
      flags->log_level = value;
    } else {
      *error = absl::StrCat(
          "unknown flag ", arg,
          "; flags: --config FILE --grpc-port N --http-port N --probe-port N "
          "--log-level L "
          "--help --version");
      return false;
    }
  }
  return true;
}

absl::Status ApplyFlags(const Flags& flags,
                        flyteoverride::config::Config* config) {
  auto port = [](const std::string& text, const char* flag,
                 int* out) -> absl::Status {
    if (text.empty()) return absl::OkStatus();
    if (!absl::SimpleAtoi(text, out)) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": not a number: ", text));
    }
    return absl::OkStatus();
  };
  if (auto s = port(flags.grpc_port, "--grpc-port", &config->grpc_port);
      !s.ok())
    return s;
  if (auto s = port(flags.http_port, "--http-port", &config->http_port);
      !s.ok())
    return s;
  if (auto s = port(flags.probe_port, "--probe-port", &config->probe_port);
      !s.ok())
    return s;
  if (!flags.log_level.empty()) config->log_level = flags.log_level;
  return flyteoverride::config::ValidateConfig(*config);
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "override-resolver: %s\n",
               std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace flyteoverride::server;
  // Signals are waited for on this thread, never handled asynchronously:
  // block them before any other thread starts, so every thread inherits it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Flags flags;
  std::string error;
  if (!ParseFlags(argc, argv, &flags, &error))
    return Fail(absl::InvalidArgumentError(error));
  if (flags.help || flags.version) {
    std::fputs(flags.help ? kUsage : kVersion, stdout);
    return 0;
  }
  // The reloader reads the file, so that it sees every later change.
  std::unique_ptr<ConfigReloader> reloader;
  if (!flags.config_file.empty()) {
    reloader =
        std::make_unique<ConfigReloader>(ReloaderOptions{flags.config_file});
  }
  absl::StatusOr<flyteoverride::config::Config> config =
      reloader ? reloader->Load() : flyteoverride::config::ParseConfig("");
  if (!config.ok()) return Fail(config.status());
  if (auto status = ApplyFlags(flags, &*config); !status.ok())
    return Fail(status);
  if (auto status = SetUpLogging(config->log_level, config->log_format);
      !status.ok()) {
    return Fail(status);
  }
  auto store = OpenStore(config->storage);
  if (!store.ok()) return Fail(store.status());
  auto server = Server::Start(*config, *std::move(store));
  if (!server.ok()) return Fail(server.status());
  // One line on stdout that scripts can wait for.
  std::printf(
      "override-resolver serving gRPC on %s:%d, HTTP on %s:%d, probes on "
      "%s:%d\n",
      config->bind_address.c_str(), (*server)->grpc_port(),
      config->bind_address.c_str(), (*server)->http_port(),
      config->bind_address.c_str(), (*server)->probe_port());
  std::fflush(stdout);
  if (reloader) {
    // A new key file takes effect as a new policy does.
    if (config->auth.enabled && config->auth.jwt.has_value()) {
      reloader->Watch(config->auth.jwt->jwks_file,
                      [s = server->get()] { s->ReloadKeys(); });
    }
    reloader->Start((*server)->policy(), (*server)->registry());
  }

  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) {
    LogEvent(spdlog::level::info, "signal", {{"signal", "SIGHUP"}});
    (*server)->ReloadKeys();
    if (reloader) {
      (void)reloader->Reload();  // a refused file is logged and counted
    } else {
      LogEvent(spdlog::level::warn, "no --config file to reload", {});
    }
  }
  LogEvent(spdlog::level::info, "signal",
           {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  if (reloader) reloader->Stop();
  (*server)->Shutdown();
  return 0;
}
