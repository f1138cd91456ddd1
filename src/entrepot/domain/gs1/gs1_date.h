// File: gs1_date.h
//
// Turns GS1 six-digit dates (YYMMDD, as in AI (11), (13), (15), (17)) into calendar dates.
// The century of YY follows the sliding window of the GS1 General Specifications, section
// 7.12, relative to a reference year that the caller supplies: the domain reads no clock.
#pragma once

#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/domain/gs1/element_string.h"

namespace entrepot::gs1 {

// "YYYY-MM-DD" for the GS1 date `yymmdd`. The century is the one of `reference_year`, except
// that YY - (reference_year % 100) in [51, 99] means the previous century and in [-99, -50]
// the next one. Day "00" means the last day of the month, as the GS1 General Specifications
// define for the date AIs.
// Errors (kInvalidArgument): "bad_length" unless 6 characters, "bad_character" for a
// non-digit, "bad_date" for an impossible month or day.
// REQUIRES: 1000 <= reference_year <= 9899.
StatusOr<std::string> ExpandGs1Date(std::string_view yymmdd, int reference_year);

// The expiry date of AI (17) in `data`, expanded as by ExpandGs1Date.
// Errors: "no_expiry_date" (kNotFound) if `data` has no AI (17); else as ExpandGs1Date.
// REQUIRES: 1000 <= reference_year <= 9899.
StatusOr<std::string> ExpiryDate(const Gs1Data& data, int reference_year);

}  // namespace entrepot::gs1
