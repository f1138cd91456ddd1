// File: internal/linters.h
//
// The content checks that the GS1 Barcode Syntax Dictionary attaches to AI components
// ("linters", named after the GS1 reference implementations), and the character-set check of a
// component's type (N, X, Y, Z). Each function looks at one component's characters only; the
// caller (ai_validation.cc) splits an AI value into components, runs these, and turns a
// failure into a Status that names the AI and the position in the scan.
//
// Behaviour follows the GS1 reference linters
// (https://ref.gs1.org/tools/gs1-barcode-syntax-resource/syntax-tests/implementation/). One
// deliberate simplification, for lack of a clock: a two-digit year YY is a leap year iff
// YY % 4 == 0 (which places "00" in 2000, as the reference does).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "entrepot/domain/gs1/syntax_dictionary.h"

namespace entrepot::gs1::internal {

// Why a component failed a check.
struct LintFailure {
  // A stable reason: "bad_character", "bad_check_digit", "bad_date" or "bad_value".
  std::string_view reason;
  // For a person, without the AI or position (the caller adds those). For "bad_value" it
  // starts with the linter's dictionary name, e.g. "iso3166: 999 is not ...".
  std::string message;
  // Where the problem starts, as a 0-based offset into the checked data.
  std::size_t offset = 0;
};

// Checks that every character of `data` belongs to `charset` (for kCset64 also that '='
// padding is well formed). Returns the first failure, or nullopt.
std::optional<LintFailure> CheckCharSet(CharSet charset, std::string_view data);

// Runs `linter` on `data`. Returns the first failure, or nullopt if the data passes.
std::optional<LintFailure> RunLinter(Linter linter, std::string_view data);

// Shared date check: `data` is YYMMDD (`four_digit_year` false) or YYYYMMDD, all digits with
// a real calendar date; day "00" passes iff `allow_day_zero`. Failure reason "bad_date".
std::optional<LintFailure> CheckDate(std::string_view data, bool four_digit_year,
                                     bool allow_day_zero);

// Days in `month` (1-12) of `year` under the Gregorian calendar.
int DaysInMonth(int year, int month);

}  // namespace entrepot::gs1::internal
