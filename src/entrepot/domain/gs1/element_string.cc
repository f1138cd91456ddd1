// Design notes for the GS1 decoder:
//
// 1. Every input form is first turned into internal::ScannedElements (AI entry, decoded value,
//    where it came from in the scan); validation is then one code path for all forms
//    (internal/ai_validation.h), so a rule cannot hold for one form and not another.
// 2. The dispatch looks only at the first characters: ']' symbology identifier, '(' bracketed,
//    "http(s)://" Digital Link, a GS anywhere raw, digits of a key's length a plain key. What
//    matches no form is "not_gs1", never a GS1 error, so that callers can try other
//    interpretations of the same scan.
// 3. Positions are 1-based offsets into the scan as given (after dropping trailing CR/LF).
#include "entrepot/domain/gs1/element_string.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/gs1/internal/ai_validation.h"
#include "entrepot/domain/gs1/internal/digital_link.h"

namespace entrepot::gs1 {
namespace {

using internal::ScannedElement;

constexpr char kGs = '\x1D';  // ASCII group separator: how scanners transmit FNC1.

// Most scans carry at most this many elements (GTIN, lot, expiry, serial): reserving it
// saves the vector's regrowth on the scan path.
constexpr std::size_t kTypicalElements = 4;

// The result of recognising a form and extracting its elements (not yet validated).
using Extracted = DecodedGs1;

Status NotGs1(std::string message) {
  return Error(StatusCode::kInvalidArgument, "not_gs1", std::move(message));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }

// A short, printable excerpt of `scan` at `offset`, for messages.
std::string Excerpt(std::string_view scan, std::size_t offset) {
  std::string text;
  for (std::size_t i = offset; i < scan.size() && i < offset + 6; ++i) {
    text += scan[i] > 0x20 && scan[i] < 0x7F ? scan[i] : '?';
  }
  return "\"" + text + "\"";
}

Status UnknownAiAt(std::string_view scan, std::size_t offset) {
  return Error(StatusCode::kInvalidArgument, "unknown_ai",
               "no GS1 AI starts at position " + std::to_string(offset + 1) + " (" +
                   Excerpt(scan, offset) + ")");
}

// A raw element string from 0-based `start`: AI, value, GS after variable-length values.
StatusOr<std::vector<ScannedElement>> ParseRaw(std::string_view scan, std::size_t start,
                                               const AiTable& table) {
  std::vector<ScannedElement> elements;
  elements.reserve(kTypicalElements);
  std::size_t pos = start;
  while (pos < scan.size()) {
    if (scan[pos] == kGs) {
      ++pos;  // FNC1 in first position, after a fixed-length value, or trailing: all harmless.
      continue;
    }
    const AiEntry* entry = table.FindPrefix(scan.substr(pos));
    if (entry == nullptr) {
      return UnknownAiAt(scan, pos);
    }
    ScannedElement& element = elements.emplace_back();  // Built in place: no move.
    element.entry = entry;
    element.ai_pos = pos + 1;
    pos += entry->ai.size();
    std::size_t end = std::min(scan.find(kGs, pos), scan.size());
    if (!entry->fnc1_required) {
      end = std::min(end, pos + static_cast<std::size_t>(entry->max_length));
    }
    element.value.assign(scan.substr(pos, end - pos));
    element.value_pos = pos + 1;
    pos = end;
  }
  return elements;
}

// The value after "(AI)" ending at 0-based `end` (exclusive), with "\(" unescaped.
void ReadBracketedValue(std::string_view scan, std::size_t begin, std::size_t end,
                        ScannedElement& element) {
  element.value_pos = begin + 1;
  const std::string_view text = scan.substr(begin, end - begin);
  if (text.find("\\(") == std::string_view::npos) {
    element.value.assign(text);
    return;
  }
  for (std::size_t i = begin; i < end; ++i) {
    if (scan[i] == '\\' && i + 1 < end && scan[i + 1] == '(') {
      ++i;
    }
    element.value.push_back(scan[i]);
    element.char_pos.push_back(i + 1);
  }
}

// 0-based end (exclusive) of the bracketed value starting at `begin`: the next unescaped '('.
std::size_t BracketedValueEnd(std::string_view scan, std::size_t begin) {
  for (std::size_t i = begin; i < scan.size(); ++i) {
    if (scan[i] == '\\' && i + 1 < scan.size() && scan[i + 1] == '(') {
      ++i;
    } else if (scan[i] == '(') {
      return i;
    }
  }
  return scan.size();
}

StatusOr<std::vector<ScannedElement>> ParseBracketed(std::string_view scan, const AiTable& table) {
  std::vector<ScannedElement> elements;
  elements.reserve(kTypicalElements);
  std::size_t pos = 0;
  while (pos < scan.size()) {
    std::size_t close = pos + 1;
    while (close < scan.size() && close - pos <= 5 && IsDigit(scan[close])) {
      ++close;
    }
    const std::size_t ai_length = close - pos - 1;
    if (close >= scan.size() || scan[close] != ')' || ai_length < 2 || ai_length > 4) {
      return Error(StatusCode::kInvalidArgument, "unknown_ai",
                   "expected an AI of 2 to 4 digits in brackets at position " +
                       std::to_string(pos + 1) + " (" + Excerpt(scan, pos) + ")");
    }
    const std::string_view ai = scan.substr(pos + 1, ai_length);
    const AiEntry* entry = table.Find(ai);
    if (entry == nullptr) {
      return Error(StatusCode::kInvalidArgument, "unknown_ai",
                   "AI (" + std::string(ai) + ") at position " + std::to_string(pos + 1) +
                       " is not a GS1 AI");
    }
    ScannedElement& element = elements.emplace_back();  // Built in place: no move.
    element.entry = entry;
    element.ai_pos = pos + 1;
    const std::size_t end = BracketedValueEnd(scan, close + 1);
    ReadBracketedValue(scan, close + 1, end, element);
    pos = end;
  }
  return elements;
}

// A GTIN or SSCC given as bare digits at 0-based `start` (no AI in the scan).
StatusOr<std::vector<ScannedElement>> PlainKey(std::string_view digits, std::size_t start,
                                               std::string_view ai, const AiTable& table) {
  ScannedElement element;
  element.entry = table.Find(ai);
  if (element.entry == nullptr) {
    return Error(StatusCode::kInvalidArgument, "unknown_ai",
                 "the dictionary has no AI (" + std::string(ai) + ")");
  }
  const std::size_t length = static_cast<std::size_t>(element.entry->max_length);
  element.leading_pad = digits.size() < length ? length - digits.size() : 0;
  element.value = std::string(element.leading_pad, '0') + std::string(digits);
  element.value_pos = start + 1;
  std::vector<ScannedElement> elements;
  elements.push_back(std::move(element));  // A braced list would copy the element.
  return elements;
}

// The GTIN of EAN/UPC/ITF data: `length` digits at offset 3, after the symbology identifier.
StatusOr<std::vector<ScannedElement>> EanUpc(std::string_view scan, std::size_t length,
                                             std::string_view symbology, const AiTable& table) {
  const std::string_view digits = scan.substr(3, length);
  if (digits.size() < length) {
    return Error(StatusCode::kInvalidArgument, "bad_length",
                 std::string(symbology) + " data has " + std::to_string(scan.size() - 3) +
                     " characters, expected " + std::to_string(length) + " digits");
  }
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (!IsDigit(digits[i])) {
      return Error(
          StatusCode::kInvalidArgument, "bad_character",
          std::string(symbology) + " data has a non-digit at position " + std::to_string(i + 4));
    }
  }
  return PlainKey(digits, 3, "01", table);
}

StatusOr<Extracted> ExtractEan13(std::string_view scan, std::string_view symbology,
                                 const AiTable& table) {
  const std::string_view payload = scan.substr(3);
  if (payload.size() > 13 && payload.substr(13, 4) == "|]e0") {
    // EAN/UPC with a composite component, as the GS1 Syntax Engine transmits it.
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<ScannedElement> elements,
                              EanUpc(scan, 13, symbology, table));
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<ScannedElement> composite, ParseRaw(scan, 20, table));
    std::move(composite.begin(), composite.end(), std::back_inserter(elements));
    return Extracted{kFormAim, symbology, std::move(elements)};
  }
  if (payload.size() != 12 && payload.size() != 13) {
    return Error(StatusCode::kInvalidArgument, "bad_length",
                 std::string(symbology) + " (EAN-13/UPC-A) data has " +
                     std::to_string(payload.size()) + " characters, expected 13 digits");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<ScannedElement> elements,
                            EanUpc(scan, payload.size(), symbology, table));
  return Extracted{kFormPlainGtin, symbology, std::move(elements)};
}

