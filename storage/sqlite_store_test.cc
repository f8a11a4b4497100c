// What only SQLite shows: the file survives a reopen, an older schema is
// migrated, and a schema newer than the binary is refused.
#include "storage/sqlite_store.h"

#include <sqlite3.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace flyteoverride::storage {
namespace {

std::string TempPath(const char* name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

TEST(SqliteStore, RecordsSurviveReopening) {
  const std::string path = TempPath("reopen.db");
  {
    auto store = SqliteStore::Open({path});
    ASSERT_TRUE(store.ok()) << store.status();
    ExecutionRecord record;
    record.key = {"p", "d", "e", ""};
    record.input_digest = "abc";
    ASSERT_TRUE((*store)->PutIfAbsent(record).ok());
  }
  auto store = SqliteStore::Open({path});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->GetHeader({"p", "d", "e", ""})->input_digest, "abc");
}

TEST(SqliteStore, NewerSchemaIsRefusedWithAClearMessage) {
  const std::string path = TempPath("newer.db");
  ASSERT_TRUE(SqliteStore::Open({path}).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::Open({path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"),
            std::string::npos);
}

// A database made by a binary of schema version 1 gains the listing's index
// when it is opened, and its records are listed.
TEST(SqliteStore, VersionOneDatabasesGainTheListingIndex) {
  const std::string path = TempPath("version1.db");
  {
    auto store = SqliteStore::Open({path});
    ASSERT_TRUE(store.ok()) << store.status();
    ExecutionRecord record;
    record.key = {"p", "d", "old", ""};
    record.input_digest = "abc";
    record.created = absl::FromUnixSeconds(1700000000);
    record.expires = absl::InfiniteFuture();
    ASSERT_TRUE((*store)->PutIfAbsent(record).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP INDEX executions_by_scope; "
                         "PRAGMA user_version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto store = SqliteStore::Open({path});
  ASSERT_TRUE(store.ok()) << store.status();
  ListQuery query{"p", "d", "", std::nullopt, 10};
  query.now = absl::FromUnixSeconds(1800000000);
  auto listed = (*store)->ListRecords(query);
  ASSERT_TRUE(listed.ok()) << listed.status();  // INDEXED BY needs the index
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key.name, "old");
}

TEST(SqliteStore, UnwritableLocationIsUnavailable) {
  auto store = SqliteStore::Open({"/proc/no-such-dir/x.db"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flyteoverride::storage
