// ListExecutions' bounded reads (docs/design.md section 5): what a request
// asks of storage, and the page made of what storage answered.
#ifndef FLYTEOVERRIDE_SERVER_EXECUTION_LISTING_H_
#define FLYTEOVERRIDE_SERVER_EXECUTION_LISTING_H_

#include <vector>

#include "absl/time/time.h"
#include "flyteoverride/v1/resolver.pb.h"
#include "server/answer.h"
#include "storage/store.h"

namespace flyteoverride::server {

// What a request of page size 0 gets, and the most any gets (larger
// requests are clamped, as a page is one bounded read).
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// The storage query of `request` at `now`, or the refusal naming each bad
// field (a missing project or domain, a negative page size, a page token
// no listing gave).
Answer<storage::ListQuery> ListQueryOf(const v1::ListExecutionsRequest& request,
                                       absl::Time now);

// The first `page_size` of `listed` as a page, with the token of the next
// when `listed` holds more.
v1::ListExecutionsResponse PageOf(std::vector<storage::ListedRecord> listed,
                                  int page_size);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_EXECUTION_LISTING_H_
