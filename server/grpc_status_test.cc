#include "server/grpc_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace flyteoverride::server {
namespace {

v1::Violation Violation(const std::string& field) {
  v1::Violation violation;
  violation.set_field(field);
  violation.set_description(field + " is bad");
  return violation;
}

TEST(GrpcStatus, ViolationsTravelAsBadRequestAndErrorDetails) {
  const grpc::Status status = ToGrpcStatus(
      Outcome(absl::InvalidArgumentError("2 violations"),
              {Violation("a"), Violation("b")}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(status.error_details()));
  EXPECT_EQ(rich.code(), 3);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(rich.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(1).field(), "b");
  v1::ErrorDetails details;
  ASSERT_TRUE(rich.details(1).UnpackTo(&details));
  EXPECT_EQ(details.violations_size(), 2);
}

TEST(GrpcStatus, ARefusalCarriesItsWarningsInErrorDetails) {
  Outcome outcome(absl::InvalidArgumentError("1 violation"), {Violation("a")});
  outcome.warnings = {Violation("clamped")};
  const grpc::Status status = ToGrpcStatus(outcome);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(status.error_details()));
  v1::ErrorDetails details;
  ASSERT_TRUE(rich.details(1).UnpackTo(&details));
  ASSERT_EQ(details.warnings_size(), 1);
  EXPECT_EQ(details.warnings(0).field(), "clamped");
}

TEST(GrpcStatus, FailuresWithoutViolationsCarryNoDetails) {
  const grpc::Status status =
      ToGrpcStatus(Outcome(absl::UnavailableError("storage down")));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "storage down");
  EXPECT_TRUE(status.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(Outcome()).ok());
}

TEST(GrpcStatus, HugeDetailsAreTrimmedToFitGrpcMetadata) {
  std::vector<v1::Violation> many;
  for (int i = 0; i < 500; ++i) many.push_back(Violation(std::string(40, 'x')));
  const grpc::Status status = ToGrpcStatus(Outcome(
      absl::InvalidArgumentError(std::string(5000, 'm')), std::move(many)));
  EXPECT_LE(status.error_message().size(), 1100u);
  EXPECT_LE(status.error_details().size(), 16u * 1024);
}

}  // namespace
}  // namespace flyteoverride::server
