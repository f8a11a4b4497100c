#include "synthetic/closure_gen.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "synthetic/flyteidl_builders.h"
#include "synthetic/task_templates.h"

namespace flyteoverride::synthetic {
namespace {

using flyteidl::core::Node;
using flyteidl::core::Resources;
using flyteidl::core::TaskNodeOverrides;
using flyteidl::core::WorkflowTemplate;
using google::protobuf::Message;

constexpr const char* kHookStems[] = {
    "prepare",   "featurize", "train", "evaluate", "score",
    "aggregate", "publish",   "spark", "gpu",      "deploy"};
constexpr int kHookStemCount = sizeof(kHookStems) / sizeof(kHookStems[0]);

std::string HookName(int h) {
  return h < kHookStemCount ? kHookStems[h]
                            : absl::StrCat(kHookStems[h % kHookStemCount], "_",
                                           h / kHookStemCount);
}

// One set of defaults per name: every declaration of a name carries these, as
// the conflict rule requires. Requests are set with their limits, above
// any template's, so merging never puts a request above its limit.
TaskNodeOverrides HookDefaults(int h) {
  constexpr const char* kMemRequest[] = {"2Gi", "4Gi", "8Gi", "16Gi"};
  constexpr const char* kMemLimit[] = {"4Gi", "8Gi", "16Gi", "32Gi"};
  TaskNodeOverrides defaults;
  auto* resources = defaults.mutable_resources();
  AddResource(resources->mutable_requests(), Resources::MEMORY,
              kMemRequest[h % 4]);
  AddResource(resources->mutable_limits(), Resources::MEMORY, kMemLimit[h % 4]);
  if (h % 2 == 0) {
    AddResource(resources->mutable_requests(), Resources::CPU,
                h % 4 == 0 ? "1" : "2");
    AddResource(resources->mutable_limits(), Resources::CPU, "4");
  }
  if (h % 3 == 0) (*defaults.mutable_environment())["HOOK_GROUP"] = HookName(h);
  if (h % 2 == 1) defaults.set_retries(h % 4);
  if (h % 5 == 0) defaults.set_interruptible(true);
  if (h % 6 == 1) {
    defaults.set_cache(true);
    defaults.set_cache_version(absl::StrCat("v", h));
  }
  if (h % 7 == 0)
    *defaults.mutable_task_config() =
        StructOf(absl::StrCat(R"({"batchSize": )", 64 * (1 + h % 3), "}"));
  return defaults;
}

// Adds to `wf` its ConnectionSet, as FlyteAdmin's compiler records it: nodes
// without upstream ids hang off start-node.
void AddConnections(WorkflowTemplate* wf, Message* compiled) {
  ConnectionSet connections;
  auto& upstream = *connections.mutable_upstream();
  auto& downstream = *connections.mutable_downstream();
  for (const Node& node : wf->nodes()) {
    if (node.id() == "start-node") continue;
    ConnectionSet::IdList& ups = upstream[node.id()];
    if (node.upstream_node_ids().empty()) {
      ups.add_ids("start-node");
    } else {
      ups.mutable_ids()->CopyFrom(node.upstream_node_ids());
    }
    for (const std::string& up : ups.ids()) downstream[up].add_ids(node.id());
  }
  AddSkipped(kConnections, connections, compiled);
}

class ClosureBuilder {
 public:
  explicit ClosureBuilder(const ClosureShape& shape) : shape_(shape) {}

