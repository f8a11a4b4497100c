// flyteidl v1's field layout, hand-encoded over wire_codec.h from
// docs/design.md appendix A (never from the subset's generated code), and the
// comparisons the wire compatibility suites make against it: text-format
// expectations, known and unknown fields compared alike, and the numbers of
// the fields a message kept as unknown. Test-only; pure functions.
#ifndef FLYTEOVERRIDE_TESTS_FLYTEIDL_WIRE_H_
#define FLYTEOVERRIDE_TESTS_FLYTEIDL_WIRE_H_

#include <set>
#include <string>

#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/wire_codec.h"

namespace flyteoverride::tests {

// Enum numbers from docs/design.md appendix A.
constexpr int kTask = 1, kWorkflow = 2, kLaunchPlan = 3;  // ResourceType
constexpr int kCpu = 1, kGpu = 2, kMemory = 3, kStorage = 4,
              kEphemeralStorage = 5;  // Resources.ResourceName

// Identifier: resource_type=1 project=2 domain=3 name=4 version=5 org=6, in
// flytesnacks/development at version v1 for org acme.
std::string Id(int type, absl::string_view name);
// The text-format counterpart of Id()'s fixed fields.
constexpr absl::string_view kOrigin =
    R"(project: "flytesnacks" domain: "development" version: "v1" org: "acme")";

// Resources.ResourceEntry: name=1 value=2.
std::string Entry(int name, absl::string_view value);
// A map<string, string> entry: key=1 value=2.
std::string Pair(absl::string_view key, absl::string_view value);
// google.protobuf.Duration: seconds=1.
std::string Seconds(int seconds);
// google.protobuf.Struct: fields=1 map<string, Value{string_value=3}>.
std::string StructOf(absl::string_view key, absl::string_view value);
// Node: id=1, task_node=6 TaskNode{reference_id=1}.
std::string TaskNodeCalling(absl::string_view id, absl::string_view task);

// Parses the text-format expectation, with $ORIGIN standing for kOrigin;
// fails the current test when it does not parse.
template <typename T>
T Expected(absl::string_view text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrReplaceAll(text, {{"$ORIGIN", kOrigin}}), &message));
  return message;
}

// Merges the text-format `text` (as Expected() reads it) into `message`:
// singular fields set or merged, repeated fields appended.
template <typename T>
void MergeExpected(T* message, absl::string_view text) {
  message->MergeFrom(Expected<T>(text));
}

// Compares known and unknown fields alike.
void ExpectEqualProto(const google::protobuf::Message& actual,
                      const google::protobuf::Message& expected);

// The numbers of the unknown fields `message` holds at its own level.
std::set<int> UnknownNumbers(const google::protobuf::Message& message);

}  // namespace flyteoverride::tests

#endif  // FLYTEOVERRIDE_TESTS_FLYTEIDL_WIRE_H_
