#include "tools/execution_diff.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "tools/table.h"

namespace flyteoverride::tools {
namespace {

using Leaves = std::map<std::string, const v1::Assignment*>;

// A node's provenance by field; std::map orders std::string byte-wise.
Leaves LeavesOf(const v1::ResolvedNode& node) {
  Leaves leaves;
  for (const v1::ProvenanceEntry& entry : node.provenance())
    leaves.emplace(entry.field(), &entry.assignment());
  return leaves;
}

// The assignment's value as canonical JSON (struct members sorted): what
// two sides are compared by, and what the JSON output shows.
std::string ValueJson(const v1::Assignment& assignment) {
  if (assignment.value().kind_case() ==
      google::protobuf::Value::KIND_NOT_SET) {
    return "null";
  }
  return encoding::DeterministicJson(assignment.value(), false);
}

bool Same(const v1::Assignment* a, const v1::Assignment* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return a->layer() == b->layer() && a->hook() == b->hook() &&
         a->removed() == b->removed() && ValueJson(*a) == ValueJson(*b);
}

std::optional<v1::Assignment> Copy(const v1::Assignment* assignment) {
  if (assignment == nullptr) return std::nullopt;
  return *assignment;
}

// Every leaf of a node only one side has.
NodeDiff OneSided(const v1::ResolvedNode& node, NodeDiff::Status status) {
  NodeDiff diff{node.node_path(), status, {}};
  for (const auto& [field, assignment] : LeavesOf(node)) {
    FieldDiff& row = diff.fields.emplace_back();
    row.field = field;
    (status == NodeDiff::Status::kOnlyA ? row.a : row.b) = *assignment;
  }
  return diff;
}

NodeDiff BothSides(const v1::ResolvedNode& a, const v1::ResolvedNode& b) {
  NodeDiff diff{a.node_path(), NodeDiff::Status::kChanged, {}};
  const Leaves in_a = LeavesOf(a), in_b = LeavesOf(b);
  auto i = in_a.begin();
  auto j = in_b.begin();
  // A merge of two sorted maps: the union of fields in byte order.
  while (i != in_a.end() || j != in_b.end()) {
    const bool take_a = j == in_b.end() || (i != in_a.end() && i->first <= j->first);
    const bool take_b = i == in_a.end() || (j != in_b.end() && j->first <= i->first);
    const std::string& field = take_a ? i->first : j->first;
    const v1::Assignment* left = take_a ? i->second : nullptr;
    const v1::Assignment* right = take_b ? j->second : nullptr;
    if (!Same(left, right)) diff.fields.push_back({field, Copy(left), Copy(right)});
    if (take_a) ++i;
    if (take_b) ++j;
  }
  return diff;
}

const char* StatusName(NodeDiff::Status status) {
  switch (status) {
    case NodeDiff::Status::kOnlyA:
      return "only_a";
    case NodeDiff::Status::kOnlyB:
      return "only_b";
    default:
      return "changed";
  }
}

std::string SideJson(const std::optional<v1::Assignment>& side) {
  if (!side.has_value()) return "null";
  return absl::StrCat("{\"value\": ", ValueJson(*side), ", \"layer\": ",
                      encoding::JsonQuoted(v1::Layer_Name(side->layer())),
                      ", \"hook\": ", encoding::JsonQuoted(side->hook()),
                      ", \"removed\": ", side->removed() ? "true" : "false",
                      "}");
}

std::string SideCell(const std::optional<v1::Assignment>& side) {
  if (!side.has_value()) return "—";
  std::string source = v1::Layer_Name(side->layer());
  if (!side->hook().empty()) absl::StrAppend(&source, " ", side->hook());
  return absl::StrCat(ShowValue(*side), " (", source, ")");
}

// Columns a UTF-8 cell takes ("—" is three bytes, one column).
size_t Columns(const std::string& text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (c & 0xC0) != 0x80; });
}

}  // namespace

