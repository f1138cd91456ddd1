// File: status.h
//
// Errors in Entrepôt are absl::Status values. Besides the canonical code (which the API maps
// to HTTP), every error a person or a program may act on carries a *reason*: a stable,
// lower_snake_case string such as "bad_check_digit" or "location_full". Reasons are part of
// the public contract (CLI output, API bodies, scan outcomes); messages are for people and
// may change.
//
//   return entrepot::Error(absl::StatusCode::kInvalidArgument, "bad_check_digit",
//                          "AI (01): check digit is 3, expected 2");
//   ...
//   std::string reason = entrepot::ReasonOf(status);  // "bad_check_digit"
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace entrepot {

// Returns a non-OK status with `code`, `message` and the stable `reason`.
// REQUIRES: code != kOk; reason is lower_snake_case and non-empty.
absl::Status Error(absl::StatusCode code, std::string_view reason, std::string_view message);

// Returns the reason attached by Error(). For a status without one, returns the canonical
// code in lower_snake_case ("invalid_argument"); for OK, returns "ok".
std::string ReasonOf(const absl::Status& status);

}  // namespace entrepot
