#include "server/http_status.h"

#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

TEST(HttpStatus, CodesMapToHttpStatuses) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kFailedPrecondition), 412);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kDeadlineExceeded), 504);
}

// A client that retries on 429 must never loop on a request that cannot
// succeed: a limit is 413, overload 429 with Retry-After.
TEST(HttpStatus, ALimitIs413AndOverloadIs429WithRetryAfter) {
  v1::Violation limit;
  limit.set_reason("LIMIT_EXCEEDED");
  limit.set_category(v1::Violation::LIMIT_EXCEEDED);
  const Outcome too_big(absl::ResourceExhaustedError("too many nodes"),
                        {limit});
  EXPECT_EQ(HttpStatusFor(too_big), 413);
  EXPECT_EQ(RetryAfterSeconds(too_big), 0);
  const Outcome busy(absl::ResourceExhaustedError("at capacity"));
  EXPECT_EQ(HttpStatusFor(busy), 429);
  EXPECT_EQ(RetryAfterSeconds(busy), 1);
  const Outcome down(absl::UnavailableError("storage down"));
  EXPECT_EQ(HttpStatusFor(down), 503);
  EXPECT_EQ(RetryAfterSeconds(down), 1);
  EXPECT_EQ(RetryAfterSeconds(Outcome(absl::InvalidArgumentError("bad"))), 0);
}

TEST(HttpStatus, BodyCarriesCodeMessageAndEveryViolation) {
  v1::Violation violation;
  violation.set_field("f");
  violation.set_description("f is bad");
  EXPECT_EQ(
      HttpErrorBody(Outcome(absl::InvalidArgumentError("bad \"x\""),
                            {violation})),
      R"({"code":3,"message":"bad \"x\"","status":"INVALID_ARGUMENT",)"
      R"("violations":[{"field":"f","description":"f is bad"}]})");
  Outcome clamped(absl::InvalidArgumentError("1 violation"), {violation});
  clamped.warnings = {violation};
  EXPECT_NE(HttpErrorBody(clamped).find(
                R"("warnings":[{"field":"f","description":"f is bad"}])"),
            std::string::npos);
  EXPECT_EQ(HttpErrorBody(Outcome(absl::NotFoundError("no record"))),
            R"({"code":5,"message":"no record","status":"NOT_FOUND"})");
}

}  // namespace
}  // namespace flyteoverride::server
