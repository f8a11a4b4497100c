// End to end over loopback: every RPC succeeds on the bundled examples,
// against each store the server can run on (memory and SQLite), and what
// Resolve records is what GetResolved and ResolveDynamic read back.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"
#include "storage/sqlite_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::grpc::StatusCode;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::vector<std::string> PathsOf(
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& nodes) {
  std::vector<std::string> paths;
  for (const auto& node : nodes) paths.push_back(node.node_path());
  return paths;
}

const v1::ResolvedNode* FindNode(
    const google::protobuf::RepeatedPtrField<v1::ResolvedNode>& nodes,
    const std::string& path) {
  for (const auto& node : nodes)
    if (node.node_path() == path) return &node;
  return nullptr;
}

std::string ResourceValue(const flyteidl::core::TaskNodeOverrides& overrides,
                          bool limits,
                          flyteidl::core::Resources::ResourceName name) {
  const auto& entries = limits ? overrides.resources().limits()
                               : overrides.resources().requests();
  for (const auto& entry : entries)
    if (entry.name() == name) return entry.value();
  return "";
}

// A dynamic task's closure: task nodes d0.. calling the task `task_id`, no
// hooks of their own.
flyteidl::core::CompiledWorkflowClosure DynamicClosure(
    const flyteidl::core::TaskTemplate& task, int nodes) {
  flyteidl::core::CompiledWorkflowClosure closure;
  *closure.add_tasks()->mutable_template_() = task;
  auto* workflow = closure.mutable_primary()->mutable_template_();
  workflow->mutable_id()->set_resource_type(flyteidl::core::WORKFLOW);
  workflow->mutable_id()->set_project("flytesnacks");
  workflow->mutable_id()->set_domain("development");
  workflow->mutable_id()->set_name("ml.training.dynamic_fanout");
  workflow->mutable_id()->set_version("v1.4.0");
  for (int i = 0; i < nodes; ++i) {
    auto* node = workflow->add_nodes();
    node->set_id(absl::StrCat("d", i));
    *node->mutable_task_node()->mutable_reference_id() = task.id();
  }
  return closure;
}

const flyteidl::core::TaskTemplate* TaskNamed(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    const std::string& name) {
  for (const auto& task : closure.tasks())
    if (task.template_().id().name() == name) return &task.template_();
  return nullptr;
}

enum class StoreKind { kMemory, kSqlite };

