#include "server/deterministic_serialization.h"

#include "google/protobuf/io/coded_stream.h"

// Declared (not defined) by protobuf's coded_stream.h as the one friend
// allowed to set the default; libprotobuf does not define it.
namespace google::protobuf::internal {
void MapTestForceDeterministic() {
  io::CodedOutputStream::SetDefaultSerializationDeterministic();
}
}  // namespace google::protobuf::internal

namespace flyteoverride::server {

void MakeSerializationDeterministic() {
  google::protobuf::internal::MapTestForceDeterministic();
}

}  // namespace flyteoverride::server