  GeneratedClosure Build() && {
    auto* primary = out_.closure.mutable_primary();
    WorkflowTemplate* wf = primary->mutable_template_();
    *wf->mutable_id() = MakeId(flyteidl::core::WORKFLOW, "training_pipeline");
    StartWorkflow(wf, "ml-platform");
    // An outer author's defaults for hooks of workflows it may not edit.
    (*(*wf->mutable_runtime_override_defaults())[HookName(0)]
          .mutable_environment())["TEAM"] = "ml-platform";
    (*wf->mutable_runtime_override_defaults())[HookName(shape_.hook_names - 1)]
        .set_retries(2);

    int remaining = shape_.task_nodes;
    int calls = 0;
    std::string previous;
    for (int u = 0; remaining > 0; ++u) {
      const std::string id = absl::StrCat("n", u);
      std::vector<std::string> upstream;
      if (!previous.empty()) upstream.push_back(previous);
      if (u % 3 == 2) upstream.push_back(absl::StrCat("n", u - 2));
      Node* node = wf->add_nodes();
      if (shape_.sub_workflows > 0 && shape_.sub_workflow_every > 0 &&
          u % shape_.sub_workflow_every == shape_.sub_workflow_every / 10 &&
          remaining >= shape_.sub_workflow_tasks) {
        const int s = calls++ % shape_.sub_workflows;
        const WorkflowTemplate& sub = SubWorkflow(s);
        FillNode(id, sub.id().name().substr(sizeof(kModule) - 1), upstream, u,
                 node);
        *node->mutable_workflow_node()->mutable_sub_workflow_ref() = sub.id();
        remaining -= shape_.sub_workflow_tasks;
        out_.task_instances += shape_.sub_workflow_tasks;
        out_.covered_instances += sub_covered_[s];
      } else if (shape_.branch_every > 0 &&
                 u % shape_.branch_every == 7 % shape_.branch_every &&
                 remaining >= 2) {
        FillNode(id, "quality_check", upstream, u, node);
        auto* if_else = node->mutable_branch_node()->mutable_if_else();
        BooleanExpression condition;
        auto* comparison = condition.mutable_comparison();
        comparison->set_operator_(ComparisonExpression::GTE);
        comparison->mutable_left_value()->set_var(absl::StrCat(
            ".", previous.empty() ? "start-node" : previous, ".o0"));
        comparison->mutable_right_value()->mutable_primitive()->set_float_value(
            0.8);
        AddSkipped(kIfBlockCondition, condition, if_else->mutable_case_());
        AddPrimaryTask(absl::StrCat(id, "-n0"), upstream,
                       if_else->mutable_case_()->mutable_then_node());
        AddPrimaryTask(absl::StrCat(id, "-n1"), upstream,
                       if_else->mutable_else_node());
        remaining -= 2;
      } else {
        AddPrimaryTask(id, upstream, node);
        remaining -= 1;
      }
      previous = id;
    }
    EndWorkflow(wf, previous);
    AddConnections(wf, primary);
    for (int s = 0; s < std::min(calls, shape_.sub_workflows); ++s) {
      *out_.closure.add_sub_workflows() = std::move(sub_compiled_[s]);
    }
    for (int t : used_tasks_)
      *out_.closure.add_tasks()->mutable_template_() = MakeTaskTemplate(t);
    return std::move(out_);
  }

 private:
  // start-node and end-node come first, as flytekit writes them; end-node is
  // completed by EndWorkflow.
  static void StartWorkflow(WorkflowTemplate* wf, absl::string_view team) {
    WorkflowMetadata metadata;
    (*metadata.mutable_tags())["team"] = std::string(team);
    AddSkipped(kWorkflowMetadata, metadata, wf);
    AddSkipped(kWorkflowInterface, MakeInterface(3, 1), wf);
    wf->add_nodes()->set_id("start-node");
    wf->add_nodes()->set_id("end-node");
  }

  static void EndWorkflow(WorkflowTemplate* wf, const std::string& last) {
    Node* end = wf->mutable_nodes(1);
    end->add_upstream_node_ids(last);
    AddSkipped(kNodeInputs, PromiseBinding("o0", last, "o0"), end);
    AddSkipped(kWorkflowOutputs, PromiseBinding("o0", last, "o0"), wf);
  }

  // Id, metadata, upstream ids and input bindings, as flytekit writes them.
  static void FillNode(absl::string_view id, absl::string_view name,
                       const std::vector<std::string>& upstream, int serial,
                       Node* node) {
    node->set_id(std::string(id));
    auto* metadata = node->mutable_metadata();
    metadata->set_name(std::string(name));
    metadata->mutable_retries()->set_retries(serial % 9 == 4 ? 3 : 0);
    if (serial % 11 == 6) metadata->set_interruptible(true);
    if (serial % 13 == 8) {
      metadata->set_cacheable(true);
      metadata->set_cache_version("1.0");
    }
    for (size_t i = 0; i < upstream.size(); ++i) {
      node->add_upstream_node_ids(upstream[i]);
      AddSkipped(kNodeInputs,
                 PromiseBinding(absl::StrCat("input_", i), upstream[i], "o0"),
                 node);
    }
    if (upstream.empty()) {
      AddSkipped(kNodeInputs,
                 PromiseBinding("input_0", "start-node", "input_0"), node);
    }
    Binding constant;
    constant.set_var("batch_size");
    constant.mutable_binding()
        ->mutable_scalar()
        ->mutable_primitive()
        ->set_integer(64 << (serial % 4));
    AddSkipped(kNodeInputs, constant, node);
  }

  void FillTaskNode(absl::string_view id, int serial, int t,
                    const std::vector<std::string>& upstream, Node* node) {
    used_tasks_.insert(t);
    FillNode(id, TaskName(t), upstream, serial, node);
    auto* task_node = node->mutable_task_node();
    *task_node->mutable_reference_id() =
        MakeId(flyteidl::core::TASK, TaskName(t));
    task_node->mutable_overrides();  // flytekit writes an empty one
  }

  void Declare(int h, Node* node) {
    h %= shape_.hook_names;
    const std::string name = HookName(h);
    node->mutable_runtime_override()->set_name(name);
    *node->mutable_runtime_override()->mutable_defaults() = HookDefaults(h);
    if (declared_.insert(name).second) out_.hooks.push_back(name);
  }

  void AddPrimaryTask(absl::string_view id,
                      const std::vector<std::string>& upstream, Node* node) {
    const int serial = primary_tasks_++;
    FillTaskNode(id, serial, (serial * 7 + 3) % shape_.task_templates, upstream,
                 node);
    ++out_.task_instances;
    if (shape_.hook_every > 0 && serial % shape_.hook_every == 0) {
      Declare(serial / shape_.hook_every, node);
      ++out_.covered_instances;
    }
  }

