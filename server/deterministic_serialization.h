// Makes every protobuf serialization in the process deterministic (map
// entries sorted), so that the same request gives the same response bytes
// over gRPC too (docs/design.md section 4, "Output"). gRPC serializes responses
// itself and offers no per-call switch; protobuf keeps the process-wide
// default behind a hook meant for its own tests, which this calls.
#ifndef FLYTEOVERRIDE_SERVER_DETERMINISTIC_SERIALIZATION_H_
#define FLYTEOVERRIDE_SERVER_DETERMINISTIC_SERIALIZATION_H_

namespace flyteoverride::server {

// Call once at start, before any thread serializes.
void MakeSerializationDeterministic();

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_DETERMINISTIC_SERIALIZATION_H_
