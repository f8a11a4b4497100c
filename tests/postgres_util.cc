#include "tests/postgres_util.h"

#include <dirent.h>
#include <postgresql/libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "storage/store_test_factories.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

constexpr char kStateDir[] = "/tmp/flyteoverride-postgres-tests";
constexpr char kScript[] = "scripts/postgres.sh";

// Runs `argv` to its end; its stdout, or an error with its stderr.
absl::StatusOr<std::string> Run(const std::vector<std::string>& argv,
                                absl::Duration timeout) {
  static int counter = 0;
  const std::string err =
      absl::StrCat(TmpDir(), "/command-", getpid(), "-", counter++, ".stderr");
  Child child(argv, err);
  std::string out;
  const absl::Time end = absl::Now() + timeout;
  for (;;) {
    std::string line = child.ReadStdoutLine(end - absl::Now());
    if (line.empty()) break;
    absl::StrAppend(&out, line, "\n");
  }
  const int status = child.Wait(std::max(end - absl::Now(), absl::Seconds(1)));
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "), " failed (wait status ", status,
                     "): ", child.ReadStderr(absl::Seconds(1))));
  }
  return out;
}

// The value of `key=` in a postgres.sh state file.
std::string StateValue(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, key + "=")) return std::string(rest);
  }
  return "";
}

std::string PgCtlBinary() {
  const std::string preferred = "/usr/lib/postgresql/15/bin/pg_ctl";
  if (access(preferred.c_str(), X_OK) == 0) return preferred;
  // The newest installed version, as postgres.sh picks it.
  std::vector<std::string> found;
  if (DIR* dir = opendir("/usr/lib/postgresql")) {
    while (dirent* entry = readdir(dir)) {
      const std::string candidate =
          absl::StrCat("/usr/lib/postgresql/", entry->d_name, "/bin/pg_ctl");
      if (entry->d_name[0] != '.' && access(candidate.c_str(), X_OK) == 0)
        found.push_back(candidate);
    }
    closedir(dir);
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? preferred : found.back();
}

}  // namespace

bool PostgresWanted() {
  const char* dsn = std::getenv("FO_POSTGRES_DSN");
  return (dsn != nullptr && *dsn != '\0') || storage::PostgresRequired();
}

absl::StatusOr<std::vector<std::vector<std::string>>> SqlRows(
    const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  absl::StatusOr<std::vector<std::vector<std::string>>> rows;
  if (PQstatus(conn) != CONNECTION_OK) {
    rows = absl::UnavailableError(
        absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      rows.emplace();
      for (int row = 0; row < PQntuples(result); ++row) {
        std::vector<std::string>& cells = rows->emplace_back();
        for (int column = 0; column < PQnfields(result); ++column)
          cells.emplace_back(PQgetvalue(result, row, column));
      }
    } else {
      rows = absl::InternalError(absl::StrCat(
          sql, ": ",
          absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(result))));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return rows;
}

absl::StatusOr<std::unique_ptr<OwnPostgres>> OwnPostgres::Start(
    const std::string& name) {
  if (mkdir(kStateDir, 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot create ", kStateDir));
  }
  const std::string instance = absl::StrCat(name, "-", getpid());
  // Bazel gives tests a short PATH without runuser's directory, and a TMPDIR
  // under the output base, which the postgres user cannot reach.
  std::vector<std::string> env = {
      "TMPDIR=/tmp",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      absl::StrCat("FO_POSTGRES_STATE_DIR=", kStateDir),
      absl::StrCat("FO_POSTGRES_INSTANCE=", instance),
      absl::StrCat("FO_POSTGRES_OWNER=", getpid())};
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.insert(argv.end(), {"/bin/bash", kScript, "start"});
  auto out = Run(argv, absl::Seconds(90));
  const std::string state =
      absl::StrCat(kStateDir, "/flyteoverride-postgres.", instance, ".state");
  const std::string dir = StateValue(state, "dir");
  // Owned from here on, so that a failed start is cleaned up too.
  std::unique_ptr<OwnPostgres> server(
      new OwnPostgres(env, "", absl::StrCat(dir, "/data")));
  if (!out.ok()) return out.status();
  server->dsn_ = std::string(absl::StripAsciiWhitespace(*out));
  if (server->dsn_.empty() || dir.empty()) {
    return absl::InternalError(
        absl::StrCat("postgres.sh start printed no DSN or left no state in ",
                     state, ": \"", *out, "\""));
  }
  return server;
}

OwnPostgres::~OwnPostgres() {
  (void)Thaw();
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), env_.begin(), env_.end());
  argv.insert(argv.end(), {"/bin/bash", kScript, "stop"});
  (void)Run(argv, absl::Seconds(60));
}

absl::Status OwnPostgres::PgCtl(const std::vector<std::string>& args) {
  // The server refuses to run as root; postgres cannot enter our cwd.
  std::vector<std::string> argv = {"/bin/sh", "-c", "cd / && exec \"$@\"",
                                   "sh"};
  if (geteuid() == 0)
    argv.insert(argv.end(), {"runuser", "-u", "postgres", "--"});
  argv.insert(argv.end(), {PgCtlBinary(), "-D", data_dir_});
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> full = {"/usr/bin/env"};
  full.insert(full.end(), env_.begin(), env_.end());
  full.insert(full.end(), argv.begin(), argv.end());
  return Run(full, absl::Seconds(60)).status();
}

absl::Status OwnPostgres::Crash() {
  return PgCtl({"stop", "-m", "immediate", "-w", "-t", "30"});
}

absl::Status OwnPostgres::Restart() {
  const std::string dir(absl::StripSuffix(data_dir_, "/data"));
  return PgCtl({"start", "-w", "-t", "30", "-l", dir + "/server.log"});
}

std::vector<pid_t> OwnPostgres::Processes() const {
  std::vector<pid_t> pids;
  std::ifstream pid_file(data_dir_ + "/postmaster.pid");
  pid_t postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) return pids;
  pids.push_back(postmaster);
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = readdir(proc)) {
    pid_t pid;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::stringstream text;
    text << stat.rdbuf();
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const std::string s = text.str();
    const size_t paren = s.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(s.substr(paren + 1));
    std::string state;
    pid_t ppid = 0;
    if (fields >> state >> ppid && ppid == postmaster) pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

absl::Status OwnPostgres::Freeze() {
  const std::vector<pid_t> before = Processes();
  if (before.empty()) return absl::FailedPreconditionError("no postmaster.pid");
  // The postmaster first, so that it starts no backend the scan misses.
  kill(before.front(), SIGSTOP);
  for (pid_t pid : Processes()) kill(pid, SIGSTOP);
  return absl::OkStatus();
}

absl::Status OwnPostgres::Thaw() {
  for (pid_t pid : Processes()) kill(pid, SIGCONT);
  return absl::OkStatus();
}

}  // namespace flyteoverride::tests
