// The comparison `overridectl diff` prints and the console repeats in
// JavaScript: which nodes and fields are listed, and the exact JSON.
#include "tools/execution_diff.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::tools {
namespace {

using ::testing::HasSubstr;

v1::Assignment Set(v1::Layer layer, const std::string& hook,
                   const std::string& value) {
  v1::Assignment assignment;
  assignment.set_layer(layer);
  assignment.set_hook(hook);
  assignment.set_declared_at("n1");  // not compared
  assignment.mutable_value()->set_string_value(value);
  return assignment;
}

void Leaf(v1::ResolvedNode* node, const std::string& field,
          v1::Assignment assignment) {
  v1::ProvenanceEntry* entry = node->add_provenance();
  entry->set_field(field);
  *entry->mutable_assignment() = std::move(assignment);
}

v1::ResolvedNode* Node(v1::GetResolvedResponse* response,
                       const std::string& path) {
  v1::ResolvedNode* node = response->add_nodes();
  node->set_node_path(path);
  return node;
}

TEST(ExecutionDiff, ListsOnlyWhatDiffersAndCountsTheRest) {
  v1::GetResolvedResponse a, b;
  for (v1::GetResolvedResponse* side : {&a, &b}) {
    Leaf(Node(side, "n0"), "retries", Set(v1::TASK, "", "3"));
  }
  v1::ResolvedNode* a1 = Node(&a, "n1/n0");
  Leaf(a1, "resources.limits.memory", Set(v1::EXECUTION, "train", "32Gi"));
  Leaf(a1, "container_image", Set(v1::TASK, "", "i:1"));
  v1::ResolvedNode* b1 = Node(&b, "n1/n0");
  Leaf(b1, "resources.limits.memory", Set(v1::LAUNCH_PLAN, "train", "64Gi"));
  Leaf(b1, "container_image", Set(v1::TASK, "", "i:1"));
  Leaf(b1, "environment.DEBUG", Set(v1::EXECUTION, "train", "1"));
  Leaf(Node(&b, "n2"), "retries", Set(v1::EXECUTION, "eval", "5"));
  Node(&a, "n10");  // sorts before "n2" byte-wise

  const ExecutionDiff diff = DiffExecutions("p/d/a", a, "p/d/b", b);
  EXPECT_EQ(diff.unchanged_nodes, 1);
  ASSERT_EQ(diff.nodes.size(), 3u);
  EXPECT_EQ(diff.nodes[0].node_path, "n1/n0");
  ASSERT_EQ(diff.nodes[0].fields.size(), 2u);
  EXPECT_EQ(diff.nodes[0].fields[0].field, "environment.DEBUG");
  EXPECT_FALSE(diff.nodes[0].fields[0].a.has_value());
  EXPECT_EQ(diff.nodes[0].fields[1].field, "resources.limits.memory");
  EXPECT_EQ(diff.nodes[1].node_path, "n10");
  EXPECT_EQ(diff.nodes[1].status, NodeDiff::Status::kOnlyA);
  EXPECT_TRUE(diff.nodes[1].fields.empty());
  EXPECT_EQ(diff.nodes[2].node_path, "n2");
  EXPECT_EQ(diff.nodes[2].status, NodeDiff::Status::kOnlyB);

  EXPECT_EQ(DiffJson(diff), R"({
  "a": "p/d/a",
  "b": "p/d/b",
  "nodes": [
    {
      "node_path": "n1/n0",
      "status": "changed",
      "fields": [
        {
          "field": "environment.DEBUG",
          "a": null,
          "b": {"value": "1", "layer": "EXECUTION", "hook": "train", "removed": false}
        },
        {
          "field": "resources.limits.memory",
          "a": {"value": "32Gi", "layer": "EXECUTION", "hook": "train", "removed": false},
          "b": {"value": "64Gi", "layer": "LAUNCH_PLAN", "hook": "train", "removed": false}
        }
      ]
    },
    {
      "node_path": "n10",
      "status": "only_a",
      "fields": []
    },
    {
      "node_path": "n2",
      "status": "only_b",
      "fields": [
        {
          "field": "retries",
          "a": null,
          "b": {"value": "5", "layer": "EXECUTION", "hook": "eval", "removed": false}
        }
      ]
    }
  ],
  "unchanged_nodes": 1
}
)");
  const std::string table = DiffTable(diff);
  EXPECT_THAT(table, HasSubstr("NODE   FIELD"));
  EXPECT_THAT(table, HasSubstr("32Gi (EXECUTION train)"));
  EXPECT_THAT(table, HasSubstr("64Gi (LAUNCH_PLAN train)"));
  EXPECT_THAT(table,
              HasSubstr("1 nodes unchanged, 1 changed, 1 only in A, 1 only in B\n"));
}

