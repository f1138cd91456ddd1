// File: check_digit.h
//
// GS1 mod-10 check digits and the fixed-length GS1 keys that carry one: GTIN-8/12/13/14,
// SSCC (18 digits) and GLN (13 digits). Pure functions of the digits; part of the domain
// layer, so no I/O. The scan decoder (element_string.h) uses these, and so may any code that
// receives a key from elsewhere (a CSV import, an API request).
#pragma once

#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::gs1 {

// True iff `digits` has at least two characters, all of them '0'..'9', and its last digit is
// the GS1 mod-10 check digit of the others (weights 3,1,3,... from the right).
bool HasValidCheckDigit(std::string_view digits);

// The GS1 mod-10 check digit ('0'..'9') for `digits_without_check`.
// Returns '\0' if the input is empty or contains a character other than '0'..'9'.
char ComputeCheckDigit(std::string_view digits_without_check);

// Normalises a GTIN-8, GTIN-12, GTIN-13 or GTIN-14 to 14 digits by left-padding with zeros.
// Errors (all kInvalidArgument):
//   "bad_length"      if the length is not 8, 12, 13 or 14;
//   "bad_character"   if a character is not a digit;
//   "bad_check_digit" if the check digit is wrong.
StatusOr<std::string> NormalizeGtin(std::string_view gtin);

// OK iff `sscc` is 18 digits with a valid check digit. Errors as NormalizeGtin.
Status ValidateSscc(std::string_view sscc);

// OK iff `gln` is 13 digits with a valid check digit. Errors as NormalizeGtin.
Status ValidateGln(std::string_view gln);

}  // namespace entrepot::gs1