StatusOr<Extracted> ExtractFixedGtin(std::string_view scan, std::string_view symbology,
                                     std::size_t length, const AiTable& table) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<ScannedElement> elements,
                            EanUpc(scan, length, symbology, table));
  return Extracted{kFormPlainGtin, symbology, std::move(elements)};
}

StatusOr<Extracted> ExtractAim(std::string_view scan, const AiTable& table) {
  if (scan.size() < 3) {
    return NotGs1("incomplete symbology identifier " + Excerpt(scan, 0));
  }
  const std::string_view symbology = scan.substr(0, 3);
  const std::string_view id = symbology.substr(1);
  const std::string_view payload = scan.substr(3);
  if (id == "C1" || id == "d2" || id == "Q3" || id == "J1" || id == "e0") {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<ScannedElement> elements, ParseRaw(scan, 3, table));
    return Extracted{kFormAim, symbology, std::move(elements)};
  }
  if (id == "E0") {
    return ExtractEan13(scan, symbology, table);
  }
  if (id == "E4") {
    if (payload.size() != 8) {
      return Error(StatusCode::kInvalidArgument, "bad_length",
                   "]E4 (EAN-8) data has " + std::to_string(payload.size()) +
                       " characters, expected 8 digits");
    }
    return ExtractFixedGtin(scan, symbology, 8, table);
  }
  if (id == "E3" && (payload.size() == 15 || payload.size() == 18) && AllDigits(payload)) {
    // EAN-13/UPC-A with a 2- or 5-digit add-on: the add-on is not AI data.
    return ExtractFixedGtin(scan, symbology, 13, table);
  }
  if ((id == "I0" || id == "I1") && payload.size() == 14 && AllDigits(payload)) {
    return ExtractFixedGtin(scan, symbology, 14, table);  // ITF-14.
  }
  if ((id == "Q1" || id == "d1") && internal::LooksLikeUri(payload)) {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<ScannedElement> elements,
                              internal::ParseDigitalLink(scan, 3, table));
    return Extracted{kFormDigitalLink, symbology, std::move(elements)};
  }
  return NotGs1("symbology identifier " + std::string(symbology) +
                " does not carry GS1 element strings");
}

