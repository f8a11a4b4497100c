#include "resolver/names.h"

#include <string>

#include "gtest/gtest.h"

namespace flyteoverride::resolver {
namespace {

TEST(Names, HookNameGrammar) {
  struct Case {
    std::string name;
    bool valid;
  };
  const Case cases[] = {
      {"train", true},      {"t", true},
      {"9lives", true},     {"model_1.resources", true},
      {"a-b_c.d", true},    {std::string(128, 'a'), true},
      {"", false},          {"_lead", false},
      {"-lead", false},     {".lead", false},
      {"has space", false}, {"slash/no", false},
      {"ünï", false},       {std::string(129, 'a'), false},
      {"tab\t", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HookNameProblem(c.name).empty(), c.valid)
        << "\"" << c.name << "\"";
  }
}

TEST(Names, EnvironmentKeys) {
  EXPECT_TRUE(IsValidEnvironmentKey("PATH"));
  EXPECT_TRUE(IsValidEnvironmentKey("_X1"));
  EXPECT_FALSE(IsValidEnvironmentKey(""));
  EXPECT_FALSE(IsValidEnvironmentKey("1BAD"));
  EXPECT_FALSE(IsValidEnvironmentKey("A-B"));
  EXPECT_FALSE(IsValidEnvironmentKey("A=B"));
}

TEST(Names, ClosestNamesAreTyposOrderedByDistance) {
  const std::vector<std::string> hooks = {"train", "training", "evaluate",
                                          "rain", "deploy"};
  EXPECT_EQ(ClosestNames("trian", hooks), (std::vector<std::string>{"train"}));
  EXPECT_EQ(ClosestNames("TRAIN", hooks),
            (std::vector<std::string>{"train", "rain"}));
  EXPECT_TRUE(ClosestNames("zzzzzz", hooks).empty());
  EXPECT_EQ(ClosestNames("evalute", hooks, 1),
            (std::vector<std::string>{"evaluate"}));
}

}  // namespace
}  // namespace flyteoverride::resolver
