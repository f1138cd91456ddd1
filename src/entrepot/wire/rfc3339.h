// File: rfc3339.h
//
// RFC 3339 timestamps <-> Unix epoch milliseconds (UTC), for the wire formats:
//
//   ParseRfc3339Ms("2026-11-28T09:15:02.120+01:00")  // -> 1795853702120
//   FormatRfc3339Ms(1795853702120)                   // -> "2026-11-28T08:15:02.120Z"
//
// Pure arithmetic (days-from-civil on the proleptic Gregorian calendar): no clock, no time
// zone database, no locale. The representable range is years 0000 to 9999 in UTC, the range
// of RFC 3339's four-digit year.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::wire {

// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in epoch milliseconds.
inline constexpr int64_t kMinRfc3339Ms = -62'167'219'200'000;
inline constexpr int64_t kMaxRfc3339Ms = 253'402'300'799'999;

// Parses an RFC 3339 date-time (section 5.6) into epoch milliseconds (UTC):
//   YYYY-MM-DD "T" hh:mm:ss [ "." 1*9DIGIT ] ( "Z" / ("+" / "-") hh:mm )
// "t" and "z" are accepted as RFC 3339 allows; a space instead of "T" is not. Fractions
// finer than a millisecond are truncated (toward the past), never rounded. "-00:00" means
// UTC. Dates are checked for real (2026-02-29 is refused, 2028-02-29 accepted).
// Errors (kInvalidArgument, reason "bad_timestamp"): any deviation from the grammar, an
// out-of-range field, a leap second (":60", which Unix time cannot represent), or a result
// outside [kMinRfc3339Ms, kMaxRfc3339Ms]. The message quotes the input and says what is wrong.
StatusOr<int64_t> ParseRfc3339Ms(std::string_view text);

// Formats epoch milliseconds as "YYYY-MM-DDThh:mm:ss.mmmZ" (UTC, always three fraction
// digits); the inverse of ParseRfc3339Ms for its outputs.
// REQUIRES: kMinRfc3339Ms <= at_ms <= kMaxRfc3339Ms (checked).
std::string FormatRfc3339Ms(int64_t at_ms);

}  // namespace entrepot::wire
