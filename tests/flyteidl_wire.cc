#include "tests/flyteidl_wire.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/message_differencer.h"

namespace flyteoverride::tests {

using ::google::protobuf::Message;

std::string Id(int type, absl::string_view name) {
  return absl::StrCat(Varint(1, type), Str(2, "flytesnacks"),
                      Str(3, "development"), Str(4, name), Str(5, "v1"),
                      Str(6, "acme"));
}

std::string Entry(int name, absl::string_view value) {
  return Varint(1, name) + Str(2, value);
}

std::string Pair(absl::string_view key, absl::string_view value) {
  return Str(1, key) + Str(2, value);
}

std::string Seconds(int seconds) { return Varint(1, seconds); }

std::string StructOf(absl::string_view key, absl::string_view value) {
  return Msg(1, Str(1, key), Msg(2, Str(3, value)));
}

std::string TaskNodeCalling(absl::string_view id, absl::string_view task) {
  return Str(1, id) + Msg(6, Msg(1, Id(kTask, task)));
}

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

}  // namespace flyteoverride::tests
