// Proves the flyteidl subset reads flyteidl v1's bytes as-is, and that the
// runtime-override extensions stay invisible to a reader that knows only
// flyteidl v1. Input bytes are written by hand from the field layout in
// FLYTEIDL_FACTS.md, never by the subset's serializers, so a wrong field
// number or wire type in the subset shows as a wrong value or an unexpected
// unknown field.

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteidl/core/workflow.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace {

using ::flyteidl::core::CompiledWorkflowClosure;
using ::flyteidl::core::NodeMetadata;
using ::flyteidl::core::TaskMetadata;
using ::flyteidl::core::TaskNodeOverrides;
using ::flyteidl::core::WorkflowTemplate;
using ::google::protobuf::Message;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Hand encoding from flyteidl's field layout. Each function returns one
// encoded field (tag, then payload); a message is its fields concatenated, so
// Msg(number, fields...) nests a message built from `fields`.
std::string Raw(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Tag(int field, int wire_type) {
  return Raw(static_cast<uint64_t>(field) << 3 | wire_type);
}
std::string Varint(int field, uint64_t value) {
  return Tag(field, 0) + Raw(value);
}
std::string Double(int field, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  std::string out = Tag(field, 1);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
  return out;
}
std::string Str(int field, absl::string_view value) {
  return absl::StrCat(Tag(field, 2), Raw(value.size()), value);
}
template <typename... Fields>
std::string Msg(int field, const Fields&... fields) {
  return Str(field, absl::StrCat(fields...));
}

// One field of one message level, as a hand-written decoder sees it.
struct WireField {
  int number = 0;
  int wire_type = 0;
  uint64_t varint = 0;
  std::string bytes;  // length-delimited payload, or the fixed32/64 bytes
};

bool ReadVarint(absl::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Splits one message level into its fields, in wire order.
std::vector<WireField> Split(absl::string_view in) {
  std::vector<WireField> fields;
  while (!in.empty()) {
    WireField f;
    uint64_t tag = 0;
    uint64_t size = 0;
    bool ok = ReadVarint(&in, &tag);
    f.number = static_cast<int>(tag >> 3);
    f.wire_type = static_cast<int>(tag & 7);
    if (ok && f.wire_type == 0) {
      ok = ReadVarint(&in, &f.varint);
    } else if (ok &&
               (f.wire_type == 1 || f.wire_type == 2 || f.wire_type == 5)) {
      size = f.wire_type == 1 ? 8 : 4;
      if (f.wire_type == 2) ok = ReadVarint(&in, &size);
      ok = ok && size <= in.size();
      if (ok) f.bytes = std::string(in.substr(0, size));
      if (ok) in.remove_prefix(size);
    } else {
      ok = false;
    }
    if (!ok) {
      ADD_FAILURE() << "malformed protobuf bytes";
      return fields;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

// A hand-written reader's knowledge of one message: the fields it knows, by
// number; `message` is the nested schema of a message field.
struct Schema {
  struct Field {
    const char* name;
    const Schema* message = nullptr;
  };
  std::map<int, Field> fields;
};

// Reads `bytes` knowing only `schema`: "path=value" per leaf in wire order
// (varints as numbers), and the paths of the fields it had to skip.
void ReadWithSchema(absl::string_view bytes, const Schema& schema,
                    const std::string& prefix, std::vector<std::string>* values,
                    std::vector<std::string>* skipped) {
  for (const WireField& f : Split(bytes)) {
    const auto it = schema.fields.find(f.number);
    if (it == schema.fields.end()) {
      skipped->push_back(absl::StrCat(prefix, f.number));
      continue;
    }
    const std::string path = absl::StrCat(prefix, it->second.name);
    if (it->second.message != nullptr) {
      ReadWithSchema(f.bytes, *it->second.message, path + ".", values, skipped);
    } else {
      values->push_back(absl::StrCat(
          path, "=", f.wire_type == 0 ? absl::StrCat(f.varint) : f.bytes));
    }
  }
}

// flyteidl v1's TaskNodeOverrides, as FLYTEIDL_FACTS.md gives it: fields 1-4.
const Schema kStringMapEntry{{{1, {"key"}}, {2, {"value"}}}};
const Schema kResourceEntry{{{1, {"name"}}, {2, {"value"}}}};
const Schema kResources{
    {{1, {"requests", &kResourceEntry}}, {2, {"limits", &kResourceEntry}}}};
const Schema kGpuAccelerator{
    {{1, {"device"}}, {2, {"unpartitioned"}}, {3, {"partition_size"}}}};
const Schema kSharedMemory{
    {{1, {"mount_path"}}, {2, {"mount_name"}}, {3, {"size_limit"}}}};
const Schema kExtendedResources{{{1, {"gpu_accelerator", &kGpuAccelerator}},
                                 {2, {"shared_memory", &kSharedMemory}}}};
const Schema kK8sObjectMetadata{{{1, {"labels", &kStringMapEntry}},
                                 {2, {"annotations", &kStringMapEntry}}}};
const Schema kStructValue{{{3, {"string_value"}}}};
const Schema kStructEntry{{{1, {"key"}}, {2, {"value", &kStructValue}}}};
const Schema kStruct{{{1, {"fields", &kStructEntry}}}};
const Schema kK8sPod{{{1, {"metadata", &kK8sObjectMetadata}},
                      {2, {"pod_spec", &kStruct}},
                      {4, {"primary_container_name"}}}};
const Schema kFlyteidlV1Overrides{
    {{1, {"resources", &kResources}},
     {2, {"extended_resources", &kExtendedResources}},
     {3, {"container_image"}},
     {4, {"pod_template", &kK8sPod}}}};

// Enum numbers from FLYTEIDL_FACTS.md.
constexpr int kTask = 1, kWorkflow = 2, kLaunchPlan = 3;  // ResourceType
constexpr int kCpu = 1, kGpu = 2, kMemory = 3, kStorage = 4,
              kEphemeralStorage = 5;  // Resources.ResourceName

// Identifier: resource_type=1 project=2 domain=3 name=4 version=5 org=6.
std::string Id(int type, absl::string_view name) {
  return absl::StrCat(Varint(1, type), Str(2, "flytesnacks"),
                      Str(3, "development"), Str(4, name), Str(5, "v1"),
                      Str(6, "acme"));
}
// The text-format counterpart of Id()'s fixed fields.
constexpr absl::string_view kOrigin =
    R"(project: "flytesnacks" domain: "development" version: "v1" org: "acme")";

// Resources.ResourceEntry: name=1 value=2.
std::string Entry(int name, absl::string_view value) {
  return Varint(1, name) + Str(2, value);
}
// A map<string, string> entry: key=1 value=2.
std::string Pair(absl::string_view key, absl::string_view value) {
  return Str(1, key) + Str(2, value);
}
// google.protobuf.Duration: seconds=1.
std::string Seconds(int seconds) { return Varint(1, seconds); }
// google.protobuf.Struct: fields=1 map<string, Value{string_value=3}>.
std::string StructOf(absl::string_view key, absl::string_view value) {
  return Msg(1, Str(1, key), Msg(2, Str(3, value)));
}
// Node: id=1, task_node=6 TaskNode{reference_id=1}.
std::string TaskNodeCalling(absl::string_view id, absl::string_view task) {
  return Str(1, id) + Msg(6, Msg(1, Id(kTask, task)));
}

// Parses the text-format expectation, with $ORIGIN standing for kOrigin.
template <typename T>
T Expected(absl::string_view text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrReplaceAll(text, {{"$ORIGIN", kOrigin}}), &message));
  return message;
}

// Compares known and unknown fields alike.
void ExpectEqualProto(const Message& actual, const Message& expected) {
  google::protobuf::util::MessageDifferencer differ;
  std::string diff;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(expected, actual)) << diff;
}

std::set<int> UnknownNumbers(const Message& message) {
  const auto& unknown = message.GetReflection()->GetUnknownFields(message);
  std::set<int> numbers;
  for (int i = 0; i < unknown.field_count(); ++i) {
    numbers.insert(unknown.field(i).number());
  }
  return numbers;
}

// CompiledLaunchPlan{template=1 LaunchPlanTemplate{id=1}}, a field the subset
// omits from the closure.
std::string LaunchPlan() { return Msg(1, Msg(1, Id(kLaunchPlan, "lp.eval"))); }

std::string HandEncodedClosure() {
  // ConnectionSet{downstream=7 map<string, IdList{ids=1}>}.
  const std::string connections =
      Msg(7, Str(1, "start-node"), Msg(2, Str(1, "n0")));
  // Binding{var=1 binding=2 BindingData{promise=3 OutputReference}}.
  const std::string binding =
      Str(1, "x") + Msg(2, Msg(3, Str(1, "start-node"), Str(2, "x")));
  // BooleanExpression{comparison=2 {operator=1 left_value=2 right_value=3}}.
  const std::string condition =
      Msg(2, Varint(1, 2), Msg(2, Str(2, "x")), Msg(3, Msg(1, Varint(1, 5))));

  // TaskNodeOverrides: resources=1 {requests=1 limits=2}
  // extended_resources=2 {gpu_accelerator=1 {device=1 partition_size=3}}
  // container_image=3 pod_template=4 K8sPod{metadata=1 {labels=1}
  // pod_spec=2 primary_container_name=4}.
  const std::string overrides = absl::StrCat(
      Msg(1, Msg(1, Entry(kCpu, "2")), Msg(1, Entry(kMemory, "4Gi")),
          Msg(2, Entry(kGpu, "1")), Msg(2, Entry(kMemory, "8Gi")),
          Msg(2, Entry(kEphemeralStorage, "10Gi"))),
      Msg(2, Msg(1, Str(1, "nvidia-tesla-a100"), Str(3, "1g.5gb"))),
      Str(3, "ghcr.io/acme/train:v2"),
      Msg(4, Msg(1, Msg(1, Pair("team", "ml"))),
          Msg(2, StructOf("serviceAccountName", "trainer")),
          Str(4, "primary")));

  // Node: id=1 metadata=2 inputs=3 upstream_node_ids=4 output_aliases=5
  // task_node=6 workflow_node=7 branch_node=8 gate_node=9 array_node=10.
  // NodeMetadata: name=1 timeout=4 retries=5 RetryStrategy{retries=5}
  // interruptible=6 cacheable=7 cache_version=8 cache_serializable=9 config=10.
  const std::string n0 =
      absl::StrCat(Str(1, "n0"),
                   Msg(2, Str(1, "train"), Msg(4, Seconds(600)),
                       Msg(5, Varint(5, 3)), Varint(6, 1), Varint(7, 1),
                       Str(8, "1.0"), Varint(9, 1), Msg(10, Pair("k", "v"))),
                   Msg(3, binding), Str(4, "start-node"),
                   Msg(5, Str(1, "o0"), Str(2, "model")),
                   Msg(6, Msg(1, Id(kTask, "wf.train")), Msg(2, overrides)));
  // WorkflowNode: launchplan_ref=1 sub_workflow_ref=2. n1's metadata oneofs
  // are set to false and "", which must stay distinct from unset.
  const std::string n1 =
      absl::StrCat(Str(1, "n1"),
                   Msg(2, Str(1, "sub"), Varint(6, 0), Varint(7, 0), Str(8, ""),
                       Varint(9, 0)),
                   Str(4, "n0"), Msg(7, Msg(2, Id(kWorkflow, "wf.sub"))));
  const std::string n2 =
      absl::StrCat(Str(1, "n2"), Str(4, "n0"), Str(4, "n1"),
                   Msg(7, Msg(1, Id(kLaunchPlan, "lp.eval"))));
  // BranchNode{if_else=1 IfElseBlock{case=1 other=2 else_node=3}},
  // IfBlock{condition=1 then_node=2}.
  const std::string n3 =
      Str(1, "n3") + Msg(8, Msg(1,
                                Msg(1, Msg(1, condition),
                                    Msg(2, TaskNodeCalling("n3-n0", "wf.big"))),
                                Msg(2, Msg(1, condition),
                                    Msg(2, TaskNodeCalling("n3-n1", "wf.mid"))),
                                Msg(3, TaskNodeCalling("n3-n2", "wf.small"))));
  // GateNode{sleep=3 SleepCondition{duration=1}}.
  const std::string n4 = Str(1, "n4") + Msg(9, Msg(3, Msg(1, Seconds(30))));
  // ArrayNode: node=1 parallelism=2 min_successes=3.
  const std::string n5 =
      Str(1, "n5") + Msg(10, Msg(1, TaskNodeCalling("n5-n0", "wf.map")),
                         Varint(2, 4), Varint(3, 2));

  // WorkflowTemplate: id=1 metadata=2 interface=3 nodes=4 outputs=5
  // failure_node=6 metadata_defaults=7 {interruptible=1}.
  const std::string primary = absl::StrCat(
      Msg(1, Id(kWorkflow, "wf.main")),
      Msg(2, Varint(2, 1), Msg(3, Pair("owner", "ml"))),
      Msg(3, Msg(1, Msg(1, Str(1, "x")))), Msg(4, Str(1, "start-node")),
      Msg(4, n0), Msg(4, n1), Msg(4, n2), Msg(4, n3), Msg(4, n4), Msg(4, n5),
      Msg(5, binding), Msg(6, TaskNodeCalling("fn", "wf.cleanup")),
      Msg(7, Varint(1, 1)));
  const std::string sub = Msg(1, Id(kWorkflow, "wf.sub")) +
                          Msg(4, TaskNodeCalling("n0", "wf.prep"));

  // TaskMetadata: discoverable=1 runtime=2 timeout=4 retries=5
  // discovery_version=6 interruptible=8 cache_serializable=9 tags=11
  // pod_template_name=12.
  const std::string task_metadata = absl::StrCat(
      Varint(1, 1), Msg(2, Varint(1, 1), Str(2, "1.10.0"), Str(3, "python")),
      Msg(4, Seconds(3600)), Msg(5, Varint(5, 2)), Str(6, "0.1"), Varint(8, 1),
      Varint(9, 1), Msg(11, Pair("team", "ml")), Str(12, "gpu-pod"));
  // Container: image=1 command=2 args=3 resources=4 env=5 config=6.
  const std::string container = absl::StrCat(
      Str(1, "ghcr.io/acme/train:v1"), Str(2, "pyflyte-execute"),
      Str(3, "--task"), Str(3, "train"),
      Msg(4, Msg(1, Entry(kCpu, "1")), Msg(1, Entry(kStorage, "5Gi")),
          Msg(2, Entry(kMemory, "2Gi"))),
      Msg(5, Pair("FOO", "bar")), Msg(6, Pair("k", "v")));
  // Struct: fields=1 map<string, Value{number_value=2 bool_value=4}>.
  const std::string custom =
      Msg(1, Str(1, "executorCores"), Msg(2, Double(2, 4))) +
      Msg(1, Str(1, "dynamic"), Msg(2, Varint(4, 1)));
  // TaskTemplate: id=1 type=2 metadata=3 interface=4 custom=5 container=6
  // task_type_version=7 security_context=8 extended_resources=9 config=16
  // k8s_pod=17. ExtendedResources: gpu_accelerator=1 {unpartitioned=2}
  // shared_memory=2 {mount_path=1 mount_name=2 size_limit=3}.
  const std::string python_task = absl::StrCat(
      Msg(1, Id(kTask, "wf.train")), Str(2, "python-task"),
      Msg(3, task_metadata), Msg(4, Msg(1)), Msg(5, custom), Msg(6, container),
      Varint(7, 1), Msg(8, Msg(1, Str(1, "trainer-sa"))),
      Msg(9, Msg(1, Str(1, "nvidia-l4"), Varint(2, 1)),
          Msg(2, Str(1, "/dev/shm"), Str(2, "shm"), Str(3, "2Gi"))),
      Msg(16, Pair("primary_container_name", "main")));
  // K8sPod: metadata=1 {labels=1 annotations=2} pod_spec=2 data_config=3
  // primary_container_name=4. TaskMetadata.interruptible=8 set to false.
  const std::string pod_task = absl::StrCat(
      Msg(1, Id(kTask, "wf.pod")), Str(2, "sidecar"), Msg(3, Varint(8, 0)),
      Msg(17, Msg(1, Msg(1, Pair("app", "pod")), Msg(2, Pair("note", "x"))),
          Msg(2, StructOf("serviceAccountName", "pod-sa")),
          Msg(3, Varint(1, 1)), Str(4, "main")));

  // CompiledWorkflowClosure: primary=1 sub_workflows=2 tasks=3
  // launch_plans=4; CompiledWorkflow{template=1 connections=2};
  // CompiledTask{template=1}.
  return absl::StrCat(Msg(1, Msg(1, primary), Msg(2, connections)),
                      Msg(2, Msg(1, sub), Msg(2, connections)),
                      Msg(3, Msg(1, python_task)), Msg(3, Msg(1, pod_task)),
                      Msg(4, LaunchPlan()));
}

constexpr absl::string_view kExpectedClosure = R"pb(
  primary {
    template {
      id { resource_type: WORKFLOW name: "wf.main" $ORIGIN }
      nodes { id: "start-node" }
      nodes {
        id: "n0"
        metadata {
          name: "train"
          retries { retries: 3 }
          interruptible: true
          cacheable: true
          cache_version: "1.0"
          cache_serializable: true
        }
        upstream_node_ids: "start-node"
        task_node {
          reference_id { resource_type: TASK name: "wf.train" $ORIGIN }
          overrides {
            resources {
              requests { name: CPU value: "2" }
              requests { name: MEMORY value: "4Gi" }
              limits { name: GPU value: "1" }
              limits { name: MEMORY value: "8Gi" }
              limits { name: EPHEMERAL_STORAGE value: "10Gi" }
            }
            extended_resources {
              gpu_accelerator {
                device: "nvidia-tesla-a100"
                partition_size: "1g.5gb"
              }
            }
            container_image: "ghcr.io/acme/train:v2"
            pod_template {
              metadata { labels { key: "team" value: "ml" } }
              pod_spec {
                fields {
                  key: "serviceAccountName"
                  value { string_value: "trainer" }
                }
              }
              primary_container_name: "primary"
            }
          }
        }
      }
      nodes {
        id: "n1"
        metadata {
          name: "sub"
          interruptible: false
          cacheable: false
          cache_version: ""
          cache_serializable: false
        }
        upstream_node_ids: "n0"
        workflow_node {
          sub_workflow_ref { resource_type: WORKFLOW name: "wf.sub" $ORIGIN }
        }
      }
      nodes {
        id: "n2"
        upstream_node_ids: "n0"
        upstream_node_ids: "n1"
        workflow_node {
          launchplan_ref { resource_type: LAUNCH_PLAN name: "lp.eval" $ORIGIN }
        }
      }
      nodes {
        id: "n3"
        branch_node {
          if_else {
            case {
              then_node {
                id: "n3-n0"
                task_node {
                  reference_id { resource_type: TASK name: "wf.big" $ORIGIN }
                }
              }
            }
            other {
              then_node {
                id: "n3-n1"
                task_node {
                  reference_id { resource_type: TASK name: "wf.mid" $ORIGIN }
                }
              }
            }
            else_node {
              id: "n3-n2"
              task_node {
                reference_id { resource_type: TASK name: "wf.small" $ORIGIN }
              }
            }
          }
        }
      }
      nodes {
        id: "n4"
        gate_node {}
      }
      nodes {
        id: "n5"
        array_node {
          node {
            id: "n5-n0"
            task_node {
              reference_id { resource_type: TASK name: "wf.map" $ORIGIN }
            }
          }
        }
      }
      failure_node {
        id: "fn"
        task_node {
          reference_id { resource_type: TASK name: "wf.cleanup" $ORIGIN }
        }
      }
      metadata_defaults { interruptible: true }
    }
  }
  sub_workflows {
    template {
      id { resource_type: WORKFLOW name: "wf.sub" $ORIGIN }
      nodes {
        id: "n0"
        task_node {
          reference_id { resource_type: TASK name: "wf.prep" $ORIGIN }
        }
      }
    }
  }
  tasks {
    template {
      id { resource_type: TASK name: "wf.train" $ORIGIN }
      type: "python-task"
      metadata {
        discoverable: true
        retries { retries: 2 }
        discovery_version: "0.1"
        interruptible: true
        cache_serializable: true
        pod_template_name: "gpu-pod"
      }
      custom {
        fields {
          key: "executorCores"
          value { number_value: 4 }
        }
        fields {
          key: "dynamic"
          value { bool_value: true }
        }
      }
      container {
        image: "ghcr.io/acme/train:v1"
        command: "pyflyte-execute"
        args: "--task"
        args: "train"
        resources {
          requests { name: CPU value: "1" }
          requests { name: STORAGE value: "5Gi" }
          limits { name: MEMORY value: "2Gi" }
        }
        env { key: "FOO" value: "bar" }
      }
      task_type_version: 1
      extended_resources {
        gpu_accelerator { device: "nvidia-l4" unpartitioned: true }
        shared_memory {
          mount_path: "/dev/shm"
          mount_name: "shm"
          size_limit: "2Gi"
        }
      }
    }
  }
  tasks {
    template {
      id { resource_type: TASK name: "wf.pod" $ORIGIN }
      type: "sidecar"
      metadata { interruptible: false }
      k8s_pod {
        metadata {
          labels { key: "app" value: "pod" }
          annotations { key: "note" value: "x" }
        }
        pod_spec {
          fields {
            key: "serviceAccountName"
            value { string_value: "pod-sa" }
          }
        }
        primary_container_name: "main"
      }
    }
  }
)pb";

TEST(CompatWire, FlyteidlClosureBytesParseIntoEveryDeclaredField) {
  CompiledWorkflowClosure closure;
  ASSERT_TRUE(closure.ParseFromString(HandEncodedClosure()));
  closure.DiscardUnknownFields();
  ExpectEqualProto(closure,
                   Expected<CompiledWorkflowClosure>(kExpectedClosure));

  // Oneof members set to false or "" stay set: the comparison above cannot
  // tell them from unset.
  const NodeMetadata& n1 = closure.primary().template_().nodes(2).metadata();
  EXPECT_EQ(n1.interruptible_value_case(), NodeMetadata::kInterruptible);
  EXPECT_EQ(n1.cacheable_value_case(), NodeMetadata::kCacheable);
  EXPECT_EQ(n1.cache_version_value_case(), NodeMetadata::kCacheVersion);
  EXPECT_EQ(n1.cache_serializable_value_case(),
            NodeMetadata::kCacheSerializable);
  EXPECT_EQ(closure.tasks(1).template_().metadata().interruptible_value_case(),
            TaskMetadata::kInterruptible);
}

TEST(CompatWire, FieldsTheSubsetOmitsAreKeptAsUnknownFields) {
  const std::string bytes = HandEncodedClosure();
  CompiledWorkflowClosure closure;
  ASSERT_TRUE(closure.ParseFromString(bytes));
  const auto& primary = closure.primary().template_();
  ASSERT_EQ(primary.nodes_size(), 7);
  const auto& n0 = primary.nodes(1);
  const auto& if_else = primary.nodes(4).branch_node().if_else();
  const auto& task = closure.tasks(0).template_();

  const struct {
    const Message& message;
    std::set<int> unknown;
    const char* what;
  } kCases[] = {
      {closure, {4}, "closure: launch_plans"},
      {closure.primary(), {2}, "primary: connections"},
      {closure.sub_workflows(0), {2}, "sub-workflow: connections"},
      {primary, {2, 3, 5}, "template: metadata, interface, outputs"},
      {n0, {3, 5}, "node: inputs, output_aliases"},
      {n0.metadata(), {4, 10}, "node metadata: timeout, config"},
      {n0.task_node().overrides(), {}, "overrides: all declared"},
      {if_else.case_(), {1}, "case: condition"},
      {if_else.other(0), {1}, "other: condition"},
      {primary.nodes(5).gate_node(), {3}, "gate node: sleep"},
      {primary.nodes(6).array_node(),
       {2, 3},
       "array node: parallelism, min_successes"},
      {task, {4, 8, 16}, "task: interface, security_context, config"},
      {task.metadata(), {2, 4, 11}, "task metadata: runtime, timeout, tags"},
      {task.container(), {6}, "container: config"},
      {task.extended_resources(), {}, "extended resources: all declared"},
      {closure.tasks(1).template_().k8s_pod(), {3}, "k8s pod: data_config"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(UnknownNumbers(c.message), c.unknown) << c.what;
  }

  // Re-serialization loses nothing, and hands launch_plans back verbatim.
  const std::string rewritten = closure.SerializeAsString();
  EXPECT_EQ(rewritten.size(), bytes.size());
  std::vector<std::string> launch_plans;
  for (const WireField& f : Split(rewritten)) {
    if (f.number == 4) launch_plans.push_back(f.bytes);
  }
  EXPECT_THAT(launch_plans, ElementsAre(LaunchPlan()));
}

TEST(CompatWire, RuntimeOverrideExtensionsParseFromTheirFieldNumbers) {
  // TaskNodeOverrides: cache=5 cache_serializable=6 cache_version=7
  // retries=8 interruptible=9 environment=10 task_config=11 unset=12.
  const std::string overrides = absl::StrCat(
      Msg(1, Msg(2, Entry(kCpu, "4"))), Str(3, "ghcr.io/acme/train:v3"),
      Varint(5, 1), Varint(6, 1), Str(7, "v2"), Varint(8, 4), Varint(9, 1),
      Msg(10, Pair("DEBUG", "1")), Msg(11, StructOf("mode", "cluster")),
      Str(12, "resources.requests.cpu"), Str(12, "environment.TRACE"));
  // Node.runtime_override=100 RuntimeOverride{name=1 defaults=2};
  // TaskNode.runtime_override_name=3 (the proposal's draft IDL);
  // WorkflowTemplate.runtime_override_defaults=100 map<string, overrides>.
  const std::string bytes = absl::StrCat(
      Msg(1, Id(kWorkflow, "wf.main")),
      Msg(4, TaskNodeCalling("n0", "wf.train"),
          Msg(100, Str(1, "train"), Msg(2, overrides))),
      Msg(4, Str(1, "n1"),
          Msg(6, Msg(1, Id(kTask, "wf.eval")), Str(3, "legacy-hook"))),
      Msg(100, Str(1, "train"), Msg(2, overrides)));
  WorkflowTemplate workflow;
  ASSERT_TRUE(workflow.ParseFromString(bytes));

  auto expected = Expected<WorkflowTemplate>(R"pb(
    id { resource_type: WORKFLOW name: "wf.main" $ORIGIN }
    nodes {
      id: "n0"
      task_node {
        reference_id { resource_type: TASK name: "wf.train" $ORIGIN }
      }
      runtime_override { name: "train" }
    }
    nodes {
      id: "n1"
      task_node {
        reference_id { resource_type: TASK name: "wf.eval" $ORIGIN }
        runtime_override_name: "legacy-hook"
      }
    })pb");
  const auto expected_overrides = Expected<TaskNodeOverrides>(R"pb(
    resources { limits { name: CPU value: "4" } }
    container_image: "ghcr.io/acme/train:v3"
    cache: true
    cache_serializable: true
    cache_version: "v2"
    retries: 4
    interruptible: true
    environment { key: "DEBUG" value: "1" }
    task_config {
      fields {
        key: "mode"
        value { string_value: "cluster" }
      }
    }
    unset: "resources.requests.cpu"
    unset: "environment.TRACE")pb");
  *expected.mutable_nodes(0)->mutable_runtime_override()->mutable_defaults() =
      expected_overrides;
  (*expected.mutable_runtime_override_defaults())["train"] = expected_overrides;
  // Unknown fields are compared too: every extension byte must be recognised.
  ExpectEqualProto(workflow, expected);
}

TEST(CompatWire, FlyteidlReaderSeesOverrideFieldsOneToFourUnchanged) {
  const auto v1_fields = Expected<TaskNodeOverrides>(R"pb(
    resources {
      requests { name: CPU value: "2" }
      requests { name: MEMORY value: "4Gi" }
      limits { name: GPU value: "1" }
    }
    extended_resources {
      gpu_accelerator { device: "nvidia-tesla-a100" partition_size: "1g.5gb" }
      shared_memory {
        mount_path: "/dev/shm"
        mount_name: "shm"
        size_limit: "2Gi"
      }
    }
    container_image: "ghcr.io/acme/train:v2"
    pod_template {
      metadata { labels { key: "team" value: "ml" } }
      pod_spec {
        fields {
          key: "serviceAccountName"
          value { string_value: "trainer" }
        }
      }
      primary_container_name: "primary"
    })pb");
  TaskNodeOverrides every_field = v1_fields;
  every_field.MergeFrom(Expected<TaskNodeOverrides>(R"pb(
    cache: true
    cache_serializable: false
    cache_version: "v2"
    retries: 0
    interruptible: true
    environment { key: "DEBUG" value: "1" }
    environment { key: "TRACE" value: "0" }
    task_config {
      fields {
        key: "mode"
        value { string_value: "cluster" }
      }
    }
    unset: "resources.limits.cpu"
    unset: "retries")pb"));

  std::vector<std::string> values, skipped;
  ReadWithSchema(every_field.SerializeAsString(), kFlyteidlV1Overrides, "",
                 &values, &skipped);
  EXPECT_THAT(values,
              ElementsAre(
                  // ResourceName CPU=1, MEMORY=3, GPU=2.
                  "resources.requests.name=1", "resources.requests.value=2",
                  "resources.requests.name=3", "resources.requests.value=4Gi",
                  "resources.limits.name=2", "resources.limits.value=1",
                  "extended_resources.gpu_accelerator.device=nvidia-tesla-a100",
                  "extended_resources.gpu_accelerator.partition_size=1g.5gb",
                  "extended_resources.shared_memory.mount_path=/dev/shm",
                  "extended_resources.shared_memory.mount_name=shm",
                  "extended_resources.shared_memory.size_limit=2Gi",
                  "container_image=ghcr.io/acme/train:v2",
                  "pod_template.metadata.labels.key=team",
                  "pod_template.metadata.labels.value=ml",
                  "pod_template.pod_spec.fields.key=serviceAccountName",
                  "pod_template.pod_spec.fields.value.string_value=trainer",
                  "pod_template.primary_container_name=primary"));
  // Only the extension numbers are skipped, each wire type stepped over.
  EXPECT_THAT(skipped, ElementsAre("5", "6", "7", "8", "9", "10", "10", "11",
                                   "12", "12"));

  // The same reader gets the same values from fields 1-4 alone.
  std::vector<std::string> v1_values, v1_skipped;
  ReadWithSchema(v1_fields.SerializeAsString(), kFlyteidlV1Overrides, "",
                 &v1_values, &v1_skipped);
  EXPECT_EQ(v1_values, values);
  EXPECT_THAT(v1_skipped, IsEmpty());
}

TEST(CompatWire, OptionalKnobsKeepFalseAndZeroDistinctFromUnset) {
  // cache=5 false, cache_version=7 "", retries=8 0: present, with zero values.
  const std::string bytes = Varint(5, 0) + Str(7, "") + Varint(8, 0);
  TaskNodeOverrides overrides;
  ASSERT_TRUE(overrides.ParseFromString(bytes));
  EXPECT_TRUE(overrides.has_cache());
  EXPECT_FALSE(overrides.cache());
  EXPECT_TRUE(overrides.has_cache_version());
  EXPECT_EQ(overrides.cache_version(), "");
  EXPECT_TRUE(overrides.has_retries());
  EXPECT_EQ(overrides.retries(), 0);
  EXPECT_FALSE(overrides.has_cache_serializable());
  EXPECT_FALSE(overrides.has_interruptible());
  EXPECT_THAT(UnknownNumbers(overrides), IsEmpty());
  // Presence survives the subset's own writer; unset writes nothing.
  EXPECT_EQ(overrides.SerializeAsString(), bytes);
  EXPECT_EQ(TaskNodeOverrides().SerializeAsString(), "");
}

}  // namespace
