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
