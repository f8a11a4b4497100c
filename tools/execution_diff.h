// How two recorded executions differ, node by node and leaf by leaf, from
// their GetResolved answers with explain (what `overridectl diff` prints).
// Pure: no I/O. The console makes the same comparison in JavaScript, and
// the two must agree on DiffJson's output byte for byte in meaning, so the
// rules below are the contract:
//
// - Node paths are the union of both answers' nodes, sorted byte-wise.
// - A node in one answer only is "only_a" or "only_b", listing every
//   provenance leaf of the side that has it (the other side null).
// - For a node in both, the fields are the union of both nodes' provenance
//   fields, sorted byte-wise; a field is listed when the winning
//   assignment's value (compared as canonical JSON), `removed`, layer or
//   hook differ, a side without the field being null. Such a node with no
//   listed field is counted as unchanged, not listed.
#ifndef FLYTEOVERRIDE_TOOLS_EXECUTION_DIFF_H_
#define FLYTEOVERRIDE_TOOLS_EXECUTION_DIFF_H_

#include <optional>
#include <string>
#include <vector>

#include "flyteoverride/v1/resolver.pb.h"

namespace flyteoverride::tools {

struct FieldDiff {
  std::string field;
  std::optional<v1::Assignment> a;  // nullopt: A has no value for the field
  std::optional<v1::Assignment> b;
};

struct NodeDiff {
  enum class Status { kChanged, kOnlyA, kOnlyB };
  std::string node_path;
  Status status = Status::kChanged;
  std::vector<FieldDiff> fields;
};

struct ExecutionDiff {
  std::string a;  // the executions' names, as the caller wrote them
  std::string b;
  std::vector<NodeDiff> nodes;  // only those that differ
  int unchanged_nodes = 0;
};

// `a` and `b` must have been read with explain (their nodes' provenance);
// their nodes sorted by path, as GetResolved answers them.
ExecutionDiff DiffExecutions(std::string a_name,
                             const v1::GetResolvedResponse& a,
                             std::string b_name,
                             const v1::GetResolvedResponse& b);

// {"a", "b", "nodes": [{"node_path", "status", "fields": [{"field", "a",
// "b"}]}], "unchanged_nodes"}, keys in that order, two-space indented; a
// side is {"value", "layer", "hook", "removed"} or null, its value the
// assignment's google.protobuf.Value as JSON (null when removed with none).
std::string DiffJson(const ExecutionDiff& diff);

// One row per listed field (NODE FIELD A B, cells "value (LAYER hook)" or
// "—"), then "N nodes unchanged, N changed, N only in A, N only in B".
std::string DiffTable(const ExecutionDiff& diff);

}  // namespace flyteoverride::tools

#endif  // FLYTEOVERRIDE_TOOLS_EXECUTION_DIFF_H_
