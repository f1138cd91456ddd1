// File: internal/ai_validation.h
//
// Validation shared by every input form: an AI value against its dictionary entry (length,
// components, character sets, linters), and a whole message against the pairing rules
// (duplicates, req=, ex=). The form-specific parsers (element_string.cc, digital_link.cc)
// produce ScannedElements that remember where each value came from in the scan, so that
// every error can name the AI and a 1-based position in the scan.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/domain/gs1/syntax_dictionary.h"

namespace entrepot::gs1::internal {

// One AI and its value as extracted from a scan, before validation.
struct ScannedElement {
  const AiEntry* entry = nullptr;  // Never null once parsed.
  std::string value;               // Unescaped / percent-decoded.
  std::size_t ai_pos = 0;          // 1-based position of the AI in the scan; 0 if unknown.
  std::size_t value_pos = 0;       // 1-based position of the value's first character.
  // Characters prepended to the value that are not in the scan (zeros padding a GTIN-13 to
  // 14 digits); they map to value_pos.
  std::size_t leading_pad = 0;
  // If non-empty: the 1-based scan position of each value character (used when unescaping
  // or percent-decoding made the value differ in length from its source text).
  std::vector<std::size_t> char_pos;

  // The 1-based scan position of the value character at `offset` (offsets past the end map
  // to just after the last character). 0 if positions are unknown.
  std::size_t PositionOf(std::size_t offset) const;
};

// "AI (17) USE BY or EXPIRY", or "AI (8110)" when the entry has no title.
std::string AiLabel(const AiEntry& entry);

// An error about one element: "<label> at position <position>: <detail>" (without the
// position part when `position` is 0). Code kInvalidArgument.
Status ElementError(std::string_view reason, const AiEntry& entry, std::size_t position,
                    std::string_view detail);

// Checks the value of `element` against its entry: total length, then each component's
// length, character set and linters in order. Errors: "bad_length", "bad_character",
// "bad_check_digit", "bad_date", "bad_value".
Status ValidateElementValue(const ScannedElement& element);

// Checks the message as a whole and drops exact repeats (same AI, same value) of an element.
// Errors: "duplicate_ai" (same AI, different value); when `check_pairing`, also
// "invalid_ai_pair" (an ex= rule) and "missing_required_ai" (a req= rule).
// "empty_code" if `elements` is empty.
Status ValidateMessage(std::vector<ScannedElement>& elements, bool check_pairing);

}  // namespace entrepot::gs1::internal
