#include "storage/postgres_store.h"

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/postgres_connection.h"
#include "storage/postgres_pool.h"
#include "storage/postgres_schema.h"

namespace flyteoverride::storage {
namespace {

using postgres::Bytes;
using postgres::Integer;
using postgres::Params;
using postgres::Run;
using postgres::Session;

constexpr char kKeyMatches[] =
    "org = $1 AND project = $2 AND domain = $3 AND name = $4";
constexpr char kExecutionMatches[] =
    "e.org = $1 AND e.project = $2 AND e.domain = $3 AND e.name = $4";
constexpr char kCopyNodes[] =
    "COPY nodes (execution_id, node_path, node) FROM STDIN (FORMAT binary)";

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

// The key's parts as $1..$4, for kKeyMatches and kExecutionMatches.
Params KeyParams(const ExecutionKey& key) {
  Params params;
  params.Text(key.org).Text(key.project).Text(key.domain).Text(key.name);
  return params;
}

// Nodes of `execution` as rows for kCopyNodes.
std::string NodeRows(int64_t execution,
                     const std::vector<v1::StoredNode>& nodes) {
  postgres::CopyRows rows;
  for (const v1::StoredNode& node : nodes) {
    rows.StartRow(3)
        .Int(execution)
        .Bytes(node.node().node_path())
        .Bytes(node.SerializeAsString());
  }
  return std::move(rows).Finish();
}

absl::Status NotRecorded(const ExecutionKey& key) {
  return absl::NotFoundError(
      absl::StrCat("execution ", key.ToString(), " is not recorded"));
}

}  // namespace

PostgresStore::PostgresStore(std::unique_ptr<postgres::Pool> pool,
                             absl::Duration timeout)
    : pool_(std::move(pool)), timeout_(timeout) {}

PostgresStore::~PostgresStore() = default;

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const PostgresOptions& options) {
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("postgres pool size must be at least 1");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("postgres timeout must be positive");
  }
  if (absl::Status valid = postgres::ValidateDsn(options.dsn); !valid.ok()) {
    return valid;
  }
  std::unique_ptr<PostgresStore> store(
      new PostgresStore(std::make_unique<postgres::Pool>(
                            options.dsn, options.pool_size, options.timeout),
                        options.timeout));
  // Reachability first, within the call timeout; then the slower migration.
  if (absl::Status status = store->Ping(); !status.ok()) return status;
  if (absl::Status status = postgres::Migrate(*store->pool_, store->timeout_);
      !status.ok()) {
    return status;
  }
  return store;
}