StatusOr<Extracted> Extract(std::string_view scan, const AiTable& table) {
  if (scan.front() == ']') {
    return ExtractAim(scan, table);
  }
  std::vector<ScannedElement> elements;
  if (scan.front() == '(') {
    ENTREPOT_ASSIGN_OR_RETURN(elements, ParseBracketed(scan, table));
    return Extracted{kFormBracketed, "", std::move(elements)};
  }
  if (internal::LooksLikeUri(scan)) {
    ENTREPOT_ASSIGN_OR_RETURN(elements, internal::ParseDigitalLink(scan, 0, table));
    return Extracted{kFormDigitalLink, "", std::move(elements)};
  }
  const std::size_t n = scan.size();
  if (AllDigits(scan) && (n == 8 || n == 12 || n == 13 || n == 14)) {
    ENTREPOT_ASSIGN_OR_RETURN(elements, PlainKey(scan, 0, "01", table));
    return Extracted{kFormPlainGtin, "", std::move(elements)};
  }
  if (AllDigits(scan) && n == 18) {
    ENTREPOT_ASSIGN_OR_RETURN(elements, PlainKey(scan, 0, "00", table));
    return Extracted{kFormPlainSscc, "", std::move(elements)};
  }
  // A GS means FNC1; 16 leading digits that start with an AI are an element string whose
  // symbology identifier a keyboard wedge dropped.
  if (scan.find(kGs) != std::string_view::npos ||
      (n >= 16 && AllDigits(scan.substr(0, 16)) && table.FindPrefix(scan) != nullptr)) {
    ENTREPOT_ASSIGN_OR_RETURN(elements, ParseRaw(scan, 0, table));
    return Extracted{kFormRaw, "", std::move(elements)};
  }
  return NotGs1("the code is not in a GS1 format (" + Excerpt(scan, 0) + "...)");
}

