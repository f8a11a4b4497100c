#include "server/execution_listing.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "resolver/violations.h"
#include "server/page_token.h"

namespace flyteoverride::server {
Answer<storage::ListQuery> ListQueryOf(const v1::ListExecutionsRequest& request,
                                       absl::Time now) {
  std::vector<v1::Violation> missing;
  if (request.project().empty())
    missing.push_back(resolver::MissingField("project", "project is required"));
  if (request.domain().empty())
    missing.push_back(resolver::MissingField("domain", "domain is required"));
  if (!missing.empty()) {
    return Outcome(absl::InvalidArgumentError(
                       "listing executions needs a project and a domain"),
                   std::move(missing));
  }
  if (request.page_size() < 0) {
    return Outcome::Refused({resolver::MakeViolation(
        "page_size",
        absl::StrCat("page_size is ", request.page_size(),
                     ": it must be 0 (the default, ", kDefaultPageSize,
                     ") or more"),
        "BAD_PAGE_SIZE", v1::Violation::INVALID_VALUE)});
  }
  storage::ListQuery query{request.project(), request.domain(), request.org()};
  query.limit = request.page_size() == 0
                    ? kDefaultPageSize
                    : std::min(request.page_size(), kMaxPageSize);
  query.now = now;
  if (!request.page_token().empty()) {
    absl::StatusOr<storage::ListPosition> after =
        DecodePageToken(request.page_token());
    if (!after.ok()) {
      return Outcome::Refused({resolver::MakeViolation(
          "page_token", std::string(after.status().message()),
          "BAD_PAGE_TOKEN", v1::Violation::INVALID_VALUE)});
    }
    query.after = *std::move(after);
  }
  return query;
}

namespace {

using google::protobuf::util::TimeUtil;

v1::ExecutionSummary SummaryOf(const storage::ListedRecord& record) {
  v1::ExecutionSummary summary;
  auto* id = summary.mutable_execution_id();
  id->set_project(record.key.project);
  id->set_domain(record.key.domain);
  id->set_name(record.key.name);
  id->set_org(record.key.org);
  summary.set_input_digest(record.header.input_digest);
  *summary.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(record.header.created));
  *summary.mutable_expires_at() = TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(record.header.expires));
  // The maps' keys, which the header holds: the nodes are never read to list.
  std::set<std::string> hooks;
  for (const auto& [hook, overrides] : record.header.maps.launch_plan_overrides())
    hooks.insert(hook);
  for (const auto& [hook, overrides] : record.header.maps.execution_overrides())
    hooks.insert(hook);
  for (const std::string& hook : hooks) summary.add_overridden_hooks(hook);
  return summary;
}

}  // namespace

v1::ListExecutionsResponse PageOf(std::vector<storage::ListedRecord> listed,
                                  int page_size) {
  v1::ListExecutionsResponse response;
  const bool more = listed.size() > static_cast<size_t>(page_size);
  if (more) listed.resize(page_size);
  for (const storage::ListedRecord& record : listed)
    *response.add_executions() = SummaryOf(record);
  if (more) {
    const storage::ListedRecord& last = listed.back();
    response.set_next_page_token(EncodePageToken(
        {absl::ToUnixMicros(last.header.created), last.key.name}));
  }
  return response;
}

}  // namespace flyteoverride::server
