// What the end-to-end PostgreSQL suites share: whether they run at all,
// direct queries that bypass the store, and a PostgreSQL server of a test's
// own that can be stopped, frozen and brought back. Test-only.
#ifndef FLYTEOVERRIDE_TESTS_POSTGRES_UTIL_H_
#define FLYTEOVERRIDE_TESTS_POSTGRES_UTIL_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flyteoverride::tests {

// Whether a PostgreSQL suite runs: FO_POSTGRES_DSN is set, or PostgreSQL is
// required (FO_REQUIRE_POSTGRES=1 or CI=true; then a missing server fails
// the test rather than skipping it). Otherwise skip with kPostgresSkipped.
bool PostgresWanted();
inline constexpr char kPostgresSkipped[] =
    "PostgreSQL suites run when FO_POSTGRES_DSN is set (scripts/test.sh "
    "starts a server and sets it, with FO_REQUIRE_POSTGRES=1); neither it "
    "nor FO_REQUIRE_POSTGRES=1 nor CI=true is set, so this is skipped";

// Every row of `sql`'s result, each cell as text (NULL as ""), on a
// connection of its own; an error for a failed connection or statement.
absl::StatusOr<std::vector<std::vector<std::string>>> SqlRows(
    const std::string& dsn, const std::string& sql);

// A PostgreSQL server of one test's own, started with scripts/postgres.sh
// (a data dependency) under an instance name of its own, owned by this
// process, so that a later start removes it if this test dies first. Runs as
// the postgres user when root (postgres.sh does that); otherwise as this
// user. Not thread-safe.
class OwnPostgres {
 public:
  // Starts `scripts/postgres.sh start` for instance NAME-PID. Its state
  // file lives in /tmp/flyteoverride-postgres-tests, apart from the state
  // and port hint of scripts/test.sh's server.
  static absl::StatusOr<std::unique_ptr<OwnPostgres>> Start(
      const std::string& name);
  ~OwnPostgres();  // thaws, stops it and removes its data
  OwnPostgres(const OwnPostgres&) = delete;
  OwnPostgres& operator=(const OwnPostgres&) = delete;

  const std::string& dsn() const { return dsn_; }

  // pg_ctl stop -m immediate: every backend dies at once, as in a crash.
  absl::Status Crash();
  // pg_ctl start on the same data directory, hence the same port.
  absl::Status Restart();
  // SIGSTOP to the postmaster and every backend: the port still accepts TCP
  // connections, but nothing answers, as with a hung host or a partition.
  absl::Status Freeze();
  absl::Status Thaw();

 private:
  OwnPostgres(std::vector<std::string> env, std::string dsn,
              std::string data_dir)
      : env_(std::move(env)),
        dsn_(std::move(dsn)),
        data_dir_(std::move(data_dir)) {}
  // pg_ctl ARGS as the server's owner, with `-D data_dir`.
  absl::Status PgCtl(const std::vector<std::string>& args);
  // The postmaster and its children.
  std::vector<pid_t> Processes() const;

  std::vector<std::string> env_;  // for postgres.sh
  std::string dsn_;
  std::string data_dir_;
};

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_POSTGRES_UTIL_H_
