// Implicit hooks (docs/semantics.md, "Implicit hooks"): task nodes addressed
// by the name flytekit gave them, for closures no author could give hooks.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "resolver/inspect.h"
#include "resolver/names.h"
#include "resolver/test_util.h"

namespace flyteoverride::resolver {
namespace {

using testing::Closure;
using testing::FieldOf;
using testing::Hook;
using testing::NodeAt;
using testing::Reasons;
using testing::RequestJson;
using testing::SubWorkflow;
using testing::SubWorkflowNode;
using testing::Task;
using testing::TaskNode;

std::string Named(absl::string_view name) {
  return absl::StrCat(R"("metadata": {"name": ")", name, R"("})");
}

ResolveResult ResolveImplicit(
    const flyteidl::core::CompiledWorkflowClosure& closure,
    absl::string_view execution, bool implicit = true) {
  v1::ResolveRequest request = RequestJson(closure, "{}", execution);
  request.mutable_options()->set_explain(true);
  ResolveContext context;
  context.implicit_hooks =
      implicit ? ImplicitHooks::kNodeName : ImplicitHooks::kOff;
  return Resolve(request, {}, context);
}

// A closure as today's flytekit writes it: no hook at all.
const flyteidl::core::CompiledWorkflowClosure& Plain() {
  static const auto* closure = new flyteidl::core::CompiledWorkflowClosure(
      Closure(absl::StrCat(TaskNode("n0", "t", Named("prepare_data")), ",",
                           SubWorkflowNode("n1", "sub"), ",",
                           SubWorkflowNode("n2", "sub")),
              SubWorkflow("sub", TaskNode("n0", "t", Named("train_model"))),
              Task("t", "")));
  return *closure;
}

TEST(ImplicitHooks, NodeNamesAddressNodesWithoutAGraphPath) {
  const ResolveResult result =
      ResolveImplicit(Plain(), R"({"train_model": {"retries": 4}})");
  ASSERT_TRUE(result.ok()) << Reasons(result);
  // A name shared by several instances is one group.
  EXPECT_EQ(NodeAt(result, "n1/n0").overrides().retries(), 4);
  EXPECT_EQ(NodeAt(result, "n2/n0").overrides().retries(), 4);
  EXPECT_FALSE(NodeAt(result, "n0").overrides().has_retries());
  const v1::ProvenanceEntry& retries = FieldOf(NodeAt(result, "n2/n0"), "retries");
  EXPECT_EQ(retries.assignment().hook(), "train_model");
  EXPECT_TRUE(retries.assignment().implicit_hook());
  EXPECT_EQ(retries.assignment().declared_at(), "n2/n0");
}

TEST(ImplicitHooks, OffByDefaultSoNodeNamesAreUnknownHooks) {
  const ResolveResult result =
      ResolveImplicit(Plain(), R"({"train_model": {"retries": 4}})", false);
  EXPECT_EQ(Reasons(result), "UNKNOWN_HOOK");
}

TEST(ImplicitHooks, UnknownNamesSuggestNodeNames) {
  const ResolveResult result =
      ResolveImplicit(Plain(), R"({"train_modle": {"retries": 4}})");
  ASSERT_EQ(Reasons(result), "UNKNOWN_HOOK");
  EXPECT_NE(result.violations[0].description().find("did you mean 'train_model'"),
            std::string::npos)
      << result.violations[0].description();
}

// Least specific: a declared hook on the node or around it beats the
// implicit one within a layer, whatever the order of the map.
TEST(ImplicitHooks, ADeclaredHookBeatsTheImplicitOneWithinALayer) {
  const auto closure = Closure(
      SubWorkflowNode("n1", "sub", Hook("outer")),
      SubWorkflow("sub", TaskNode("n0", "t", Named("train_model"))),
      Task("t", ""));
  const ResolveResult result = ResolveImplicit(
      closure, R"({"train_model": {"retries": 1, "cacheVersion": "i"},
                   "outer": {"retries": 2}})");
  ASSERT_TRUE(result.ok()) << Reasons(result);
  const v1::ResolvedNode& node = NodeAt(result, "n1/n0");
  EXPECT_EQ(node.overrides().retries(), 2);           // the declared hook
  EXPECT_EQ(node.overrides().cache_version(), "i");  // what only it sets
  ASSERT_EQ(node.hooks_size(), 2);
  EXPECT_EQ(node.hooks(0), "train_model");  // outermost
  EXPECT_EQ(node.hooks(1), "outer");
}

TEST(ImplicitHooks, ADeclaredHookOfTheSameNameLeavesNoImplicitOne) {
  const auto closure = Closure(
      TaskNode("n0", "t",
               absl::StrCat(Named("train_model"), ",",
                            Hook("train_model", R"({"retries": 3})"))),
      "", Task("t", ""));
  const ResolveResult result = ResolveImplicit(closure, "{}");
  ASSERT_TRUE(result.ok()) << Reasons(result);
  const v1::ResolvedNode& node = NodeAt(result, "n0");
  ASSERT_EQ(node.hooks_size(), 1);
  EXPECT_EQ(node.overrides().retries(), 3);  // the author's defaults
  EXPECT_FALSE(FieldOf(node, "retries").assignment().implicit_hook());
}

TEST(ImplicitHooks, NamesAreNormalizedOrSkippedWithAWarning) {
  EXPECT_EQ(NormalizeHookName("ml.training.train model"),
            "ml.training.train_model");
  EXPECT_EQ(NormalizeHookName("__main__.train"), "main__.train");
  EXPECT_EQ(NormalizeHookName("~~~"), "");
  EXPECT_EQ(NormalizeHookName(std::string(300, 'a')).size(),
            kMaxHookNameLength);
  const auto closure = Closure(
      absl::StrCat(TaskNode("n0", "t", Named("~~~")), ",",
                   TaskNode("n1", "t", Named("train model"))),
      "", Task("t", ""));
  const ResolveResult result =
      ResolveImplicit(closure, R"({"train_model": {"retries": 1}})");
  ASSERT_TRUE(result.ok()) << Reasons(result);
  EXPECT_EQ(NodeAt(result, "n1").overrides().retries(), 1);
  ASSERT_EQ(result.response.warnings_size(), 1);
  EXPECT_EQ(result.response.warnings(0).reason(), "NO_IMPLICIT_HOOK");
  EXPECT_EQ(result.response.warnings(0).node_path(), "n0");
}

TEST(ImplicitHooks, InspectListsThemMarkedAsSuch) {
  const auto listed =
      Inspect(Plain(), {}, nullptr, ImplicitHooks::kNodeName);
  ASSERT_EQ(listed.hooks_size(), 2);
  EXPECT_EQ(listed.hooks(0).name(), "prepare_data");
  EXPECT_TRUE(listed.hooks(0).implicit());
  EXPECT_EQ(listed.hooks(1).name(), "train_model");
  ASSERT_EQ(listed.hooks(1).node_paths_size(), 2);
  EXPECT_EQ(listed.hooks(1).node_paths(0), "n1/n0");
  EXPECT_EQ(Inspect(Plain(), {}).hooks_size(), 0);
}

}  // namespace
}  // namespace flyteoverride::resolver
