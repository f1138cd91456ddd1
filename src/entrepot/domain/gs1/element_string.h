// File: element_string.h
//
// Decoding of GS1 barcode scans into Application Identifier (AI) elements, with full
// validation against the GS1 Barcode Syntax Dictionary (syntax_dictionary.h). This is the
// first step of every scan request ("decode barcode (GS1) -> validate against state -> decide",
// docs/ARCHITECTURE.md); it is pure and reads no clock.
//
// Accepted input forms, as scanners and keyboard wedges send them:
//
//   bracketed     (01)09506000134352(10)AB12        a '(' inside a value is written "\("
//   raw           0109506000134352 10AB12<GS>17...   FNC1 as GS (0x1D) after variable-length
//                                                    values; a leading GS (FNC1 in first
//                                                    position) and a trailing GS are tolerated
//   aim           ]C1 ]d2 ]Q3 ]J1 ]e0 + raw element string (GS1-128, GS1 DataMatrix, GS1 QR,
//                 GS1 DotCode, GS1 DataBar / composite)
//   plain_gtin    ]E0 + 13 (or 12) digits (EAN-13 / UPC-A), ]E4 + 8 digits (EAN-8),
//                 ]E3 + 13 digits + a 2- or 5-digit add-on (the add-on is not GS1 AI data and
//                 is dropped), ]I0/]I1 + 14 digits (ITF-14); and, without a symbology
//                 identifier, a bare 8, 12, 13 or 14 digit GTIN
//   plain_sscc    a bare 18-digit SSCC
//   digital_link  http(s)://any.host/optional/prefix/01/09506000134352/10/AB12?17=271231
//                 bare or after ]Q1 / ]d1 (plain QR / DataMatrix)
//
// A bare string whose first 16 characters are digits and that starts with a known AI (and is
// not one of the plain lengths above) is taken as a raw element string whose symbology
// identifier the wedge dropped. Other symbology identifiers (]C0, ]Q1 and ]d1 without a
// Digital Link, ...) and anything else unrecognised give "not_gs1", so that the caller can try
// other interpretations (a bin label, a user badge).
//
// Trailing CR / LF characters (the Enter key of a keyboard wedge) are ignored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/domain/gs1/internal/ai_validation.h"
#include "entrepot/domain/gs1/syntax_dictionary.h"

namespace entrepot::gs1 {

// Values of Gs1Data::form.
inline constexpr std::string_view kFormBracketed = "bracketed";
inline constexpr std::string_view kFormRaw = "raw";
inline constexpr std::string_view kFormAim = "aim";
inline constexpr std::string_view kFormDigitalLink = "digital_link";
inline constexpr std::string_view kFormPlainGtin = "plain_gtin";
inline constexpr std::string_view kFormPlainSscc = "plain_sscc";

// The longest scan accepted, in bytes (after trailing CR/LF are dropped).
inline constexpr std::size_t kMaxScanLength = 4096;

struct Element {
  std::string ai;     // "01"
  std::string value;  // "09506000134352"; a GTIN is always normalised to 14 digits.
  std::string title;  // The dictionary title, e.g. "GTIN"; may be empty.

  friend bool operator==(const Element&, const Element&) = default;
};

struct Gs1Data {
  std::string form;               // One of the kForm* values.
  std::string symbology;          // The AIM symbology identifier as scanned ("]d2"), or empty.
  std::vector<Element> elements;  // In scan order; never two with the same AI.

  // The element with AI `ai`, or nullptr.
  const Element* Find(std::string_view ai) const;
};

struct ParseOptions {
  // When false, the req= and ex= pairing rules are not checked. Use it for one barcode of
  // several on the same item (e.g. the three barcodes of a GS1 logistic label), then check
  // the combined elements with CheckAiPairing. Duplicates are always checked.
  bool check_pairing = true;
};

// Decodes and validates one scan. On success every element's AI is in the dictionary and its
// value passed all component and linter checks, and the pairing rules hold.
//
// Errors (code kInvalidArgument unless noted). Messages name the AI and a 1-based character
// position in the scan: where the value starts for an error in a value (a bad character also
// gets its own position), where the AI starts for a pairing error. E.g. for
// "010950600013435217271232": "AI (17) USE BY or EXPIRY at position 19: day 32 is not a
// valid day".
//   "empty_code"          nothing to decode (also "]d2" alone);
//   "code_too_long"       longer than kMaxScanLength (code kResourceExhausted);
//   "not_gs1"             not a GS1 form (see the file comment);
//   "unknown_ai"          an AI that the dictionary does not define;
//   "bad_length"          a value (or one of its components) too short or too long;
//   "bad_character"       a character outside the component's character set;
//   "bad_check_digit"     a failed check digit / check character pair (csum, csumalpha, IBAN);
//   "bad_date"            an impossible date or time (yymmd0, yymmdd, yyyymmdd, hh, mi, ss,
//                         hhmi);
//   "bad_value"           another linter failed; the message names the linter rule;
//   "missing_required_ai" a req= rule is not met;
//   "invalid_ai_pair"     an ex= rule is broken;
//   "duplicate_ai"        the same AI twice with different values (an exact repeat is
//                         dropped);
//   "bad_digital_link"    a malformed GS1 Digital Link URI: bad characters or percent
//                         encoding, key qualifiers out of the order dlpkey= allows, an AI that
//                         may not be a query attribute.
StatusOr<Gs1Data> ParseGs1(std::string_view scan);
StatusOr<Gs1Data> ParseGs1(std::string_view scan, const ParseOptions& options);
// As above against another dictionary (tests). REQUIRES: `table` outlives the call.
StatusOr<Gs1Data> ParseGs1(std::string_view scan, const ParseOptions& options,
                           const AiTable& table);

// ParseGs1's result as the decoder holds it, for callers that read a few AIs of every scan
// (core::InterpretCode on the scan path): each element refers to its dictionary entry instead
// of copying the AI and title into a Gs1Data. Same elements in the same order.
struct DecodedGs1 {
  std::string_view form;                           // One of the kForm* values.
  std::string_view symbology;                      // Points into the scan: valid while the scan is.
  std::vector<internal::ScannedElement> elements;  // Validated; never two with the same entry.

  // The element of dictionary entry `entry`, or nullptr.
  const internal::ScannedElement* Find(const AiEntry* entry) const;
};

// Decodes and validates `scan` exactly as ParseGs1 does (the same errors for every input),
// without building a Gs1Data. REQUIRES: `table` outlives the result.
StatusOr<DecodedGs1> DecodeGs1(std::string_view scan, const ParseOptions& options,
                               const AiTable& table);

// Checks the pairing rules (req=, ex=) and duplicates over `data`, typically the elements of
// several barcodes on the same item merged together. Errors: "missing_required_ai",
// "invalid_ai_pair", "duplicate_ai", "unknown_ai" (an element whose AI is not in the
// dictionary), "empty_code"; messages carry no positions.
Status CheckAiPairing(const Gs1Data& data);

// The canonical bracketed form: "(01)09506000134352(10)AB12", with '(' in values written
// "\(". ParseGs1 of the result yields the same elements.
std::string ToBracketed(const Gs1Data& data);

// The raw element string without symbology identifier, with GS (0x1D) after every value
// whose AI needs an FNC1 separator (except the last): what a GS1-128 scanner sends after
// "]C1". ParseGs1("]C1" + result) yields the same elements.
std::string ToElementString(const Gs1Data& data);

}  // namespace entrepot::gs1
