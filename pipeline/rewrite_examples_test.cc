// The rewritten closure as flyteidl v1 sees it: every bundled example round
// trips, bytes outside the subset survive, a reader that knows only
// flyteidl v1's field numbers finds the resolved values, and a 10,000-node
// closure is rewritten in time.
#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "synthetic/closure_gen.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "encoding/json_format.h"
#include "pipeline/rewrite_test_util.h"
#include "resolver/test_util.h"
#include "encoding/wire.h"
#include "flyte_v1/workflow_edit.h"

namespace flyteoverride::pipeline::testing {

using encoding::DeterministicBytes;
using resolver::testing::ParseJson;
using resolver::testing::Reasons;
using resolver::testing::Task;

using resolver::Resolve;
using resolver::ResolveResult;
namespace wire = encoding::wire;

namespace {

using flyteidl::core::CompiledWorkflowClosure;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

v1::ResolveRequest ExampleRequest(const std::string& name) {
  const std::string dir = absl::StrCat("examples/", name, "/");
  v1::ResolveRequest request;
  *request.mutable_closure() = ParseJson<CompiledWorkflowClosure>(
      ReadFile(dir + "closure.json"), /*lenient=*/true);
  const auto map = [&](const std::string& file) {
    return ParseJson<v1::OverrideMap>(
               absl::StrCat(R"({"hooks": )", ReadFile(dir + file), "}"))
        .hooks();
  };
  *request.mutable_launch_plan_overrides() = map("launch_plan.json");
  *request.mutable_execution_overrides() = map("execution.json");
  return request;
}

class ExampleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ExampleTest, RewrittenClosureIsFlyteidlV1AndRunsTheResolvedValues) {
  const v1::ResolveRequest request = ExampleRequest(GetParam());
  const Rewritten out = ResolveAndRewrite(request);
  ASSERT_TRUE(out.rewritten.ok()) << out.rewritten.violations[0].description();
  EXPECT_THAT(ReadAsFlyteidlV1(out.rewritten.closure).foreign, IsEmpty());
  ExpectSameEffectiveValues(request.closure(), out);
  // Same inputs, same bytes.
  EXPECT_EQ(ResolveAndRewrite(request).rewritten.closure,
            out.rewritten.closure);
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleTest,
                         ::testing::Values("training_pipeline",
                                           "nested_branches", "map_task",
                                           "reference_workflow"));

TEST(RewriteV1Test, TrainingPipelineCopiesWhatDiffersAndWhatV1CannotCarry) {
  const Rewritten out = ResolveAndRewrite(ExampleRequest("training_pipeline"));
  ASSERT_TRUE(out.rewritten.ok());
  std::vector<std::string> copies;
  for (const v1::TemplateCopy& copy : out.rewritten.copies) {
    copies.push_back(absl::StrCat(v1::TemplateCopy::Kind_Name(copy.kind()), " ",
                                  copy.original_id().name(), " ",
                                  absl::StrJoin(copy.node_paths(), ",")));
  }
  EXPECT_THAT(copies,
              ::testing::ElementsAre("WORKFLOW ml.training.train_and_eval n1",
                                     "WORKFLOW ml.training.train_and_eval n2",
                                     "TASK ml.training.train_model n1/n0",
                                     "TASK ml.training.train_model n2/n0",
                                     "TASK ml.training.evaluate_model n2/n1",
                                     "TASK ml.training.deploy_model n4"));
}

// Hand encoding from flyteidl's field layout (docs/design.md appendix A).
std::string Raw(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Varint(int field, uint64_t v) { return Raw(field << 3) + Raw(v); }
std::string Str(int field, absl::string_view v) {
  return absl::StrCat(Raw(field << 3 | 2), Raw(v.size()), v);
}
template <typename... Parts>
std::string Msg(int field, const Parts&... parts) {
  return Str(field, absl::StrCat(parts...));
}
// Identifier: resource_type=1 project=2 domain=3 name=4 version=5.
std::string Id(int type, absl::string_view name) {
  return absl::StrCat(Varint(1, type), Str(2, "p"), Str(3, "d"), Str(4, name),
                      Str(5, "1"));
}

// Fields outside the subset: Node.inputs=3 (a Binding), WorkflowTemplate
// interface=3 and outputs=5, CompiledWorkflow.connections=2, NodeMetadata
// timeout=4 and config=10, TaskTemplate.interface=4, Container.config=6,
// closure launch_plans=4 and a field flyteidl may add one day (15).
const std::string kInputs =
    Msg(3, Str(1, "x"), Msg(2, Msg(3, Str(1, "start-node"), Str(2, "x"))));
const std::string kInterface = Msg(3, Msg(1, Msg(1, Str(1, "x"))));
const std::string kConnections = Msg(2, Msg(7, Str(1, "start-node")));
const std::string kNodeMetadata = Msg(
    2, Str(1, "train"), Msg(4, Varint(1, 600)), Msg(5), Msg(10, Str(1, "k")));
const std::string kN0 = Msg(
    4, Str(1, "n0"), kNodeMetadata, kInputs, Str(4, "start-node"),
    Msg(6, Msg(1, Id(1, "t.train")), Str(2, "")), Msg(100, Str(1, "train")));
const std::string kN1 =
    Msg(4, Str(1, "n1"), kInputs, Msg(7, Msg(2, Id(2, "wf.sub"))));
const std::string kN2 =
    Msg(4, Str(1, "n2"), Msg(7, Msg(2, Id(2, "wf.hooked"))));
const std::string kN3 = Msg(4, Str(1, "n3"), Msg(7, Msg(1, Id(3, "lp.child"))));
const std::string kPrimary =
    Msg(1, Msg(1, Id(2, "wf.main")), kInterface, Msg(4, Str(1, "start-node")),
        kN0, kN1, kN2, kN3, Msg(5, Str(1, "out"))) +
    kConnections;
const std::string kSub =
    Msg(1, Msg(1, Id(2, "wf.sub")), kInterface,
        Msg(4, Str(1, "n0"), kInputs, Msg(6, Msg(1, Id(1, "t.prep"))))) +
    kConnections;
// A hook in the draft IDL's form (TaskNode.runtime_override_name = 3) that
// no map sets: only the declaration goes.
const std::string kHooked =
    Msg(1, Msg(1, Id(2, "wf.hooked")),
        Msg(4, Str(1, "n0"), Msg(6, Msg(1, Id(1, "t.prep")), Str(3, "quiet"))));
std::string Task(absl::string_view name) {
  return Msg(
      1, Msg(1, Id(1, name)), Str(2, "python-task"),
      Msg(3, Msg(2, Str(2, "1.10")), Msg(5, Varint(5, 1))), kInterface,
      Msg(6, Str(1, "img:1"), Msg(4, Msg(2, Varint(1, 3), Str(2, "2Gi"))),
          Msg(6, Str(1, "k"), Str(2, "v"))));
}
const std::string kLaunchPlan = Msg(4, Msg(1, Msg(1, Id(3, "lp.child"))));
const std::string kClosure = absl::StrCat(
    Msg(1, kPrimary), Msg(2, kSub), Msg(2, kHooked), Msg(3, Task("t.train")),
    Msg(3, Task("t.prep")), kLaunchPlan, Str(15, "a field from the future"));

v1::ResolveRequest HandEncodedRequest() {
  v1::ResolveRequest request;
  EXPECT_TRUE(request.mutable_closure()->ParseFromString(kClosure));
  (*request.mutable_execution_overrides())["train"] =
      ParseJson<flyteidl::core::TaskNodeOverrides>(R"({
        "resources": {"limits": [{"name": "MEMORY", "value": "8Gi"}]},
        "retries": 5, "interruptible": true, "cache": true,
        "cacheVersion": "v9", "cacheSerializable": true})");
  return request;
}

Rewritten RewriteHandEncoded() {
  return ResolveAndRewrite(HandEncodedRequest(), {}, kClosure);
}

std::vector<wire::Field> Fields(absl::string_view bytes) {
  auto fields = wire::Split(bytes);
  EXPECT_TRUE(fields.ok()) << fields.status();
  return fields.ok() ? *fields : std::vector<wire::Field>();
}

TEST(RewriteV1Test, BytesOfUntouchedPartsSurviveExactly) {
  const Rewritten out = RewriteHandEncoded();
  ASSERT_TRUE(out.rewritten.ok());
  EXPECT_THAT(out.rewritten.copies, IsEmpty());
  std::vector<std::string> top;
  for (const wire::Field& f : Fields(out.rewritten.closure))
    top.push_back(std::string(f.whole));
  // The primary changed; the untouched sub-workflow, both tasks, the launch
  // plan and the unknown field did not, nor did their order.
  ASSERT_EQ(top.size(), 7u);
  EXPECT_NE(top[0], Msg(1, kPrimary));
  EXPECT_EQ(top[1], Msg(2, kSub));
  EXPECT_NE(top[2], Msg(2, kHooked));  // its hook declaration went
  EXPECT_EQ(top[3], Msg(3, Task("t.train")));
  EXPECT_EQ(top[4], Msg(3, Task("t.prep")));
  EXPECT_EQ(top[5], kLaunchPlan);
  EXPECT_EQ(top[6], Str(15, "a field from the future"));
  EXPECT_EQ(top[2],
            Msg(2, Msg(1, Msg(1, Id(2, "wf.hooked")),
                       Msg(4, Str(1, "n0"), Msg(6, Msg(1, Id(1, "t.prep")))))));

  // Inside the primary: interface, outputs, connections and the nodes that
  // did not change keep their bytes and their places.
  const auto compiled = Fields(Fields(out.rewritten.closure)[0].payload);
  ASSERT_EQ(compiled.size(), 2u);
  EXPECT_EQ(compiled[1].whole, kConnections);
  std::vector<std::string> fields;
  for (const wire::Field& f : Fields(compiled[0].payload))
    fields.push_back(std::string(f.whole));
  ASSERT_EQ(fields.size(), 8u);
  EXPECT_EQ(fields[1], kInterface);
  EXPECT_EQ(fields[2], Msg(4, Str(1, "start-node")));
  EXPECT_EQ(fields[4], kN1);
  EXPECT_EQ(fields[5], kN2);
  EXPECT_EQ(fields[6], kN3);
  EXPECT_EQ(fields[7], Msg(5, Str(1, "out")));
  // The changed node keeps its bindings and metadata it does not know.
  EXPECT_THAT(fields[3], HasSubstr(kInputs));
  EXPECT_THAT(fields[3], HasSubstr(Msg(4, Varint(1, 600))));
  EXPECT_THAT(fields[3], HasSubstr(Msg(10, Str(1, "k"))));
}

TEST(RewriteV1Test, FlyteidlV1ReaderSeesTheResolvedValues) {
  const Rewritten out = RewriteHandEncoded();
  ASSERT_TRUE(out.rewritten.ok());
  const V1Reading reading = ReadAsFlyteidlV1(out.rewritten.closure);
  // No hook declaration anywhere; only the closure's field from the future.
  EXPECT_THAT(reading.foreign, ::testing::ElementsAre("#15"));
  const std::string n0 = reading.NodePrefix("primary.template", "n0");
  ASSERT_FALSE(n0.empty());
  const std::vector<std::string> values = reading.Under(n0);
  // NodeMetadata: retries=5 RetryStrategy{retries=5}, interruptible=6,
  // cacheable=7, cache_version=8, cache_serializable=9.
  EXPECT_THAT(values, Contains(".metadata.retries.retries=5"));
  EXPECT_THAT(values, Contains(".metadata.interruptible=1"));
  EXPECT_THAT(values, Contains(".metadata.cacheable=1"));
  EXPECT_THAT(values, Contains(".metadata.cache_version=v9"));
  EXPECT_THAT(values, Contains(".metadata.cache_serializable=1"));
  // TaskNodeOverrides.resources.limits: MEMORY=3.
  EXPECT_THAT(values,
              Contains(".task_node.overrides.resources.limits[0].name=3"));
  EXPECT_THAT(values,
              Contains(".task_node.overrides.resources.limits[0].value=8Gi"));
  ExpectSameEffectiveValues(HandEncodedRequest().closure(), out);
}

// Whatever bytes a client sends: a closure that parses and resolves is
// rewritten (or refused with violations), never a crash, and what comes
// back parses and declares no hook. Seeded, so failures reproduce.
TEST(RewriteV1Test, MutatedClosuresAreRewrittenOrRefused) {
  std::mt19937 rng(20240611);
  int rewritten = 0;
  for (const char* name : {"training_pipeline", "nested_branches", "map_task",
                           "reference_workflow"}) {
    const v1::ResolveRequest example = ExampleRequest(name);
    const std::string bytes = DeterministicBytes(example.closure());
    for (int i = 0; i < 300; ++i) {
      std::string mutated = bytes;
      for (int edits = 1 + rng() % 4; edits > 0; --edits) {
        const size_t at = rng() % mutated.size();
        if (rng() % 2) {
          mutated[at] = static_cast<char>(mutated[at] ^ (1u << (rng() % 8)));
        } else {  // repeat a slice: repeats fields, singular ones included
          mutated.insert(at,
                         mutated.substr(rng() % mutated.size(), rng() % 48));
        }
      }
      v1::ResolveRequest request = example;
      if (!request.mutable_closure()->ParseFromString(mutated)) continue;
      const ResolveResult resolved = Resolve(request, {});
      if (!resolved.ok()) continue;
      auto out = flyte_v1::RewriteClosure(mutated, request.closure(), resolved.response);
      // The bytes are the closure's own: disagreement would be a bug.
      ASSERT_TRUE(out.ok()) << name << " #" << i << ": " << out.status();
      if (!out->ok()) continue;
      ++rewritten;
      CompiledWorkflowClosure parsed;
      ASSERT_TRUE(parsed.ParseFromString(out->closure)) << name << " #" << i;
      // No hook declaration is left (a field 100 of another wire type is
      // none: the subset keeps it as an unknown field).
      ASSERT_FALSE(flyte_v1::DeclaresHooks(parsed.primary().template_()))
          << name << " #" << i;
      for (const auto& sub : parsed.sub_workflows())
        ASSERT_FALSE(flyte_v1::DeclaresHooks(sub.template_())) << name << " #" << i;
    }
  }
  EXPECT_GT(rewritten, 100);
}

// A field of a known number sent with another wire type (a varint 6 beside
// a node's task_node) is an unknown field to protobuf: the rewrite keeps it
// where it stands and edits the node around it. Found by
// fuzz:grpc_request_fuzzer, which got INTERNAL here.
TEST(RewriteV1Test, AKnownNumberOfAnotherWireTypeStaysAnUnknownField) {
  v1::ResolveRequest request = ExampleRequest("training_pipeline");
  auto* nodes = request.mutable_closure()
                    ->mutable_primary()
                    ->mutable_template_()
                    ->mutable_nodes();
  auto n0 = std::find_if(nodes->begin(), nodes->end(),
                         [](const auto& node) { return node.id() == "n0"; });
  ASSERT_NE(n0, nodes->end());
  ASSERT_TRUE(n0->has_task_node());
  n0->GetReflection()->MutableUnknownFields(&*n0)->AddVarint(6, 1);
  n0->mutable_metadata()
      ->GetReflection()
      ->MutableUnknownFields(n0->mutable_metadata())
      ->AddFixed32(2, 7);
  const std::string bytes = DeterministicBytes(request.closure());
  const ResolveResult resolved = Resolve(request, {});
  ASSERT_TRUE(resolved.ok());
  auto out = flyte_v1::RewriteClosure(bytes, request.closure(),
                                      resolved.response);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->ok());
  CompiledWorkflowClosure parsed;
  ASSERT_TRUE(parsed.ParseFromString(out->closure));
  EXPECT_FALSE(flyte_v1::DeclaresHooks(parsed.primary().template_()));
  const auto& node = *std::find_if(
      parsed.primary().template_().nodes().begin(),
      parsed.primary().template_().nodes().end(),
      [](const auto& node) { return node.id() == "n0"; });
  EXPECT_TRUE(node.has_task_node());
  ASSERT_EQ(node.GetReflection()->GetUnknownFields(node).field_count(), 1);
  EXPECT_EQ(node.GetReflection()->GetUnknownFields(node).field(0).varint(),
            1u);
  ASSERT_EQ(node.metadata().GetReflection()
                ->GetUnknownFields(node.metadata())
                .field_count(),
            1);
}