absl::StatusOr<PutOutcome> PostgresStore::PutIfAbsent(
    const ExecutionRecord& record) {
  const std::string maps = record.maps.SerializeAsString();
  PutOutcome outcome;
  absl::Status status =
      Run(*pool_, timeout_, "PutIfAbsent", true, [&](Session& s) {
        // ON CONFLICT waits for a concurrent inserter of the key: when it
        // commits, no row comes back and the SELECT below sees its record.
        auto inserted = s.Exec(
            "INSERT INTO executions (org, project, domain, name, input_digest, "
            "maps, created_us, expires_us) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (org, project, domain, name) DO NOTHING RETURNING id",
            KeyParams(record.key)
                .Text(record.input_digest)
                .Bytes(maps)
                .Int(Micros(record.created))
                .Int(Micros(record.expires)));
        if (!inserted.ok()) return inserted.status();
        if (PQntuples(inserted->get()) == 0) {
          auto existing =
              s.Exec(absl::StrCat("SELECT input_digest FROM executions WHERE ",
                                  kKeyMatches)
                         .c_str(),
                     KeyParams(record.key));
          if (!existing.ok()) return existing.status();
          if (PQntuples(existing->get()) == 0) {
            return s.Contended("the record was purged while it was being read");
          }
          outcome = {false, Bytes(existing->get(), 0, 0)};
          return absl::OkStatus();
        }
        if (!record.nodes.empty()) {
          const int64_t id = Integer(inserted->get(), 0, 0);
          if (absl::Status copied =
                  s.Copy(kCopyNodes, NodeRows(id, record.nodes));
              !copied.ok()) {
            return copied;
          }
        }
        outcome = {true, record.input_digest};
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return outcome;
}

absl::StatusOr<RecordHeader> PostgresStore::GetHeader(const ExecutionKey& key) {
  RecordHeader header;
  absl::Status status =
      Run(*pool_, timeout_, "GetHeader", false, [&](Session& s) {
        auto row = s.Exec(absl::StrCat("SELECT input_digest, maps, created_us, "
                                       "expires_us FROM executions WHERE ",
                                       kKeyMatches)
                              .c_str(),
                          KeyParams(key));
        if (!row.ok()) return row.status();
        const PGresult* r = row->get();
        if (PQntuples(r) == 0) return NotRecorded(key);
        header.input_digest = Bytes(r, 0, 0);
        if (!header.maps.ParseFromString(Bytes(r, 0, 1))) {
          return absl::DataLossError(
              absl::StrCat("the record of ", key.ToString(), " is damaged"));
        }
        header.created = absl::FromUnixMicros(Integer(r, 0, 2));
        header.expires = absl::FromUnixMicros(Integer(r, 0, 3));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return header;
}

absl::StatusOr<std::vector<v1::StoredNode>> PostgresStore::GetNodes(
    const ExecutionKey& key, absl::string_view node_path) {
  std::vector<v1::StoredNode> nodes;
  absl::Status status =
      Run(*pool_, timeout_, "GetNodes", false, [&](Session& s) {
        // One statement: no row when the execution is missing, a NULL node when
        // it has none (at that path). A path reads one row by primary key.
        Params params = KeyParams(key);
        std::string sql = absl::StrCat(
            "SELECT n.node FROM executions e LEFT JOIN nodes n ON "
            "n.execution_id "
            "= e.id",
            node_path.empty() ? "" : " AND n.node_path = $5", " WHERE ",
            kExecutionMatches,
            node_path.empty() ? " ORDER BY n.node_path" : "");
        if (!node_path.empty()) params.Text(node_path);
        auto rows = s.Exec(sql.c_str(), params);
        if (!rows.ok()) return rows.status();
        const PGresult* r = rows->get();
        if (PQntuples(r) == 0) return NotRecorded(key);
        for (int i = 0; i < PQntuples(r); ++i) {
          if (PQgetisnull(r, i, 0)) continue;
          if (!nodes.emplace_back().ParseFromString(Bytes(r, i, 0))) {
            return absl::DataLossError(absl::StrCat(
                "a node record of ", key.ToString(), " is damaged"));
          }
        }
        if (!node_path.empty() && nodes.empty()) {
          return absl::NotFoundError(absl::StrCat("execution ", key.ToString(),
                                                  " has no node ", node_path,
                                                  " covered by a hook"));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return nodes;
}

absl::StatusOr<PutOutcome> PostgresStore::PutDynamic(
    const ExecutionKey& key, const std::string& parent_path,
    const std::string& input_digest, const std::vector<v1::StoredNode>& nodes) {
  PutOutcome outcome;
  absl::Status status =
      Run(*pool_, timeout_, "PutDynamic", true, [&](Session& s) {
        auto inserted = s.Exec(
            absl::StrCat(
                "INSERT INTO dynamic_parents (execution_id, parent_path, "
                "input_digest) SELECT id, $5, $6 FROM executions WHERE ",
                kKeyMatches,
                " ON CONFLICT (execution_id, parent_path) DO NOTHING "
                "RETURNING execution_id")
                .c_str(),
            KeyParams(key).Text(parent_path).Text(input_digest));
        if (!inserted.ok()) return inserted.status();
        if (PQntuples(inserted->get()) == 0) {
          // Either the execution is missing or the parent is recorded already.
          auto existing = s.Exec(
              "SELECT d.input_digest FROM executions e LEFT JOIN "
              "dynamic_parents d "
              "ON d.execution_id = e.id AND d.parent_path = $5 WHERE "
              "e.org = $1 AND e.project = $2 AND e.domain = $3 AND e.name = $4",
              KeyParams(key).Text(parent_path));
          if (!existing.ok()) return existing.status();
          const PGresult* r = existing->get();
          if (PQntuples(r) == 0) return NotRecorded(key);
          if (PQgetisnull(r, 0, 0)) {
            return s.Contended("the record changed while it was being written");
          }
          outcome = {false, Bytes(r, 0, 0)};
          return absl::OkStatus();
        }
        if (!nodes.empty()) {
          const int64_t id = Integer(inserted->get(), 0, 0);
          if (absl::Status copied = s.Copy(kCopyNodes, NodeRows(id, nodes));
              !copied.ok()) {
            return copied;
          }
        }
        outcome = {true, input_digest};
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return outcome;
}

absl::StatusOr<std::vector<ListedRecord>> PostgresStore::ListRecords(
    const ListQuery& query) {
  std::vector<ListedRecord> listed;
  absl::Status status =
      Run(*pool_, timeout_, "ListRecords", false, [&](Session& s) {
        listed.clear();  // a retried attempt starts over
        // The scope and the cursor's first half bound a range of
        // executions_by_scope; the cursor's second half only skips records
        // created in its own microsecond. `expires_us + 0` keeps the
        // planner off the expiry index: that filter is for the few
        // records expired but not yet purged.
        Params params;
        params.Text(query.project)
            .Text(query.domain)
            .Text(query.org)
            .Int(Micros(query.now))
            .Int(query.limit);
        if (query.after.has_value())
          params.Int(query.after->created_us).Text(query.after->name);
        const std::string sql = absl::StrCat(
            "SELECT org, project, domain, name, input_digest, maps, "
            "created_us, expires_us FROM executions WHERE project = $1 AND "
            "domain = $2 AND org = $3 AND expires_us + 0 > $4",
            query.after.has_value()
                ? " AND created_us <= $6 AND (created_us < $6 OR name "
                  "COLLATE \"C\" > $7)"
                : "",
            " ORDER BY created_us DESC, name COLLATE \"C\" LIMIT $5");
        auto rows = s.Exec(sql.c_str(), params);
        if (!rows.ok()) return rows.status();
        const PGresult* r = rows->get();
        for (int i = 0; i < PQntuples(r); ++i) {
          ListedRecord& record = listed.emplace_back();
          record.key = {Bytes(r, i, 1), Bytes(r, i, 2), Bytes(r, i, 3),
                        Bytes(r, i, 0)};
          record.header.input_digest = Bytes(r, i, 4);
          if (!record.header.maps.ParseFromString(Bytes(r, i, 5))) {
            return absl::DataLossError(absl::StrCat(
                "the record of ", record.key.ToString(), " is damaged"));
          }
          record.header.created = absl::FromUnixMicros(Integer(r, i, 6));
          record.header.expires = absl::FromUnixMicros(Integer(r, i, 7));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return listed;
}

absl::StatusOr<int> PostgresStore::PurgeExpired(absl::Time now,
                                                int max_records) {
  if (max_records <= 0) return 0;
  int purged = 0;
  absl::Status status =
      Run(*pool_, timeout_, "PurgeExpired", false, [&](Session& s) {
        // SKIP LOCKED: replicas purging at once take different records.
        auto done = s.Exec(
            "DELETE FROM executions WHERE id IN (SELECT id FROM executions "
            "WHERE expires_us <= $1 ORDER BY expires_us LIMIT $2 "
            "FOR UPDATE SKIP LOCKED)",
            Params().Int(Micros(now)).Int(max_records));
        if (!done.ok()) return done.status();
        purged = std::atoi(PQcmdTuples(done->get()));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::Status PostgresStore::Ping() {
  return Run(*pool_, timeout_, "Ping", false,
             [](Session& s) { return s.Exec("SELECT 1").status(); });
}

}  // namespace flyteoverride::storage
