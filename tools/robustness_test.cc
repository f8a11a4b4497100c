// No crash, no hang on any bytes a client can send: every bundled example,
// mutated many times over (seeded, so failures reproduce), goes through
// parsing, Inspect and Resolve. Run under ASan by the fuzz target's users;
// here the checks are that each call returns, and that a resolve either
// succeeds or explains why.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "resolver/inspect.h"
#include "resolver/resolve.h"
#include "tools/inputs.h"

namespace flyteoverride::tools {
namespace {

const char* const kExamples[] = {"training_pipeline", "nested_branches",
                                 "map_task", "reference_workflow", "invalid"};

std::string Mutate(std::string bytes, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < edits && !bytes.empty(); ++i) {
    const size_t at = rng() % bytes.size();
    switch (rng() % 4) {
      case 0:
        bytes[at] = static_cast<char>(bytes[at] ^ (1u << (rng() % 8)));
        break;
      case 1:
        bytes.insert(bytes.begin() + at, static_cast<char>(rng()));
        break;
      case 2:
        bytes.erase(at, 1 + rng() % 16);
        break;
      default:  // repeat a slice: nests messages deeper, repeats fields
        bytes.insert(at, bytes.substr(rng() % bytes.size(), rng() % 64));
    }
  }
  return bytes;
}

// Structure-aware: changes one field somewhere in the message tree, choosing
// strings from the closure itself so that references point at other real
// entities (cycles, duplicates, wrong kinds), numbers from edge values.
void MutateField(google::protobuf::Message* message,
                 const std::vector<std::string>& strings, std::mt19937& rng,
                 int depth = 0) {
  using google::protobuf::FieldDescriptor;
  const auto* descriptor = message->GetDescriptor();
  const auto* reflection = message->GetReflection();
  if (descriptor->field_count() == 0) return;
  const FieldDescriptor* field =
      descriptor->field(rng() % descriptor->field_count());
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(*message, field);
      if (size > 0 && rng() % 4 != 0 && depth < 40) {
        MutateField(
            reflection->MutableRepeatedMessage(message, field, rng() % size),
            strings, rng, depth + 1);
      } else if (size > 0 && rng() % 2 == 0) {
        reflection->RemoveLast(message, field);
      } else if (size > 0) {  // duplicate an element
        auto* copy = reflection->AddMessage(message, field);
        copy->CopyFrom(
            reflection->GetRepeatedMessage(*message, field, rng() % size));
      } else {
        reflection->AddMessage(message, field);
      }
    } else if (rng() % 8 == 0) {
      reflection->ClearField(message, field);
    } else if (depth < 40) {
      MutateField(reflection->MutableMessage(message, field), strings, rng,
                  depth + 1);
    }
    return;
  }
  if (field->is_repeated()) {
    reflection->ClearField(message, field);
    return;
  }
  const int64_t edges[] = {0, 1, -1, 2, 1 << 30, INT32_MIN, INT32_MAX};
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection->SetString(
          message, field,
          rng() % 3 ? strings[rng() % strings.size()]
                    : std::string(rng() % 4, static_cast<char>(rng())));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      reflection->SetBool(message, field, rng() % 2);
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      reflection->SetInt32(message, field,
                           static_cast<int32_t>(edges[rng() % 7]));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      reflection->SetUInt32(message, field,
                            static_cast<uint32_t>(edges[rng() % 7]));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      reflection->SetEnumValue(message, field, static_cast<int>(rng() % 8) - 1);
      break;
    default:
      reflection->ClearField(message, field);
  }
}

void CollectStrings(const google::protobuf::Message& message,
                    std::vector<std::string>* out) {
  using google::protobuf::FieldDescriptor;
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const auto* field : fields) {
    const auto* reflection = message.GetReflection();
    const int size =
        field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < size; ++i) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        out->push_back(field->is_repeated()
                           ? reflection->GetRepeatedString(message, field, i)
                           : reflection->GetString(message, field));
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CollectStrings(field->is_repeated()
                           ? reflection->GetRepeatedMessage(message, field, i)
                           : reflection->GetMessage(message, field),
                       out);
      }
    }
  }
}

