// The one stateful edge: records of resolved executions. The server keeps no
// state of its own, so any replica can answer any call (docs/design.md section 6).
#ifndef FLYTEOVERRIDE_STORAGE_STORE_H_
#define FLYTEOVERRIDE_STORAGE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "flyteoverride/v1/record.pb.h"

namespace flyteoverride::storage {

// An execution as FlyteAdmin names it.
struct ExecutionKey {
  std::string project;
  std::string domain;
  std::string name;
  std::string org;

  // "org/project/domain/name" without an empty org: for messages and logs.
  std::string ToString() const;
  bool operator==(const ExecutionKey& o) const {
    return project == o.project && domain == o.domain && name == o.name &&
           org == o.org;
  }
};

// What a Resolve with an execution id records.
struct ExecutionRecord {
  ExecutionKey key;
  std::string input_digest;
  v1::StoredMaps maps;
  std::vector<v1::StoredNode> nodes;  // sorted by node path
  absl::Time created;
  absl::Time expires;
};

// The part of a record read without its nodes.
struct RecordHeader {
  std::string input_digest;
  v1::StoredMaps maps;
  absl::Time created;
  absl::Time expires;
};

// Where a listing resumes: after the record created at `created_us`
// (microseconds since the epoch) named `name`, in the order ListRecords
// returns.
struct ListPosition {
  int64_t created_us = 0;
  std::string name;
};

// Which records ListRecords returns: those of one project, domain and org
// (exact matches; an empty org is records without one) not expired at `now`,
// after `after` when set, at most `limit`.
struct ListQuery {
  std::string project;
  std::string domain;
  std::string org;
  std::optional<ListPosition> after;
  int limit = 50;
  absl::Time now;
};

struct ListedRecord {
  ExecutionKey key;
  RecordHeader header;
};

struct PutOutcome {
  bool created;              // false: a record was there already
  std::string input_digest;  // of the record now stored
};

// Storage for execution records. Implementations are thread-safe; every
// method may be called concurrently from any thread and from other
// replicas. A status of UNAVAILABLE means the store could not be reached:
// nothing was written, and the call may be retried.
class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  // Writes `record` unless one exists for its key, atomically: all of it or
  // nothing. Concurrent first writes of one key leave exactly one record;
  // every caller learns the digest that won.
  virtual absl::StatusOr<PutOutcome> PutIfAbsent(
      const ExecutionRecord& record) = 0;

  // NOT_FOUND when no record has the key.
  virtual absl::StatusOr<RecordHeader> GetHeader(const ExecutionKey& key) = 0;

  // The node at `node_path`, or every node (top-level and dynamic) sorted by
  // path when `node_path` is empty. NOT_FOUND, naming what is missing, when
  // the execution or the node is not recorded. Reads one node without
  // reading the rest.
  virtual absl::StatusOr<std::vector<v1::StoredNode>> GetNodes(
      const ExecutionKey& key, absl::string_view node_path) = 0;

  // Records the nodes a dynamic task at `parent_path` produced, unless that
  // parent's nodes are recorded already (then returns their digest),
  // atomically. NOT_FOUND when the execution is not recorded.
  virtual absl::StatusOr<PutOutcome> PutDynamic(
      const ExecutionKey& key, const std::string& parent_path,
      const std::string& input_digest,
      const std::vector<v1::StoredNode>& nodes) = 0;

  // The records `query` selects, newest first (created descending, then name
  // ascending, by bytes), without their nodes. Reads at most `limit` records
  // beyond those expired but not yet purged, through an index on (project,
  // domain, org, created, name).
  virtual absl::StatusOr<std::vector<ListedRecord>> ListRecords(
      const ListQuery& query) = 0;

  // Deletes up to `max_records` records expired at `now`; returns how many.
  virtual absl::StatusOr<int> PurgeExpired(absl::Time now, int max_records) = 0;

  // OK when the store answers; for readiness.
  virtual absl::Status Ping() = 0;
};

}  // namespace flyteoverride::storage

#endif  // FLYTEOVERRIDE_STORAGE_STORE_H_