std::unique_ptr<storage::Store> MakeStore(StoreKind kind,
                                          const std::string& tag) {
  if (kind == StoreKind::kMemory) return storage::MemoryStore::Create();
  storage::SqliteOptions options;
  options.path = absl::StrCat(TmpDir(), "/e2e-", tag, ".db");
  std::remove(options.path.c_str());
  auto store = storage::SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

class EveryRpcTest : public testing::TestWithParam<StoreKind> {};

TEST_P(EveryRpcTest, InspectAndDryRunSucceedOnEveryExample) {
  START_HARNESS(harness, TestConfig(), MakeStore(GetParam(), "examples"));
  for (const std::string name : {"training_pipeline", "map_task",
                                 "nested_branches", "reference_workflow"}) {
    SCOPED_TRACE(name);
    v1::ResolveRequest request = Example(name);
    v1::InspectWorkflowRequest inspect;
    *inspect.mutable_closure() = request.closure();
    v1::InspectWorkflowResponse hooks;
    grpc::Status status = harness.Inspect(inspect, &hooks);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_GT(hooks.hooks_size(), 0);
    EXPECT_THAT(hooks.diagnostics(), SizeIs(0));

    request.mutable_options()->set_dry_run(true);
    request.mutable_options()->set_explain(true);
    *request.mutable_execution_id() = ExecutionId(absl::StrCat("dry-", name));
    v1::ResolveResponse response;
    status = harness.Resolve(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_GT(response.nodes_size(), 0);
    EXPECT_THAT(response.input_digest(), SizeIs(64));
    std::vector<std::string> paths = PathsOf(response.nodes());
    EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
    // A dry run stores nothing, even with an execution id.
    v1::GetResolvedResponse stored;
    EXPECT_EQ(harness.GetResolved(absl::StrCat("dry-", name), "", &stored)
                  .error_code(),
              StatusCode::NOT_FOUND);
  }
  // The `invalid` example's closure and launch plan alone are valid.
  v1::ResolveRequest request = Example("invalid");
  request.clear_execution_overrides();
  request.mutable_options()->set_dry_run(true);
  v1::ResolveResponse response;
  grpc::Status status = harness.Resolve(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::ResolvedNode* n0 = FindNode(response.nodes(), "n0");
  ASSERT_NE(n0, nullptr);
  EXPECT_EQ(
      ResourceValue(n0->overrides(), true, flyteidl::core::Resources::MEMORY),
      "10Gi");
}

TEST_P(EveryRpcTest, ResolveRecordsAndRepeatsByteForByte) {
  START_HARNESS(harness, TestConfig(), MakeStore(GetParam(), "record"));
  v1::ResolveRequest request = Example("training_pipeline");
  *request.mutable_execution_id() = ExecutionId("exec-record");
  v1::ResolveResponse first, second;
  grpc::Status status = harness.Resolve(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(PathsOf(first.nodes()),
              ElementsAre("n0", "n1/n0", "n2/n0", "n2/n1", "n3", "n4"));
  status = harness.Resolve(request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());

  v1::GetResolvedResponse all;
  status = harness.GetResolved("exec-record", "", &all);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(all.input_digest(), first.input_digest());
  ASSERT_EQ(all.nodes_size(), first.nodes_size());
  for (int i = 0; i < all.nodes_size(); ++i) {
    EXPECT_EQ(all.nodes(i).node_path(), first.nodes(i).node_path());
    EXPECT_EQ(all.nodes(i).overrides().SerializeAsString(),
              first.nodes(i).overrides().SerializeAsString())
        << all.nodes(i).node_path();
  }

  v1::GetResolvedResponse one;
  status = harness.GetResolved("exec-record", "n2/n0", &one);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(one.nodes_size(), 1);
  EXPECT_EQ(one.nodes(0).node_path(), "n2/n0");
  EXPECT_THAT(one.nodes(0).hooks(), ElementsAre("challenger", "train"));
  EXPECT_EQ(one.nodes(0).overrides().container_image(),
            "ghcr.io/acme/trainer:1.5.0-rc1");
  EXPECT_EQ(one.nodes(0).overrides().environment().at("LOG_LEVEL"), "DEBUG");
}

TEST_P(EveryRpcTest, ResolveDynamicInheritsTheParentsHooks) {
  START_HARNESS(harness, TestConfig(), MakeStore(GetParam(), "dynamic"));
  v1::ResolveRequest request = Example("training_pipeline");
  *request.mutable_execution_id() = ExecutionId("exec-dynamic");
  v1::ResolveResponse recorded;
  grpc::Status status = harness.Resolve(request, &recorded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::ResolvedNode* parent = FindNode(recorded.nodes(), "n1/n0");
  ASSERT_NE(parent, nullptr);

  const flyteidl::core::TaskTemplate* task =
      TaskNamed(request.closure(), "ml.training.train_model");
  ASSERT_NE(task, nullptr);
  v1::ResolveDynamicRequest dynamic;
  *dynamic.mutable_execution_id() = ExecutionId("exec-dynamic");
  dynamic.set_parent_node_path("n1/n0");
  *dynamic.mutable_closure() = DynamicClosure(*task, 2);
  v1::ResolveDynamicResponse first;
  status = harness.ResolveDynamic(dynamic, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(PathsOf(first.nodes()), ElementsAre("n1/n0/d0", "n1/n0/d1"));
  for (const auto& node : first.nodes()) {
    SCOPED_TRACE(node.node_path());
    EXPECT_THAT(node.hooks(), ElementsAre("train"));
    const auto& overrides = node.overrides();
    // EXECUTION and LAUNCH_PLAN values recorded for the execution, and the
    // DECORATOR defaults of the parent's hook.
    EXPECT_EQ(
        ResourceValue(overrides, false, flyteidl::core::Resources::MEMORY),
        "48Gi");
    EXPECT_EQ(ResourceValue(overrides, false, flyteidl::core::Resources::GPU),
              "2");
    EXPECT_EQ(ResourceValue(overrides, false, flyteidl::core::Resources::CPU),
              "6");
    EXPECT_EQ(overrides.environment().at("LOG_LEVEL"), "DEBUG");
    EXPECT_EQ(overrides.environment().at("WANDB_PROJECT"), "churn-model");
    EXPECT_EQ(overrides.retries(), 2);
    // Same task, same hooks: the same runtime overrides as the parent.
    EXPECT_EQ(overrides.SerializeAsString(),
              parent->overrides().SerializeAsString());
  }

  v1::GetResolvedResponse all;
  status = harness.GetResolved("exec-dynamic", "", &all);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(PathsOf(all.nodes()),
              ElementsAre("n0", "n1/n0", "n1/n0/d0", "n1/n0/d1", "n2/n0",
                          "n2/n1", "n3", "n4"));
  v1::GetResolvedResponse one;
  status = harness.GetResolved("exec-dynamic", "n1/n0/d1", &one);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(one.nodes_size(), 1);
  EXPECT_EQ(one.nodes(0).overrides().SerializeAsString(),
            first.nodes(1).overrides().SerializeAsString());

  // Propeller retries: the same closure again is the same answer.
  v1::ResolveDynamicResponse again;
  status = harness.ResolveDynamic(dynamic, &again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  // Another closure for the same parent is a conflict.
  *dynamic.mutable_closure() = DynamicClosure(*task, 3);
  v1::ResolveDynamicResponse other;
  status = harness.ResolveDynamic(dynamic, &other);
  EXPECT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS)
      << CodeName(status.error_code()) << ": " << status.error_message();
  // ... and leaves the record as it was.
  status = harness.GetResolved("exec-dynamic", "n1/n0/d2", &one);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND);

  // Under an execution never recorded: NOT_FOUND.
  *dynamic.mutable_execution_id() = ExecutionId("exec-never");
  status = harness.ResolveDynamic(dynamic, &other);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND)
      << CodeName(status.error_code());
}

// Names of a page, in order.
std::vector<std::string> NamesOf(const v1::ListExecutionsResponse& page) {
  std::vector<std::string> names;
  for (const auto& execution : page.executions())
    names.push_back(execution.execution_id().name());
  return names;
}

TEST_P(EveryRpcTest, ListExecutionsPagesNewestFirstWhileRecordsAreAdded) {
  START_HARNESS(harness, TestConfig(), MakeStore(GetParam(), "list"));
  v1::ResolveRequest request = Example("training_pipeline");
  auto record = [&](const std::string& name) {
    *request.mutable_execution_id() = ExecutionId(name);
    v1::ResolveResponse response;
    grpc::Status status = harness.Resolve(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    absl::SleepFor(absl::Milliseconds(2));  // distinct creation times
  };
  for (const char* name : {"list-1", "list-2", "list-3"}) record(name);

  v1::ListExecutionsResponse page;
  grpc::Status status = harness.ListExecutions(2, "", &page);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(NamesOf(page), ElementsAre("list-3", "list-2"));
  EXPECT_THAT(page.executions(0).overridden_hooks(),
              ElementsAre("challenger", "evaluate", "train"));
  EXPECT_GT(page.executions(0).expires_at().seconds(),
            page.executions(0).created_at().seconds());
  record("list-4");
  const std::string token = page.next_page_token();
  status = harness.ListExecutions(2, token, &page);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(NamesOf(page), ElementsAre("list-1"));
  EXPECT_EQ(page.next_page_token(), "");

  status = harness.ListExecutions(2, "garbage!", &page);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT)
      << CodeName(status.error_code());
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  status = harness.ListExecutions(-1, "", &page);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
}

INSTANTIATE_TEST_SUITE_P(Stores, EveryRpcTest,
                         testing::Values(StoreKind::kMemory,
                                         StoreKind::kSqlite),
                         [](const testing::TestParamInfo<StoreKind>& info) {
                           return info.param == StoreKind::kMemory ? "Memory"
                                                                   : "Sqlite";
                         });

}  // namespace
}  // namespace flyteoverride::tests
