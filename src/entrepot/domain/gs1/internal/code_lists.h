// File: internal/code_lists.h
//
// Membership tests for the external code lists that some GS1 linters check against: ISO 3166-1
// country codes (numeric and alpha-2), ISO 4217 numeric currency codes, the GS1
// PackageTypeCode list (UN/ECE Recommendation 21 plus GS1 codes) and the AIDC media types.
// The lists themselves are data in code_lists.cc, each with its source; update them there.
#pragma once

#include <string_view>

namespace entrepot::gs1::internal {

// True iff `code` is an ISO 3166-1 numeric ("num-3") country code, e.g. "276".
bool IsIso3166Numeric(std::string_view code);
// True iff `code` is an ISO 3166-1 alpha-2 country code, e.g. "DE".
bool IsIso3166Alpha2(std::string_view code);
// True iff `code` is an ISO 4217 three-digit currency code, e.g. "978".
bool IsIso4217Numeric(std::string_view code);
// True iff `code` is in the GS1 PackageTypeCode code list, e.g. "PX".
bool IsPackageTypeCode(std::string_view code);
// True iff `code` is a two-digit AIDC media type value, e.g. "01".
bool IsAidcMediaType(std::string_view code);

// True iff every list is strictly increasing, as the binary searches require.
bool CodeListsAreSortedForTest();

}  // namespace entrepot::gs1::internal
