#include "encoding/digest.h"

#include <openssl/sha.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "encoding/json_format.h"
#include "gtest/gtest.h"
#include "synthetic/closure_gen.h"

namespace flyteoverride::encoding {
namespace {

v1::ResolveRequest Request(int task_nodes) {
  synthetic::ClosureShape shape;
  shape.task_nodes = task_nodes;
  return synthetic::GenerateRequest(shape);
}

// The digest as section 4 defines it, spelled out: each part's deterministic
// bytes behind its decimal length and a colon, hashed in one piece.
std::string Spelled(const v1::ResolveRequest& request) {
  v1::OverrideMap launch_plan, execution;
  *launch_plan.mutable_hooks() = request.launch_plan_overrides();
  *execution.mutable_hooks() = request.execution_overrides();
  v1::ResolveOptions options;
  options.set_unknown_hooks(request.options().unknown_hooks());
  options.set_implicit_hooks(request.options().implicit_hooks());
  std::string all;
  for (const google::protobuf::Message* part :
       {static_cast<const google::protobuf::Message*>(&request.closure()),
        static_cast<const google::protobuf::Message*>(&launch_plan),
        static_cast<const google::protobuf::Message*>(&execution),
        static_cast<const google::protobuf::Message*>(&options)}) {
    const std::string bytes = DeterministicBytes(*part);
    absl::StrAppend(&all, bytes.size(), ":", bytes);
  }
  unsigned char hash[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(all.data()), all.size(), hash);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), sizeof(hash)));
}

TEST(InputDigestTest, IsTheHashOfTheLengthPrefixedDeterministicParts) {
  for (int nodes : {0, 1, 10, 100, 1000}) {
    const v1::ResolveRequest request = Request(nodes);
    EXPECT_EQ(InputDigest(request), Spelled(request)) << nodes << " nodes";
  }
}

// The maps are hashed as their OverrideMap would serialise, without being
// copied into one: every kind of entry must give the same bytes.
TEST(InputDigestTest, HashesTheMapsAsTheirOverrideMapSerialises) {
  v1::ResolveRequest request = Request(10);
  auto& launch_plan = *request.mutable_launch_plan_overrides();
  launch_plan[""];  // empty key, empty document
  launch_plan[std::string(300, 'k')].set_retries(3);  // a key of 2-byte length
  auto& big = launch_plan["big"];
  for (int i = 0; i < 40; ++i)
    (*big.mutable_environment())[absl::StrCat("KEY_", i)] = std::string(i, 'v');
  for (int i = 0; i < 50; ++i)
    (*request.mutable_execution_overrides())[absl::StrCat("hook", 49 - i)]
        .set_container_image(absl::StrCat("image:", i));
  EXPECT_EQ(InputDigest(request), Spelled(request));
  request.clear_launch_plan_overrides();
  EXPECT_EQ(InputDigest(request), Spelled(request));
}

// Records keep digests: a repeated call is recognised by its digest, so the
// value for the same inputs must never change from one release to the next.
TEST(InputDigestTest, IsStableAcrossReleases) {
  EXPECT_EQ(InputDigest(v1::ResolveRequest()),
            "8538098a725acce2a400276987f134753b5125003e70c7d36420d4e1e50a036c");
  EXPECT_EQ(InputDigest(Request(100)),
            "2b33d7400b08e1eec877b6f3b7f93fd650d7ed1c0cf23a996536d5ad16cd8553");
}

TEST(InputDigestTest, LeavesOutWhatOnlyChangesTheAnswerNotTheResult) {
  v1::ResolveRequest request = Request(10);
  const std::string digest = InputDigest(request);
  request.mutable_execution_id()->set_name("another");
  request.mutable_options()->set_dry_run(true);
  request.mutable_options()->set_explain(true);
  request.mutable_options()->set_rewrite_closure(true);
  EXPECT_EQ(InputDigest(request), digest);
  request.mutable_options()->set_unknown_hooks(v1::UNKNOWN_HOOKS_WARN);
  EXPECT_NE(InputDigest(request), digest);
}

}  // namespace
}  // namespace flyteoverride::encoding
