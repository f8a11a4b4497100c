// Status propagation macros; Debian's abseil (20220623) predates
// ABSL_RETURN_IF_ERROR and ABSL_ASSIGN_OR_RETURN.
#ifndef FLYTEOVERRIDE_RESOLVER_STATUS_MACROS_H_
#define FLYTEOVERRIDE_RESOLVER_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FO_CONCAT_INNER_(a, b) a##b
#define FO_CONCAT_(a, b) FO_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                \
  do {                                       \
    ::absl::Status fo_status_ = (expr);      \
    if (!fo_status_.ok()) return fo_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, StatusOrExpr());` binds the value or returns the
// error status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  FO_ASSIGN_OR_RETURN_IMPL_(FO_CONCAT_(fo_statusor_, __LINE__), lhs, expr)

#define FO_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // FLYTEOVERRIDE_RESOLVER_STATUS_MACROS_H_
