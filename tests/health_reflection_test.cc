// End to end over loopback: the standard gRPC services beside the resolver,
// health (SERVING until shutdown) and server reflection.
#include <memory>
#include <string>
#include <vector>

#include "flyteoverride/v1/resolver.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::grpc::StatusCode;
using ::testing::Contains;

constexpr char kServiceName[] = "flyteoverride.v1.OverrideResolver";

TEST(Health, ServingUntilShutdown) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  using grpc::health::v1::HealthCheckResponse;
  EXPECT_EQ(harness.Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(harness.Check(kServiceName), HealthCheckResponse::SERVING);
  grpc::Status status;
  harness.Check("no.such.Service", &status);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND);

  harness.server().Shutdown();
  for (const std::string service : {"", kServiceName}) {
    const auto serving = harness.Check(service, &status);
    EXPECT_TRUE(serving == HealthCheckResponse::NOT_SERVING ||
                status.error_code() == StatusCode::UNAVAILABLE)
        << "service \"" << service << "\": " << serving << " "
        << CodeName(status.error_code());
  }
  // New calls are refused.
  v1::ResolveResponse response;
  status = harness.Resolve(Example("invalid"), &response, absl::Seconds(5));
  EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE)
      << CodeName(status.error_code());
}

// One ServerReflectionInfo exchange over the raw bidi stream (Debian's gRPC
// ships no reflection client): `request` and the response are hand-encoded
// grpc.reflection.v1alpha messages.
bool Reflect(grpc::Channel* channel, const std::string& request,
             google::protobuf::UnknownFieldSet* response) {
  static const grpc::internal::RpcMethod kMethod(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Seconds(10)));
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>>
      stream(grpc::internal::ClientReaderWriterFactory<
             grpc::ByteBuffer, grpc::ByteBuffer>::Create(channel, kMethod,
                                                         &context));
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  if (!stream->Write(out)) return false;
  stream->WritesDone();
  grpc::ByteBuffer in;
  const bool read = stream->Read(&in);
  const grpc::Status status = stream->Finish();
  if (!read || !status.ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!in.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return response->ParseFromString(bytes);
}

// The length-delimited fields numbered `number` in `set`.
std::vector<std::string> Fields(const google::protobuf::UnknownFieldSet& set,
                                int number) {
  std::vector<std::string> values;
  for (int i = 0; i < set.field_count(); ++i) {
    const auto& field = set.field(i);
    if (field.number() == number &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED)
      values.push_back(field.length_delimited());
  }
  return values;
}

TEST(Reflection, ListsTheServiceAndServesItsDescriptor) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  // ServerReflectionRequest{list_services (7): "*"} ->
  // ServerReflectionResponse{list_services_response (6): {service (1):
  // {name (1)}}}
  google::protobuf::UnknownFieldSet request;
  request.AddLengthDelimited(7, "*");
  std::string bytes;
  ASSERT_TRUE(request.SerializeToString(&bytes));
  google::protobuf::UnknownFieldSet response;
  ASSERT_TRUE(Reflect(harness.channel().get(), bytes, &response));
  std::vector<std::string> services;
  for (const std::string& list : Fields(response, 6)) {
    google::protobuf::UnknownFieldSet list_set;
    ASSERT_TRUE(list_set.ParseFromString(list));
    for (const std::string& service : Fields(list_set, 1)) {
      google::protobuf::UnknownFieldSet service_set;
      ASSERT_TRUE(service_set.ParseFromString(service));
      for (const std::string& name : Fields(service_set, 1))
        services.push_back(name);
    }
  }
  EXPECT_THAT(services, Contains(kServiceName));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));

  // file_containing_symbol (4) -> file_descriptor_response (4):
  // {file_descriptor_proto (1): bytes...}
  request.Clear();
  request.AddLengthDelimited(4, kServiceName);
  ASSERT_TRUE(request.SerializeToString(&bytes));
  response.Clear();
  ASSERT_TRUE(Reflect(harness.channel().get(), bytes, &response));
  std::vector<std::string> files;
  for (const std::string& files_response : Fields(response, 4)) {
    google::protobuf::UnknownFieldSet files_set;
    ASSERT_TRUE(files_set.ParseFromString(files_response));
    for (const std::string& file : Fields(files_set, 1)) {
      google::protobuf::FileDescriptorProto descriptor;
      ASSERT_TRUE(descriptor.ParseFromString(file));
      files.push_back(descriptor.name());
    }
  }
  EXPECT_THAT(files, Contains("flyteoverride/v1/resolver.proto"));
}

}  // namespace
}  // namespace flyteoverride::tests
