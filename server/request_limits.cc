#include "server/request_limits.h"

#include <deque>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "encoding/element_count.h"
#include "encoding/json_shape.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "resolver/violations.h"

namespace flyteoverride::server {
namespace {

Outcome TooManyElements(std::string description) {
  return Outcome::Refused({resolver::MakeViolation(
      "", std::move(description), "TOO_MANY_ELEMENTS",
      v1::Violation::LIMIT_EXCEEDED)});
}

// Parses `stream` (`size` bytes) into `message` within the nesting limit.
Outcome Parse(google::protobuf::io::CodedInputStream& stream, size_t size,
              const RequestLimits& limits, google::protobuf::Message* message) {
  stream.SetRecursionLimit(limits.max_message_depth);
  if (message->ParseFromCodedStream(&stream) &&
      stream.ConsumedEntireMessage()) {
    return Outcome();
  }
  return MalformedRequest(absl::StrCat(
      "the request's ", size, " bytes are not a ",
      message->GetDescriptor()->full_name(),
      ": truncated or malformed protobuf, a string that is not UTF-8, or "
      "messages nested deeper than ",
      limits.max_message_depth));
}

}  // namespace

Outcome MalformedRequest(std::string description) {
  v1::Violation violation = resolver::MakeViolation(
      "", description, "MALFORMED_REQUEST", v1::Violation::INVALID_VALUE);
  return Outcome(absl::InvalidArgumentError(std::move(description)),
                 {std::move(violation)});
}

Outcome ReadProto(absl::string_view bytes, const RequestLimits& limits,
                  google::protobuf::Message* message) {
  // Small requests cannot hold too many elements: only large ones pay for
  // the count.
  if (bytes.size() > encoding::MaxBytesWithin(limits.max_elements) &&
      encoding::CountElements(bytes, *message->GetDescriptor(),
                              limits.max_elements, limits.max_message_depth) >
          limits.max_elements) {
    return TooManyElements(absl::StrCat(
        "the request's ", bytes.size(), " bytes hold more than ",
        limits.max_elements, " fields (server.max_request_elements)"));
  }
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  return Parse(stream, bytes.size(), limits, message);
}

Outcome ReadProto(absl::Span<const absl::string_view> pieces,
                  const RequestLimits& limits,
                  google::protobuf::Message* message) {
  size_t size = 0;
  for (absl::string_view piece : pieces) size += piece.size();
  if (pieces.empty()) return ReadProto(absl::string_view(), limits, message);
  if (pieces.size() == 1) return ReadProto(pieces[0], limits, message);
  if (size > encoding::MaxBytesWithin(limits.max_elements))
    return ReadProto(absl::StrJoin(pieces, ""), limits, message);
  std::deque<google::protobuf::io::ArrayInputStream> arrays;
  std::vector<google::protobuf::io::ZeroCopyInputStream*> streams;
  for (absl::string_view piece : pieces) {
    arrays.emplace_back(piece.data(), static_cast<int>(piece.size()));
    streams.push_back(&arrays.back());
  }
  google::protobuf::io::ConcatenatingInputStream joined(
      streams.data(), static_cast<int>(streams.size()));
  google::protobuf::io::CodedInputStream stream(&joined);
  return Parse(stream, size, limits, message);
}

Outcome CheckJsonText(absl::string_view text, const RequestLimits& limits) {
  const absl::Status shape = encoding::CheckJsonShape(
      text, encoding::kMaxJsonDepth, limits.max_elements);
  if (shape.ok()) return Outcome();
  std::string description = absl::StrCat(
      shape.message(),
      shape.code() == absl::StatusCode::kResourceExhausted
          ? " (server.max_request_elements)"
          : "");
  return shape.code() == absl::StatusCode::kResourceExhausted
             ? TooManyElements(std::move(description))
             : MalformedRequest(std::move(description));
}

}  // namespace flyteoverride::server