// A closure of 10,000 task nodes with hooks on a tenth of them, as the core
// benchmark builds it: rewritten whole, plain flyteidl v1 after. Its cost
// against parsing is measured in bench/resolve_bench, never timed here.
TEST(RewriteV1Test, TenThousandNodeClosureIsRewritten) {
  synthetic::ClosureShape shape;
  shape.task_nodes = 10'000;
  const synthetic::GeneratedClosure generated = synthetic::GenerateClosure(shape);
  const std::string bytes = DeterministicBytes(generated.closure);
  v1::ResolveRequest request;
  ASSERT_TRUE(request.mutable_closure()->ParseFromString(bytes));
  synthetic::AddOverrideMaps(generated.hooks, &request);
  const ResolveResult resolved = Resolve(request, {});
  ASSERT_TRUE(resolved.ok()) << Reasons(resolved);
  auto rewritten =
      flyte_v1::RewriteClosure(bytes, request.closure(), resolved.response);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  ASSERT_TRUE(rewritten->ok()) << rewritten->violations[0].description();
  EXPECT_THAT(ReadAsFlyteidlV1(rewritten->closure).foreign, IsEmpty());
  EXPECT_FALSE(rewritten->copies.empty());
}

}  // namespace
}  // namespace flyteoverride::pipeline::testing
