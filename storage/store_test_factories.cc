#include "storage/store_test_factories.h"

#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "storage/memory_store.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"

namespace flyteoverride::storage {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// Runs one statement on a short-lived connection.
absl::Status Admin(const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  absl::Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = absl::UnavailableError(
        absl::StrCat("cannot connect to FO_POSTGRES_DSN: ",
                     absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))));
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      status = absl::InternalError(absl::StrCat(
          sql, ": ",
          absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(result))));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return status;
}

}  // namespace

bool PostgresRequired() {
  return Env("FO_REQUIRE_POSTGRES") == "1" || Env("CI") == "true";
}

absl::StatusOr<std::string> FreshPostgresDatabase() {
  const std::string dsn = Env("FO_POSTGRES_DSN");
  if (dsn.empty()) {
    return absl::FailedPreconditionError(
        "PostgreSQL tests are required here (FO_REQUIRE_POSTGRES=1 or "
        "CI=true) but FO_POSTGRES_DSN is not set: run scripts/test.sh, which "
        "starts a server, or pass --test_env=FO_POSTGRES_DSN=... (see "
        "scripts/postgres.sh)");
  }
  static std::atomic<int> counter{0};
  const std::string name = absl::StrCat("fo_test_", getpid(), "_", counter++);
  for (const std::string& sql : {absl::StrCat("DROP DATABASE IF EXISTS ", name),
                                 absl::StrCat("CREATE DATABASE ", name)}) {
    if (absl::Status status = Admin(dsn, sql); !status.ok()) return status;
  }
  // In a key=value string the last dbname wins.
  return absl::StrCat(dsn, " dbname=", name);
}

std::vector<StoreFactory> AllStoreFactories() {
  std::vector<StoreFactory> factories = {
      {"Memory",
       [] {
         return absl::StatusOr<std::unique_ptr<Store>>(MemoryStore::Create());
       }},
      {"Sqlite",
       []() -> absl::StatusOr<std::unique_ptr<Store>> {
         static std::atomic<int> counter{0};
         const char* dir = std::getenv("TEST_TMPDIR");
         auto store = SqliteStore::Open({absl::StrCat(
             dir ? dir : "/tmp", "/conformance-", counter++, ".db")});
         if (!store.ok()) return store.status();
         return std::unique_ptr<Store>(*std::move(store));
       }},
  };
  if (!Env("FO_POSTGRES_DSN").empty() || PostgresRequired()) {
    factories.push_back(
        {"Postgres", []() -> absl::StatusOr<std::unique_ptr<Store>> {
           auto dsn = FreshPostgresDatabase();
           if (!dsn.ok()) return dsn.status();
           auto store = PostgresStore::Open({*dsn, 4, absl::Seconds(10)});
           if (!store.ok()) return store.status();
           return std::unique_ptr<Store>(*std::move(store));
         }});
  }
  return factories;
}

}  // namespace flyteoverride::storage