bool NeedsSeparator(const AiTable& table, std::string_view ai) {
  const AiEntry* entry = table.Find(ai);
  return entry == nullptr || entry->fnc1_required;
}

}  // namespace

const ScannedElement* DecodedGs1::Find(const AiEntry* entry) const {
  for (const ScannedElement& element : elements) {
    if (element.entry == entry) {
      return &element;
    }
  }
  return nullptr;
}

const Element* Gs1Data::Find(std::string_view ai) const {
  for (const Element& element : elements) {
    if (element.ai == ai) {
      return &element;
    }
  }
  return nullptr;
}

StatusOr<Gs1Data> ParseGs1(std::string_view scan) {
  return ParseGs1(scan, ParseOptions(), DefaultAiTable());
}

StatusOr<Gs1Data> ParseGs1(std::string_view scan, const ParseOptions& options) {
  return ParseGs1(scan, options, DefaultAiTable());
}

StatusOr<DecodedGs1> DecodeGs1(std::string_view scan, const ParseOptions& options,
                               const AiTable& table) {
  while (!scan.empty() && (scan.back() == '\r' || scan.back() == '\n')) {
    scan.remove_suffix(1);
  }
  if (scan.empty()) {
    return Error(StatusCode::kInvalidArgument, "empty_code", "the code is empty");
  }
  if (scan.size() > kMaxScanLength) {
    return Error(StatusCode::kResourceExhausted, "code_too_long",
                 "the code has " + std::to_string(scan.size()) + " bytes, more than the " +
                     std::to_string(kMaxScanLength) + " accepted");
  }
  ENTREPOT_ASSIGN_OR_RETURN(Extracted extracted, Extract(scan, table));
  for (const ScannedElement& element : extracted.elements) {
    ENTREPOT_RETURN_IF_ERROR(internal::ValidateElementValue(element));
  }
  ENTREPOT_RETURN_IF_ERROR(internal::ValidateMessage(extracted.elements, options.check_pairing));
  return extracted;
}

StatusOr<Gs1Data> ParseGs1(std::string_view scan, const ParseOptions& options,
                           const AiTable& table) {
  ENTREPOT_ASSIGN_OR_RETURN(DecodedGs1 decoded, DecodeGs1(scan, options, table));
  Gs1Data data;
  data.form = std::string(decoded.form);
  data.symbology = std::string(decoded.symbology);
  data.elements.reserve(decoded.elements.size());
  for (ScannedElement& element : decoded.elements) {
    data.elements.push_back(
        Element{element.entry->ai, std::move(element.value), element.entry->title});
  }
  return data;
}

Status CheckAiPairing(const Gs1Data& data) {
  const AiTable& table = DefaultAiTable();
  std::vector<ScannedElement> elements;
  elements.reserve(data.elements.size());
  for (const Element& element : data.elements) {
    ScannedElement scanned;
    scanned.entry = table.Find(element.ai);
    if (scanned.entry == nullptr) {
      return Error(StatusCode::kInvalidArgument, "unknown_ai",
                   "AI (" + element.ai + ") is not a GS1 AI");
    }
    scanned.value = element.value;
    elements.push_back(std::move(scanned));
  }
  return internal::ValidateMessage(elements, true);
}

std::string ToBracketed(const Gs1Data& data) {
  std::string text;
  for (const Element& element : data.elements) {
    text += "(" + element.ai + ")";
    for (char c : element.value) {
      if (c == '(') {
        text += '\\';
      }
      text += c;
    }
  }
  return text;
}

std::string ToElementString(const Gs1Data& data) {
  const AiTable& table = DefaultAiTable();
  std::string text;
  for (std::size_t i = 0; i < data.elements.size(); ++i) {
    const Element& element = data.elements[i];
    text += element.ai + element.value;
    if (i + 1 < data.elements.size() && NeedsSeparator(table, element.ai)) {
      text += kGs;
    }
  }
  return text;
}

}  // namespace entrepot::gs1