  // Sub-workflow `s`, built on first use: a chain of task nodes reusing short
  // ids, the first declaring a hook.
  const WorkflowTemplate& SubWorkflow(int s) {
    if (sub_compiled_.size() <= static_cast<size_t>(s)) {
      sub_compiled_.resize(shape_.sub_workflows);
      sub_covered_.resize(shape_.sub_workflows);
    }
    flyteidl::core::CompiledWorkflow& compiled = sub_compiled_[s];
    WorkflowTemplate* wf = compiled.mutable_template_();
    if (wf->has_id()) return *wf;
    constexpr const char* kNames[] = {"train_and_eval", "batch_scoring",
                                      "feature_backfill"};
    *wf->mutable_id() =
        MakeId(flyteidl::core::WORKFLOW,
               s < 3 ? kNames[s] : absl::StrCat("sub_workflow_", s));
    StartWorkflow(wf, "ml-platform");
    std::string previous;
    for (int j = 0; j < shape_.sub_workflow_tasks; ++j) {
      const std::string id = absl::StrCat("n", j);
      std::vector<std::string> upstream;
      if (!previous.empty()) upstream.push_back(previous);
      Node* node = wf->add_nodes();
      FillTaskNode(id, j, (s * 5 + j * 3) % shape_.task_templates, upstream,
                   node);
      if (j == 0 && shape_.hook_every > 0) {
        Declare(shape_.hook_names - 1 - s % shape_.hook_names, node);
        ++sub_covered_[s];
      }
      previous = id;
    }
    EndWorkflow(wf, previous);
    AddConnections(wf, &compiled);
    return *wf;
  }

  const ClosureShape shape_;
  GeneratedClosure out_;
  std::vector<flyteidl::core::CompiledWorkflow> sub_compiled_;
  std::vector<int> sub_covered_;
  std::set<int> used_tasks_;
  absl::flat_hash_set<std::string> declared_;
  int primary_tasks_ = 0;
};

}  // namespace

GeneratedClosure GenerateClosure(const ClosureShape& shape) {
  return ClosureBuilder(shape).Build();
}

void AddOverrideMaps(const std::vector<std::string>& hooks,
                     v1::ResolveRequest* request) {
  if (hooks.empty()) return;
  auto& launch_plan = *request->mutable_launch_plan_overrides();
  auto& execution = *request->mutable_execution_overrides();
  const auto hook = [&](size_t i) -> const std::string* {
    return i < hooks.size() ? &hooks[i] : nullptr;
  };

  TaskNodeOverrides& memory = launch_plan[hooks[0]];
  AddResource(memory.mutable_resources()->mutable_requests(), Resources::MEMORY,
              "24Gi");
  AddResource(memory.mutable_resources()->mutable_limits(), Resources::MEMORY,
              "32Gi");
  if (const std::string* name = hook(1)) {
    TaskNodeOverrides& cpu = launch_plan[*name];
    AddResource(cpu.mutable_resources()->mutable_requests(), Resources::CPU,
                "4");
    AddResource(cpu.mutable_resources()->mutable_limits(), Resources::CPU, "8");
    (*cpu.mutable_environment())["LOG_LEVEL"] = "DEBUG";
  }
  if (const std::string* name = hook(2)) {
    launch_plan[*name].set_retries(5);
    launch_plan[*name].set_interruptible(false);
  }
  if (const std::string* name = hook(3)) {
    launch_plan[*name].set_cache(true);
    launch_plan[*name].set_cache_version("2024-11");
  }

  TaskNodeOverrides& backfill = execution[hooks[0]];
  (*backfill.mutable_environment())["RUN_MODE"] = "backfill";
  backfill.add_unset("resources.limits.cpu");
  if (const std::string* name = hook(2)) {
    *execution[*name].mutable_task_config() = StructOf(
        R"({"batchSize": 256, "optimizer": {"lr": 0.001, "momentum": null}})");
  }
  if (const std::string* name = hook(4)) {
    execution[*name].set_container_image("ghcr.io/acme/train:2024.11.3");
  }
  if (const std::string* name = hook(5)) {
    TaskNodeOverrides& gpu = execution[*name];
    AddResource(gpu.mutable_resources()->mutable_requests(), Resources::GPU,
                "1");
    AddResource(gpu.mutable_resources()->mutable_limits(), Resources::GPU, "1");
    gpu.mutable_extended_resources()->mutable_gpu_accelerator()->set_device(
        "nvidia-l4");
  }
}

v1::ResolveRequest GenerateRequest(const ClosureShape& shape) {
  GeneratedClosure generated = GenerateClosure(shape);
  v1::ResolveRequest request;
  *request.mutable_closure() = std::move(generated.closure);
  AddOverrideMaps(generated.hooks, &request);
  return request;
}

}  // namespace flyteoverride::synthetic
