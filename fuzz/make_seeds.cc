// Writes grpc_request_fuzzer's binary seeds from examples/: per example, its
// ResolveRequest (closure, both maps, an execution id, explain and
// rewrite_closure on) and its InspectWorkflowRequest, as a gRPC client sends
// them. Run by fuzz/make_seeds.sh:
//   make_seeds EXAMPLES_DIR OUT_DIR EXAMPLE...
#include <cstdio>
#include <fstream>
#include <string>

#include "encoding/json_format.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "tools/inputs.h"

namespace tools = flyteoverride::tools;
namespace v1 = flyteoverride::v1;

namespace {

// The map in `path`, as overridectl reads it (unknown members dropped); an
// empty map when the file is missing.
google::protobuf::Map<std::string, flyteidl::core::TaskNodeOverrides> MapOf(
    const std::string& path, v1::Layer layer) {
  auto text = tools::ReadFile(path);
  if (!text.ok()) return {};
  auto parsed = tools::ParseOverrideMap(*text, false, "map", layer, path);
  if (!parsed.ok()) return {};
  return parsed->map.hooks();
}

bool Write(const std::string& path, const google::protobuf::Message& message) {
  std::ofstream out(path, std::ios::binary);
  out << flyteoverride::encoding::DeterministicBytes(message);
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: make_seeds EXAMPLES_DIR OUT_DIR EXAMPLE...\n");
    return 2;
  }
  const std::string examples = argv[1], out = argv[2];
  for (int i = 3; i < argc; ++i) {
    const std::string name = argv[i], dir = examples + "/" + name;
    auto text = tools::ReadFile(dir + "/closure.json");
    auto closure = text.ok() ? tools::ParseClosure(*text) : text.status();
    if (!closure.ok()) {
      std::fprintf(stderr, "make_seeds: %s: %s\n", name.c_str(),
                   closure.status().ToString().c_str());
      return 1;
    }
    // The examples that need --implicit-hooks say so in a flags file.
    const bool implicit = tools::ReadFile(dir + "/flags").ok();

    v1::ResolveRequest resolve;
    resolve.mutable_execution_id()->set_project("flytesnacks");
    resolve.mutable_execution_id()->set_domain("development");
    resolve.mutable_execution_id()->set_name(name);
    *resolve.mutable_closure() = *closure;
    *resolve.mutable_launch_plan_overrides() =
        MapOf(dir + "/launch_plan.json", v1::LAUNCH_PLAN);
    *resolve.mutable_execution_overrides() =
        MapOf(dir + "/execution.json", v1::EXECUTION);
    resolve.mutable_options()->set_explain(true);
    resolve.mutable_options()->set_rewrite_closure(true);
    resolve.mutable_options()->set_implicit_hooks(implicit);

    v1::InspectWorkflowRequest inspect;
    *inspect.mutable_closure() = *closure;
    inspect.set_implicit_hooks(implicit);

    if (!Write(out + "/ex_" + name + ".resolve.pb", resolve) ||
        !Write(out + "/ex_" + name + ".inspect.pb", inspect)) {
      std::fprintf(stderr, "make_seeds: cannot write to %s\n", out.c_str());
      return 1;
    }
  }
  return 0;
}
