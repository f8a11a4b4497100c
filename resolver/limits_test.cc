// Every bound on one request's work (docs/operations.md, "Limits"): at the
// limit a request resolves; one past it, it is refused with the limit's own
// reason, as LIMIT_EXCEEDED, and nothing else is attempted.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "resolver/test_util.h"

namespace flyteoverride::resolver {
namespace {

using testing::Closure;
using testing::Hook;
using testing::Reasons;
using testing::RequestJson;
using testing::SubWorkflow;
using testing::SubWorkflowNode;
using testing::Task;
using testing::TaskNode;

ResolveResult ResolveWith(const v1::ResolveRequest& request,
                          const ResolveLimits& limits) {
  return Resolve(request, limits, {});
}

// Expects `reason` (and only that) one past `limit`, and no violation at
// `limit` or below.
template <typename MakeRequest>
void ExpectLimit(const std::string& reason, size_t limit,
                 MakeRequest make_request, const ResolveLimits& limits) {
  for (size_t n : {limit - 1, limit}) {
    const ResolveResult result = ResolveWith(make_request(n), limits);
    EXPECT_TRUE(result.ok()) << reason << " at " << n << ": "
                             << Reasons(result);
  }
  const ResolveResult over = ResolveWith(make_request(limit + 1), limits);
  ASSERT_EQ(Reasons(over), reason) << "at " << limit + 1;
  EXPECT_EQ(over.violations[0].category(), v1::Violation::LIMIT_EXCEEDED);
  EXPECT_EQ(over.response.nodes_size(), 0);
}

TEST(Limits, NodeIdBytes) {
  ResolveLimits limits;
  limits.walk.max_node_id_bytes = 40;
  ExpectLimit("NODE_ID_TOO_LONG", 40, [](size_t n) {
    return RequestJson(Closure(TaskNode(std::string(n, 'n'), "t", Hook("h")),
                               "", Task("t", "")),
                       "{}", "{}");
  }, limits);
}

// Long ids nested deep repeat in every path beneath them.
TEST(Limits, TotalPathBytes) {
  ResolveLimits limits;
  limits.walk.max_path_bytes = 190;
  auto closure = [](size_t id_bytes) {
    const std::string id(id_bytes, 'w');
    return Closure(absl::StrCat(SubWorkflowNode(id, "sub", Hook("h")), ",",
                                SubWorkflowNode(id + "2", "sub")),
                   SubWorkflow("sub", TaskNode("leaf", "t")), Task("t", ""));
  };
  // Instance paths id/leaf (id+5) and id2/leaf (id+6), and the scopes'
  // prefixes id/ (id+1) and id2/ (id+2): 4 * id + 14 bytes.
  for (size_t id : {43u, 44u}) {  // 186 and 190 bytes: below and at the limit
    EXPECT_TRUE(ResolveWith(RequestJson(closure(id), "{}", "{}"), limits).ok())
        << id;
  }
  EXPECT_EQ(Reasons(ResolveWith(RequestJson(closure(45), "{}", "{}"), limits)),
            "PATH_BYTES_EXCEEDED");  // 194 bytes
}

TEST(Limits, MapEntries) {
  ResolveLimits limits;
  limits.max_map_entries = 3;
  ExpectLimit("TOO_MANY_MAP_ENTRIES", 3, [](size_t n) {
    std::vector<std::string> entries;
    for (size_t i = 0; i < n; ++i)
      entries.push_back(absl::StrCat("\"h", i, "\": {\"retries\": 1}"));
    std::vector<std::string> nodes;
    for (size_t i = 0; i < n; ++i)
      nodes.push_back(TaskNode(absl::StrCat("n", i), "t",
                               Hook(absl::StrCat("h", i))));
    return RequestJson(Closure(absl::StrJoin(nodes, ","), "", Task("t", "")),
                       "{}", absl::StrCat("{", absl::StrJoin(entries, ","), "}"));
  }, limits);
}

v1::ResolveRequest WithEnvironment(size_t keys) {
  std::vector<std::string> env;
  for (size_t i = 0; i < keys; ++i) env.push_back(absl::StrCat("\"K", i, "\": \"v\""));
  return RequestJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", Task("t", "")), "{}",
      absl::StrCat(R"({"h": {"environment": {)", absl::StrJoin(env, ","), "}}}"));
}

TEST(Limits, EnvironmentKeys) {
  ResolveLimits limits;
  limits.documents.max_environment_keys = 5;
  ExpectLimit("TOO_MANY_ENVIRONMENT_KEYS", 5, WithEnvironment, limits);
}

v1::ResolveRequest WithTaskConfigDepth(size_t depth) {
  // {"a": {"a": ... {"a": 1}}}: `depth` levels below task_config.
  std::string config = "1";
  for (size_t i = 1; i < depth; ++i) config = absl::StrCat(R"({"a": )", config, "}");
  return RequestJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", Task("t", "")), "{}",
      absl::StrCat(R"({"h": {"taskConfig": {"a": )", config, "}}}"));
}

TEST(Limits, TaskConfigDepth) {
  ResolveLimits limits;
  limits.documents.max_task_config_depth = 6;
  ExpectLimit("TASK_CONFIG_TOO_DEEP", 6, WithTaskConfigDepth, limits);
}

TEST(Limits, TaskConfigBytes) {
  ResolveLimits limits;
  const v1::ResolveRequest request = RequestJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", Task("t", "")), "{}",
      R"({"h": {"taskConfig": {"s": "0123456789"}}})");
  const size_t bytes =
      request.execution_overrides().at("h").task_config().ByteSizeLong();
  limits.documents.max_task_config_bytes = bytes;
  EXPECT_TRUE(ResolveWith(request, limits).ok());
  limits.documents.max_task_config_bytes = bytes - 1;
  EXPECT_EQ(Reasons(ResolveWith(request, limits)), "TASK_CONFIG_TOO_LARGE");
}

// Units: a node visited, a leaf merged. A closure of n covered task nodes
// with one leaf each costs a known amount; one unit less is refused.
TEST(Limits, WorkUnits) {
  const v1::ResolveRequest request =
      RequestJson(Closure(absl::StrCat(TaskNode("n0", "t", Hook("h")), ",",
                                       TaskNode("n1", "t", Hook("h"))),
                          "", Task("t", "")),
                  "{}", R"({"h": {"retries": 1}})");
  ResolveLimits limits;
  uint64_t needed = 0;
  for (uint64_t units = 1; units < 100; ++units) {
    limits.max_work_units = units;
    if (ResolveWith(request, limits).ok()) {
      needed = units;
      break;
    }
  }
  ASSERT_GT(needed, 2u);  // the walk and the merge both count
  limits.max_work_units = needed - 1;
  EXPECT_EQ(Reasons(ResolveWith(request, limits)), "WORK_BUDGET_EXCEEDED");
}

// The caller's stop ends the work and says so; nothing else is returned.
TEST(Limits, ACallerStopEndsTheWork) {
  const v1::ResolveRequest request = RequestJson(
      Closure(TaskNode("n0", "t", Hook("h")), "", Task("t", "")), "{}", "{}");
  ResolveContext context;
  context.stop = [] { return true; };
  const ResolveResult result = Resolve(request, {}, context);
  EXPECT_EQ(result.stopped.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(result.response.nodes_size(), 0);
  EXPECT_TRUE(result.violations.empty());
}

}  // namespace
}  // namespace flyteoverride::resolver
