#include "server/status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

v1::Violation Violation(const std::string& field,
                        v1::Violation::Category category) {
  v1::Violation violation;
  violation.set_field(field);
  violation.set_description(field + " is bad");
  violation.set_category(category);
  return violation;
}

TEST(Status, ViolationsTravelAsBadRequestAndErrorDetails) {
  const absl::Status status =
      ViolationStatus(absl::StatusCode::kInvalidArgument, "2 violations",
                      {Violation("a", v1::Violation::INVALID_VALUE),
                       Violation("b", v1::Violation::INVALID_VALUE)});
  EXPECT_EQ(ViolationsOf(status).size(), 2u);
  const grpc::Status grpc_status = ToGrpcStatus(status);
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(grpc_status.error_details()));
  EXPECT_EQ(rich.code(), 3);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(rich.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(1).field(), "b");
  v1::ErrorDetails details;
  ASSERT_TRUE(rich.details(1).UnpackTo(&details));
  EXPECT_EQ(details.violations_size(), 2);
}

TEST(Status, CodesFollowTheWorstCategory) {
  EXPECT_EQ(CodeForViolations({Violation("a", v1::Violation::INVALID_VALUE)}),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeForViolations({Violation("a", v1::Violation::INVALID_VALUE),
                               Violation("b", v1::Violation::BAD_CLOSURE)}),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeForViolations({Violation("a", v1::Violation::BAD_CLOSURE),
                               Violation("b", v1::Violation::LIMIT_EXCEEDED)}),
            absl::StatusCode::kResourceExhausted);
}

TEST(Status, HttpMappingAndBody) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kFailedPrecondition), 412);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kDeadlineExceeded), 504);
  const std::string body = HttpErrorBody(
      ViolationStatus(absl::StatusCode::kInvalidArgument, "bad \"x\"",
                      {Violation("f", v1::Violation::INVALID_VALUE)}));
  EXPECT_EQ(body,
            R"({"code":3,"message":"bad \"x\"","status":"INVALID_ARGUMENT",)"
            R"("violations":[{"field":"f","description":"f is bad"}]})");
}

TEST(Status, HugeDetailsAreTrimmedToFitGrpcMetadata) {
  std::vector<v1::Violation> many;
  for (int i = 0; i < 500; ++i)
    many.push_back(
        Violation(std::string(40, 'x'), v1::Violation::INVALID_VALUE));
  const grpc::Status status = ToGrpcStatus(ViolationStatus(
      absl::StatusCode::kInvalidArgument, std::string(5000, 'm'), many));
  EXPECT_LE(status.error_message().size(), 1100u);
  EXPECT_LE(status.error_details().size(), 16u * 1024);
}

}  // namespace
}  // namespace flyteoverride::server