void Exercise(const flyteidl::core::CompiledWorkflowClosure& closure,
              const v1::OverrideMap& launch_plan,
              const v1::OverrideMap& execution) {
  const v1::InspectWorkflowResponse inspected = resolver::Inspect(closure, {});
  v1::ResolveRequest request;
  *request.mutable_closure() = closure;
  *request.mutable_launch_plan_overrides() = launch_plan.hooks();
  *request.mutable_execution_overrides() = execution.hooks();
  request.mutable_options()->set_explain(true);
  const resolver::ResolveResult result = resolver::Resolve(request, {});
  // A resolve that fails says why; one that succeeds resolves something only
  // when hooks exist.
  if (!result.ok()) {
    for (const auto& violation : result.violations)
      EXPECT_FALSE(violation.description().empty());
  } else if (inspected.hooks().empty()) {
    EXPECT_EQ(result.response.nodes_size(), 0);
  }
}

TEST(Robustness, MutatedClosuresAndOverrideMapsNeverCrash) {
  std::mt19937 rng(20261123);
  int parsed = 0, structured = 0;
  for (const char* name : kExamples) {
    const std::string dir = std::string("examples/") + name + "/";
    auto closure_json = ReadFile(dir + "closure.json");
    ASSERT_TRUE(closure_json.ok()) << closure_json.status();
    auto closure = ParseClosure(*closure_json);
    ASSERT_TRUE(closure.ok()) << closure.status();
    auto lp_text = ReadFile(dir + "launch_plan.json");
    auto exec_text = ReadFile(dir + "execution.json");
    ASSERT_TRUE(lp_text.ok() && exec_text.ok());
    auto lp = ParseOverrideMap(*lp_text, false, "launch_plan_overrides",
                               v1::LAUNCH_PLAN);
    auto exec = ParseOverrideMap(*exec_text, false, "execution_overrides",
                                 v1::EXECUTION);
    ASSERT_TRUE(lp.ok() && exec.ok());
    std::vector<std::string> strings = {"", "n0", "n1", "start-node"};
    CollectStrings(*closure, &strings);
    CollectStrings(exec->map, &strings);
    for (int i = 0; i < 1500; ++i) {
      flyteidl::core::CompiledWorkflowClosure mutated = *closure;
      v1::OverrideMap mutated_exec = exec->map;
      for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
        MutateField(&mutated, strings, rng);
        MutateField(&mutated_exec, strings, rng);
      }
      ++structured;
      Exercise(mutated, lp->map, mutated_exec);
    }
    const std::string wire = closure->SerializeAsString();
    const std::string lp_wire = lp->map.SerializeAsString();
    for (int i = 0; i < 1500; ++i) {
      flyteidl::core::CompiledWorkflowClosure mutated;
      v1::OverrideMap mutated_lp;
      if (!mutated.ParseFromString(Mutate(wire, rng))) continue;
      if (!mutated_lp.ParseFromString(Mutate(lp_wire, rng)))
        mutated_lp = lp->map;
      ++parsed;
      Exercise(mutated, mutated_lp, exec->map);
    }
    for (int i = 0; i < 300; ++i) {
      // JSON text too: the edge parses it before the core sees anything.
      auto text = ParseClosure(Mutate(*closure_json, rng));
      auto map = ParseOverrideMap(Mutate(*exec_text, rng), i % 2 == 0,
                                  "execution_overrides", v1::EXECUTION);
      if (text.ok()) Exercise(*text, lp->map, map.ok() ? map->map : exec->map);
    }
  }
  // Byte mutations must reach the resolver too, not only the parser.
  EXPECT_GT(parsed, 150);
  EXPECT_EQ(structured, 1500 * 5);
}

}  // namespace
}  // namespace flyteoverride::tools