ExecutionDiff DiffExecutions(std::string a_name,
                             const v1::GetResolvedResponse& a,
                             std::string b_name,
                             const v1::GetResolvedResponse& b) {
  ExecutionDiff diff{std::move(a_name), std::move(b_name), {}, 0};
  std::map<std::string, const v1::ResolvedNode*> in_a, in_b;
  for (const v1::ResolvedNode& node : a.nodes()) in_a[node.node_path()] = &node;
  for (const v1::ResolvedNode& node : b.nodes()) in_b[node.node_path()] = &node;
  auto i = in_a.begin();
  auto j = in_b.begin();
  while (i != in_a.end() || j != in_b.end()) {
    if (j == in_b.end() || (i != in_a.end() && i->first < j->first)) {
      diff.nodes.push_back(OneSided(*(i++)->second, NodeDiff::Status::kOnlyA));
    } else if (i == in_a.end() || j->first < i->first) {
      diff.nodes.push_back(OneSided(*(j++)->second, NodeDiff::Status::kOnlyB));
    } else {
      NodeDiff node = BothSides(*(i++)->second, *(j++)->second);
      if (node.fields.empty()) {
        ++diff.unchanged_nodes;
      } else {
        diff.nodes.push_back(std::move(node));
      }
    }
  }
  return diff;
}

std::string DiffJson(const ExecutionDiff& diff) {
  std::string out = absl::StrCat("{\n  \"a\": ", encoding::JsonQuoted(diff.a),
                                 ",\n  \"b\": ", encoding::JsonQuoted(diff.b),
                                 ",\n  \"nodes\": [");
  for (size_t n = 0; n < diff.nodes.size(); ++n) {
    const NodeDiff& node = diff.nodes[n];
    absl::StrAppend(&out, n == 0 ? "\n" : ",\n", "    {\n      \"node_path\": ",
                    encoding::JsonQuoted(node.node_path),
                    ",\n      \"status\": \"", StatusName(node.status),
                    "\",\n      \"fields\": [");
    for (size_t f = 0; f < node.fields.size(); ++f) {
      const FieldDiff& field = node.fields[f];
      absl::StrAppend(&out, f == 0 ? "\n" : ",\n",
                      "        {\n          \"field\": ",
                      encoding::JsonQuoted(field.field),
                      ",\n          \"a\": ", SideJson(field.a),
                      ",\n          \"b\": ", SideJson(field.b),
                      "\n        }");
    }
    absl::StrAppend(&out, node.fields.empty() ? "]" : "\n      ]", "\n    }");
  }
  absl::StrAppend(&out, diff.nodes.empty() ? "]" : "\n  ]",
                  ",\n  \"unchanged_nodes\": ", diff.unchanged_nodes, "\n}\n");
  return out;
}

std::string DiffTable(const ExecutionDiff& diff) {
  std::vector<std::vector<std::string>> rows = {{"NODE", "FIELD", "A", "B"}};
  int changed = 0, only_a = 0, only_b = 0;
  for (const NodeDiff& node : diff.nodes) {
    changed += node.status == NodeDiff::Status::kChanged;
    only_a += node.status == NodeDiff::Status::kOnlyA;
    only_b += node.status == NodeDiff::Status::kOnlyB;
    for (const FieldDiff& field : node.fields) {
      rows.push_back(
          {node.node_path, field.field, SideCell(field.a), SideCell(field.b)});
    }
  }
  std::string out;
  if (rows.size() > 1) {
    size_t widths[3] = {0, 0, 0};
    for (const auto& row : rows)
      for (int c = 0; c < 3; ++c) widths[c] = std::max(widths[c], Columns(row[c]));
    for (const auto& row : rows) {
      for (int c = 0; c < 3; ++c) {
        absl::StrAppend(&out, row[c],
                        std::string(widths[c] - Columns(row[c]) + 2, ' '));
      }
      absl::StrAppend(&out, row[3], "\n");
    }
  }
  absl::StrAppend(&out, diff.unchanged_nodes, " nodes unchanged, ", changed,
                  " changed, ", only_a, " only in A, ", only_b, " only in B\n");
  return out;
}

}  // namespace flyteoverride::tools
