#include "encoding/json_format.h"

#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"

namespace flyteoverride::encoding {
namespace {

TEST(JsonFormat, QuotesAndEscapes) {
  EXPECT_EQ(JsonQuoted("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuoted("a\"b\\c\nd\te\rf\x01"), R"("a\"b\\c\nd\te\rf\u0001")");
}

TEST(JsonFormat, MapKeysComeOutSorted) {
  google::protobuf::Struct s;
  for (const char* key : {"zeta", "alpha", "mid", "beta"})
    (*s.mutable_fields())[key].set_bool_value(true);
  EXPECT_EQ(DeterministicJson(s, false),
            R"({"alpha":true,"beta":true,"mid":true,"zeta":true})");
  EXPECT_EQ(DeterministicBytes(s), DeterministicBytes(s));
}

}  // namespace
}  // namespace flyteoverride::encoding
