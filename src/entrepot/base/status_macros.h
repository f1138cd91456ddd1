// File: status_macros.h
//
// Propagation helpers, with the semantics of Abseil's ABSL_RETURN_IF_ERROR and
// ABSL_ASSIGN_OR_RETURN.
#pragma once

#include <utility>

#include "entrepot/base/status.h"

#define ENTREPOT_STATUS_CONCAT_INNER(a, b) a##b
#define ENTREPOT_STATUS_CONCAT(a, b) ENTREPOT_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (a Status); returns it from the enclosing function if not OK.
#define ENTREPOT_RETURN_IF_ERROR(expr)                                          \
  do {                                                                          \
    if (::entrepot::Status entrepot_status_ = (expr); !entrepot_status_.ok()) { \
      return entrepot_status_;                                                  \
    }                                                                           \
  } while (false)

// Evaluates `rexpr` (a StatusOr<T>); on error returns its status, otherwise moves the value
// into `lhs` (a declaration such as `auto x`, or an existing variable).
#define ENTREPOT_ASSIGN_OR_RETURN(lhs, rexpr) \
  ENTREPOT_ASSIGN_OR_RETURN_IMPL(ENTREPOT_STATUS_CONCAT(entrepot_statusor_, __LINE__), lhs, rexpr)

#define ENTREPOT_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) {                                      \
    return statusor.status();                                \
  }                                                          \
  lhs = std::move(statusor).value()
