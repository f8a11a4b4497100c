#include "server/answer.h"

#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

v1::Violation Violation(v1::Violation::Category category) {
  v1::Violation violation;
  violation.set_description("bad");
  violation.set_category(category);
  return violation;
}

absl::StatusCode CodeOf(std::vector<v1::Violation> violations) {
  return Outcome::Refused(std::move(violations)).status.code();
}

TEST(Answer, RefusalCodesFollowTheWorstCategory) {
  EXPECT_EQ(CodeOf({Violation(v1::Violation::INVALID_VALUE)}),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf({Violation(v1::Violation::INVALID_VALUE),
                    Violation(v1::Violation::BAD_CLOSURE)}),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf({Violation(v1::Violation::BAD_CLOSURE),
                    Violation(v1::Violation::LIMIT_EXCEEDED)}),
            absl::StatusCode::kResourceExhausted);
}

TEST(Answer, RefusalMessageCountsAndQuotesTheFirst) {
  const Outcome one = Outcome::Refused({Violation(v1::Violation::INVALID_VALUE)});
  EXPECT_EQ(one.status.message(), "1 violation: bad");
  EXPECT_EQ(one.violations.size(), 1u);
  const Outcome two = Outcome::Refused({Violation(v1::Violation::INVALID_VALUE),
                                        Violation(v1::Violation::INVALID_VALUE)});
  EXPECT_EQ(two.status.message(), "2 violations; first: bad");
}

TEST(Answer, DeliverMovesTheResponseOnlyWhenAnswered) {
  v1::ResolveResponse sent;
  sent.set_input_digest("d");
  v1::ResolveResponse out;
  EXPECT_TRUE(Answer<v1::ResolveResponse>(sent).Deliver(&out).ok());
  EXPECT_EQ(out.input_digest(), "d");
  v1::ResolveResponse untouched;
  const Outcome refused = Answer<v1::ResolveResponse>(
                              absl::NotFoundError("none"))
                              .Deliver(&untouched);
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(untouched.input_digest().empty());
}

}  // namespace
}  // namespace flyteoverride::server