TEST(ExecutionDiff, ValuesCompareAsCanonicalJsonAndRemovalsCount) {
  v1::GetResolvedResponse a, b;
  v1::Assignment struct_a = Set(v1::EXECUTION, "h", "");
  auto* fields = struct_a.mutable_value()->mutable_struct_value()->mutable_fields();
  (*fields)["x"].set_number_value(1);
  (*fields)["y"].set_bool_value(true);
  v1::Assignment struct_b = struct_a;  // same members: no difference
  v1::Assignment removed = Set(v1::EXECUTION, "h", "");
  removed.clear_value();
  removed.set_removed(true);
  v1::ResolvedNode* na = Node(&a, "n0");
  Leaf(na, "task_config/spark", struct_a);
  Leaf(na, "environment.A", Set(v1::DECORATOR, "h", "1"));
  v1::ResolvedNode* nb = Node(&b, "n0");
  Leaf(nb, "task_config/spark", struct_b);
  Leaf(nb, "environment.A", removed);

  const ExecutionDiff diff = DiffExecutions("a", a, "b", b);
  ASSERT_EQ(diff.nodes.size(), 1u);
  ASSERT_EQ(diff.nodes[0].fields.size(), 1u);
  EXPECT_EQ(diff.nodes[0].fields[0].field, "environment.A");
  const std::string json = DiffJson(diff);
  EXPECT_THAT(json, HasSubstr(R"("b": {"value": null, "layer": "EXECUTION", "hook": "h", "removed": true})"));
  EXPECT_THAT(DiffTable(diff), HasSubstr("(removed) (EXECUTION h)"));
}

TEST(ExecutionDiff, NonStringValuesAreJsonValues) {
  v1::GetResolvedResponse a, b;
  v1::Assignment number = Set(v1::EXECUTION, "h", "");
  number.mutable_value()->set_number_value(4);
  v1::Assignment object = Set(v1::EXECUTION, "h", "");
  (*object.mutable_value()->mutable_struct_value()->mutable_fields())["k"]
      .set_string_value("v");
  Leaf(Node(&a, "n0"), "retries", number);
  Leaf(Node(&b, "n0"), "retries", object);
  const std::string json = DiffJson(DiffExecutions("a", a, "b", b));
  EXPECT_THAT(json, HasSubstr(R"("a": {"value": 4, "layer")"));
  EXPECT_THAT(json, HasSubstr(R"("b": {"value": {"k":"v"}, "layer")"));
}

TEST(ExecutionDiff, IdenticalExecutionsListNothing) {
  v1::GetResolvedResponse a;
  Leaf(Node(&a, "n0"), "retries", Set(v1::TASK, "", "3"));
  const ExecutionDiff diff = DiffExecutions("a", a, "b", a);
  EXPECT_EQ(DiffJson(diff), R"({
  "a": "a",
  "b": "b",
  "nodes": [],
  "unchanged_nodes": 1
}
)");
  EXPECT_EQ(DiffTable(diff),
            "1 nodes unchanged, 0 changed, 0 only in A, 0 only in B\n");
}

}  // namespace
}  // namespace flyteoverride::tools
