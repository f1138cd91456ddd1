#include "entrepot/epcis/event_hash.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/epcis/document.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

constexpr std::string_view kDigitalLinkHost = "https://id.gs1.org";
constexpr std::string_view kCbvBase = "https://ref.gs1.org/cbv/";
constexpr std::string_view kGs1VocBase = "https://ref.gs1.org/voc/";
// Nesting of user extensions beyond this is refused (bad_event): the conversion recurses.
constexpr int kMaxNesting = 64;

// ============================================================================================
// Identifiers (rules 17-18)
// ============================================================================================

bool AllDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `digits` followed by their GS1 mod-10 check digit.
std::string WithCheckDigit(std::string_view digits) {
  int sum = 0;
  bool weight_three = true;  // The digit next to the check digit weighs 3.
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    sum += (*it - '0') * (weight_three ? 3 : 1);
    weight_three = !weight_three;
  }
  return std::string(digits) + static_cast<char>('0' + (10 - sum % 10) % 10);
}

// Characters GS1 Digital Link requires percent-encoded that EPC URIs may carry bare.
std::string DigitalLinkEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '!':
        out += "%21";
        break;
      case '(':
        out += "%28";
        break;
      case ')':
        out += "%29";
        break;
      case '*':
        out += "%2A";
        break;
      case '+':
        out += "%2B";
        break;
      case ',':
        out += "%2C";
        break;
      case ':':
        out += "%3A";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The first `count - 1` dot-separated fields of `body`, then the rest (which may hold dots).
std::optional<std::vector<std::string_view>> SplitFields(std::string_view body, size_t count) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < count) {
    size_t dot = body.find('.');
    if (dot == std::string_view::npos) {
      return std::nullopt;
    }
    fields.push_back(body.substr(0, dot));
    body.remove_prefix(dot + 1);
  }
  fields.push_back(body);
  return fields;
}

// A company prefix (6-12 digits) and a numeric reference that together have `total` digits.
bool ValidKey(std::string_view prefix, std::string_view reference, size_t total) {
  return prefix.size() >= 6 && prefix.size() <= 12 && AllDigits(prefix) && AllDigits(reference) &&
         prefix.size() + reference.size() == total;
}

// GTIN-14 of an SGTIN-style key: indicator digit, company prefix, item reference, check.
std::optional<std::string> Gtin(std::string_view prefix, std::string_view item_reference) {
  if (!ValidKey(prefix, item_reference, 13) || item_reference.empty()) {
    return std::nullopt;
  }
  return WithCheckDigit(std::string(item_reference.substr(0, 1)) + std::string(prefix) +
                        std::string(item_reference.substr(1)));
}

// Keys written as company prefix + reference + check digit (+ a serial glued on).
std::optional<std::string> CheckedKey(std::string_view ai, std::string_view prefix,
                                      std::string_view reference, size_t total,
                                      std::string_view serial = {}) {
  if (!ValidKey(prefix, reference, total)) {
    return std::nullopt;
  }
  return "/" + std::string(ai) + "/" +
         WithCheckDigit(std::string(prefix) + std::string(reference)) + DigitalLinkEscape(serial);
}

std::optional<std::string> GtinPath(std::string_view prefix, std::string_view reference,
                                    std::string_view qualifier, std::string_view value) {
  std::optional<std::string> gtin = Gtin(prefix, reference);
  if (!gtin || (!qualifier.empty() && value.empty())) {
    return std::nullopt;
  }
  std::string path = "/01/" + *gtin;
  if (!qualifier.empty()) {
    path += "/" + std::string(qualifier) + "/" + DigitalLinkEscape(value);
  }
  return path;
}

// Instance EPCs of two fields: company prefix . reference.
std::optional<std::string> TwoFieldPath(std::string_view scheme, std::string_view prefix,
                                        std::string_view reference) {
  if (scheme == "sscc") {
    if (reference.empty() || !ValidKey(prefix, reference, 17)) {
      return std::nullopt;
    }
    return "/00/" + WithCheckDigit(std::string(reference.substr(0, 1)) + std::string(prefix) +
                                   std::string(reference.substr(1)));
  }
  if (scheme == "giai" || scheme == "ginc") {
    if (reference.empty() || !ValidKey(prefix, "", prefix.size())) {
      return std::nullopt;
    }
    return (scheme == "giai" ? "/8004/" : "/401/") + std::string(prefix) +
           DigitalLinkEscape(reference);
  }
  if (scheme == "gsrn") {
    return CheckedKey("8018", prefix, reference, 17);
  }
  if (scheme == "gsrnp") {
    return CheckedKey("8017", prefix, reference, 17);
  }
  if (scheme == "gsin") {
    return CheckedKey("402", prefix, reference, 16);
  }
  if (scheme == "pgln") {
    return CheckedKey("417", prefix, reference, 12);
  }
  return std::nullopt;
}

// Instance EPCs of three fields: company prefix . reference . serial (or extension).
std::optional<std::string> ThreeFieldPath(std::string_view scheme, std::string_view prefix,
                                          std::string_view reference, std::string_view serial) {
  if (scheme == "sgtin") {
    return GtinPath(prefix, reference, "21", serial);
  }
  if (scheme == "upui") {
    return GtinPath(prefix, reference, "235", serial);
  }
  if (serial.empty()) {
    return std::nullopt;
  }
  if (scheme == "sgln") {
    std::optional<std::string> gln = CheckedKey("414", prefix, reference, 12);
    if (gln && serial != "0") {  // Extension 0: the location itself.
      *gln += "/254/" + DigitalLinkEscape(serial);
    }
    return gln;
  }
  if (scheme == "grai") {
    if (!ValidKey(prefix, reference, 12)) {
      return std::nullopt;
    }
    return "/8003/" + WithCheckDigit("0" + std::string(prefix) + std::string(reference)) +
           DigitalLinkEscape(serial);
  }
  if (scheme == "gdti") {
    return CheckedKey("253", prefix, reference, 12, serial);
  }
  if (scheme == "sgcn" && AllDigits(serial)) {
    return CheckedKey("255", prefix, reference, 12, serial);
  }
  if (scheme == "cpi" && ValidKey(prefix, "", prefix.size()) && !reference.empty() &&
      AllDigits(serial)) {
    return "/8010/" + DigitalLinkEscape(std::string(prefix) + std::string(reference)) + "/8011/" +
           std::string(serial);
  }
  return std::nullopt;
}

// urn:epc:id:<scheme>:<body> (EPC Tag Data Standard) as a Digital Link path.
std::optional<std::string> InstancePath(std::string_view scheme, std::string_view body) {
  if (scheme == "itip") {
    auto f = SplitFields(body, 5);
    if (!f || (*f)[2].size() != 2 || !AllDigits((*f)[2]) || (*f)[3].size() != 2 ||
        !AllDigits((*f)[3]) || (*f)[4].empty()) {
      return std::nullopt;
    }
    std::optional<std::string> gtin = Gtin((*f)[0], (*f)[1]);
    if (!gtin) {
      return std::nullopt;
    }
    return "/8006/" + *gtin + std::string((*f)[2]) + std::string((*f)[3]) + "/21/" +
           DigitalLinkEscape((*f)[4]);
  }
  if (auto f3 = SplitFields(body, 3); f3 && scheme != "giai" && scheme != "ginc") {
    if (std::optional<std::string> path = ThreeFieldPath(scheme, (*f3)[0], (*f3)[1], (*f3)[2])) {
      return path;
    }
  }
  auto f2 = SplitFields(body, 2);
  return f2 ? TwoFieldPath(scheme, (*f2)[0], (*f2)[1]) : std::nullopt;
}

// urn:epc:idpat:<scheme>:<body> whose serial part is "*": the class as a Digital Link path.
std::optional<std::string> PatternPath(std::string_view scheme, std::string_view body) {
  if (!body.ends_with(".*")) {
    return std::nullopt;
  }
  body.remove_suffix(2);
  auto f2 = SplitFields(body, 2);
  if ((scheme == "sgtin" || scheme == "upui") && f2) {
    return GtinPath((*f2)[0], (*f2)[1], "", "");
  }
  if (scheme == "grai" && f2 && ValidKey((*f2)[0], (*f2)[1], 12)) {
    return "/8003/" + WithCheckDigit("0" + std::string((*f2)[0]) + std::string((*f2)[1]));
  }
  if (scheme == "gdti" && f2) {
    return CheckedKey("253", (*f2)[0], (*f2)[1], 12);
  }
  if (scheme == "sgcn" && f2) {
    return CheckedKey("255", (*f2)[0], (*f2)[1], 12);
  }
  if (scheme == "cpi" && f2 && ValidKey((*f2)[0], "", (*f2)[0].size()) && !(*f2)[1].empty()) {
    return "/8010/" + DigitalLinkEscape(std::string((*f2)[0]) + std::string((*f2)[1]));
  }
  auto f4 = SplitFields(body, 4);
  if (scheme == "itip" && f4 && (*f4)[2].size() == 2 && AllDigits((*f4)[2]) &&
      (*f4)[3].size() == 2 && AllDigits((*f4)[3])) {
    std::optional<std::string> gtin = Gtin((*f4)[0], (*f4)[1]);
    if (gtin) {
      return "/8006/" + *gtin + std::string((*f4)[2]) + std::string((*f4)[3]);
    }
  }
  return std::nullopt;
}

std::optional<std::string> EpcUriPath(std::string_view uri) {
  for (std::string_view kind : {"urn:epc:id:", "urn:epc:idpat:", "urn:epc:class:"}) {
    if (!uri.starts_with(kind)) {
      continue;
    }
    std::string_view rest = uri.substr(kind.size());
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view scheme = rest.substr(0, colon);
    std::string_view body = rest.substr(colon + 1);
    if (kind == "urn:epc:id:") {
      return InstancePath(scheme, body);
    }
    if (kind == "urn:epc:idpat:") {
      return PatternPath(scheme, body);
    }
    auto f3 = SplitFields(body, 3);
    if (scheme == "lgtin" && f3) {
      return GtinPath((*f3)[0], (*f3)[1], "10", (*f3)[2]);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// --- GS1 Digital Link URIs ------------------------------------------------------------------

std::string_view AiOfPathName(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kShortNames[] = {
      {"gtin", "01"},    {"itip", "8006"}, {"cpid", "8010"}, {"gln", "414"},   {"party", "417"},
      {"gsrnp", "8017"}, {"gsrn", "8018"}, {"gcn", "255"},   {"sscc", "00"},   {"gdti", "253"},
      {"ginc", "401"},   {"gsin", "402"},  {"grai", "8003"}, {"giai", "8004"}, {"cpv", "22"},
      {"lot", "10"},     {"ser", "21"},
  };
  for (const auto& [short_name, ai] : kShortNames) {
    if (name == short_name) {
      return ai;
    }
  }
  return name;
}

bool IsPrimaryKey(std::string_view ai) {
  static constexpr std::string_view kKeys[] = {"00",   "01",   "253",  "255",  "401",
                                               "402",  "414",  "417",  "8003", "8004",
                                               "8006", "8010", "8017", "8018"};
  return std::find(std::begin(kKeys), std::end(kKeys), ai) != std::end(kKeys);
}

// The key qualifiers each key keeps in the constrained form (rule 18 III), before the
// finer-one-wins reduction.
bool IsQualifierOf(std::string_view key, std::string_view ai) {
  if (key == "01") {
    return ai == "22" || ai == "10" || ai == "21" || ai == "235";
  }
  if (key == "8006") {
    return ai == "22" || ai == "10" || ai == "21";
  }
  if (key == "8010") {
    return ai == "8011";
  }
  if (key == "414") {
    return ai == "254";
  }
  return false;
}

bool DigitsPrefix(std::string_view value, size_t digits, bool exact) {
  return value.size() >= digits && AllDigits(value.substr(0, digits)) &&
         (!exact || value.size() == digits);
}

bool ValidKeyValue(std::string_view ai, std::string_view value) {
  if (ai == "00" || ai == "8006" || ai == "8017" || ai == "8018") {
    return DigitsPrefix(value, 18, true);
  }
  if (ai == "01") {
    return DigitsPrefix(value, 14, true);
  }
  if (ai == "414" || ai == "417") {
    return DigitsPrefix(value, 13, true);
  }
  if (ai == "402") {
    return DigitsPrefix(value, 17, true);
  }
  if (ai == "253") {
    return DigitsPrefix(value, 13, false);
  }
  if (ai == "255") {
    return DigitsPrefix(value, 13, false) && AllDigits(value);
  }
  if (ai == "8003") {
    return DigitsPrefix(value, 14, false);
  }
  return !value.empty();
}

std::optional<std::string> DigitalLinkPath(std::string_view uri) {
  size_t start = uri.starts_with("https://") ? 8 : uri.starts_with("http://") ? 7 : 0;
  if (start == 0) {
    return std::nullopt;
  }
  std::string_view rest = uri.substr(start);
  rest = rest.substr(0, std::min(rest.find('?'), rest.find('#')));  // Query string stripped.
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  std::vector<std::string_view> segments;
  for (std::string_view path = rest.substr(slash + 1); !path.empty();) {
    size_t next = path.find('/');
    segments.push_back(path.substr(0, next));
    path = next == std::string_view::npos ? std::string_view() : path.substr(next + 1);
  }
  size_t first = 0;
  while (first + 1 < segments.size() && !IsPrimaryKey(AiOfPathName(segments[first]))) {
    ++first;
  }
  if (first + 1 >= segments.size() || (segments.size() - first) % 2 != 0) {
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = first; i < segments.size(); i += 2) {
    pairs.emplace_back(AiOfPathName(segments[i]), segments[i + 1]);
  }
  std::string& key = pairs[0].first;
  std::string& value = pairs[0].second;
  if (key == "01" && (value.size() == 8 || value.size() == 12 || value.size() == 13)) {
    value.insert(0, 14 - value.size(), '0');
  }
  bool has_serial = false;
  for (size_t i = 1; i < pairs.size(); ++i) {
    if (!IsQualifierOf(key, pairs[i].first)) {
      return std::nullopt;  // Anything else is not a constrained Digital Link.
    }
    has_serial = has_serial || pairs[i].first == "21";
  }
  if (!ValidKeyValue(key, value)) {
    return std::nullopt;
  }
  std::string path = "/" + key + "/" + value;
  for (size_t i = 1; i < pairs.size(); ++i) {
    const std::string& ai = pairs[i].first;
    if (ai == "22" || (ai == "10" && has_serial)) {
      continue;  // Only the finest level of identification.
    }
    path += "/" + ai + "/" + pairs[i].second;
  }
  return path;
}

// ============================================================================================
// Values
// ============================================================================================

// Old CBV URNs as Web URIs (rule 14).
std::string WebVocabulary(std::string value) {
  static constexpr std::pair<std::string_view, std::string_view> kUrns[] = {
      {"urn:epcglobal:cbv:bizstep:", "BizStep-"}, {"urn:epcglobal:cbv:disp:", "Disp-"},
      {"urn:epcglobal:cbv:btt:", "BTT-"},         {"urn:epcglobal:cbv:sdt:", "SDT-"},
      {"urn:epcglobal:cbv:er:", "ER-"},
  };
  for (const auto& [urn, term] : kUrns) {
    if (value.starts_with(urn)) {
      return std::string(kCbvBase) + std::string(term) + value.substr(urn.size());
    }
  }
  return value;
}

// Plain decimal or exponent notation, as a number reads in a value.
bool LooksNumeric(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    ++i;
  }
  size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    ++digits;
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      ++digits;
    }
  }
  if (digits == 0) {
    return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      ++i;
    }
    size_t exponent_digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      ++exponent_digits;
    }
    if (exponent_digits == 0) {
      return false;
    }
  }
  return i == text.size();
}

// A non-integral double in its shortest round-trip digits, laid out as Python's repr()
// does (the reference implementation's number form): fixed notation for decimal exponents
// -4..15, "1.5e-07" otherwise.
std::string ShortestDecimal(double value) {
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  std::string sign = text.starts_with('-') ? "-" : "";
  text.remove_prefix(sign.size());
  size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  if (exponent < -4 || exponent >= 16) {
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1) {
      mantissa += "." + digits.substr(1);
    }
    char exponent_text[16];
    std::snprintf(exponent_text, sizeof(exponent_text), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return sign + mantissa + exponent_text;
  }
  if (exponent < 0) {
    return sign + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  }
  size_t point = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= point) {
    digits.append(point - digits.size() + 1, '0');
  }
  return sign + digits.substr(0, point) + "." + digits.substr(point);
}

// Rules 6-7: "1", not "1.0"; 0.3434 as it is.
std::optional<std::string> NumberText(double value) {
  if (!std::isfinite(value)) {
    return std::nullopt;
  }
  if (value == std::trunc(value)) {
    if (std::fabs(value) < 9e18) {
      return std::to_string(static_cast<int64_t>(value));
    }
    char text[400];
    std::snprintf(text, sizeof(text), "%.0f", value);
    return std::string(text);
  }
  return ShortestDecimal(value);
}

std::string NumericCanonical(std::string value) {
  if (!LooksNumeric(value)) {
    return value;
  }
  std::optional<std::string> text = NumberText(std::strtod(value.c_str(), nullptr));
  return text ? *text : value;
}

// Every value of the pre-hash string goes through this (rules 6, 14, 17, 18).
std::string CanonicalValue(std::string value) {
  return CanonicalHashUri(NumericCanonical(WebVocabulary(std::move(value))));
}

std::string Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return "";
  }
  return std::string(text.substr(first, text.find_last_not_of(kSpace) - first + 1));
}

// Rules 8-9. The reference treats a key as a time when it contains "time" (not at its
// start) and not "offset"; sensor "time" values are converted too (see the header).
bool IsTimeKey(std::string_view key) {
  std::string lower;
  for (char c : key) {
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return lower.find("time") != std::string::npos && lower.find("offset") == std::string::npos;
}

std::string UtcMilliseconds(const std::string& text) {
  StatusOr<int64_t> ms = ParseEpcisTime(text);
  return ms.ok() ? FormatEpcisTime(*ms) : text;
}

// ============================================================================================
// The event as the reference's element tree: (name, value, children)
// ============================================================================================

struct Node {
  std::string name;
  std::string value;  // Empty for a parent element.
  std::vector<Node> children;
};

Status BadEvent(std::string_view why) {
  return Error(StatusCode::kInvalidArgument, "bad_event",
               "cannot compute the event hash: " + std::string(why));
}

bool IsIgnoredKey(std::string_view key) {
  return key == "comment" || key == "rdfs:comment" || key == "@context";
}

class TreeBuilder {
 public:
  explicit TreeBuilder(const JsonLdPrefixes& prefixes) : prefixes_(prefixes) {}

  StatusOr<std::vector<Node>> EventChildren(const json& event);

 private:
  StatusOr<std::vector<Node>> Field(const std::string& key, const json& value);
  Status Generic(const std::string& name, const json& value, int depth, std::vector<Node>& out);
  Status Fields(const json& object, int depth, std::vector<Node>& out);
  StatusOr<std::string> Scalar(const std::string& key, const json& value);
  StatusOr<Node> List(const std::string& key, const json& value, std::string_view element);
  StatusOr<Node> TypedList(const std::string& key, const json& value, std::string_view element,
                           std::string_view vocabulary);
  StatusOr<Node> SensorElements(const std::string& key, const json& value);
  StatusOr<Node> SensorReport(const json& value);

  std::string Key(std::string_view key) const;

  const JsonLdPrefixes& prefixes_;
};

// "example:myField" -> "{https://ns.example.com/epcis/}myField" (rule 20).
std::string TreeBuilder::Key(std::string_view key) const {
  size_t colon = key.find(':');
  if (colon != std::string_view::npos) {
    auto prefix = prefixes_.find(key.substr(0, colon));
    if (prefix != prefixes_.end()) {
      return "{" + prefix->second + "}" + std::string(key.substr(colon + 1));
    }
  }
  return std::string(key);
}

// Compact IRIs of the GS1 vocabularies in values: "cbv:BizStep-receiving" (rule 15).
std::string ExpandValue(const JsonLdPrefixes& prefixes, std::string value) {
  size_t colon = value.find(':');
  if (colon != std::string::npos) {
    auto prefix = prefixes.find(std::string_view(value).substr(0, colon));
    if (prefix != prefixes.end() && (prefix->second.starts_with("https://ref.gs1.org") ||
                                     prefix->second.starts_with("https://gs1.org"))) {
      return prefix->second + value.substr(colon + 1);
    }
  }
  return value;
}

StatusOr<std::string> TreeBuilder::Scalar(const std::string& key, const json& value) {
  if (value.is_string()) {
    return ExpandValue(prefixes_, value.get<std::string>());
  }
  if (value.is_number_integer()) {
    return value.is_number_unsigned() ? std::to_string(value.get<uint64_t>())
                                      : std::to_string(value.get<int64_t>());
  }
  if (value.is_number_float()) {
    std::optional<std::string> text = NumberText(value.get<double>());
    if (text) {
      return *text;
    }
  }
  if (value.is_boolean()) {
    return std::string(value.get<bool>() ? "true" : "false");
  }
  if (value.is_null()) {
    return std::string();
  }
  return BadEvent("\"" + key + "\" must be a string or a number");
}

Status TreeBuilder::Generic(const std::string& name, const json& value, int depth,
                            std::vector<Node>& out) {
  if (depth > kMaxNesting) {
    return BadEvent("extensions nested deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  if (value.is_array()) {
    for (const json& item : value) {
      ENTREPOT_RETURN_IF_ERROR(Generic(name, item, depth + 1, out));
    }
    return OkStatus();
  }
  Node node{name, "", {}};
  if (value.is_object()) {
    ENTREPOT_RETURN_IF_ERROR(Fields(value, depth + 1, node.children));
  } else {
    ENTREPOT_ASSIGN_OR_RETURN(node.value, Scalar(name, value));
  }
  out.push_back(std::move(node));
  return OkStatus();
}

Status TreeBuilder::Fields(const json& object, int depth, std::vector<Node>& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!IsIgnoredKey(it.key())) {
      ENTREPOT_RETURN_IF_ERROR(Generic(Key(it.key()), it.value(), depth, out));
    }
  }
  return OkStatus();
}

// A JSON array of strings as a list element with one child per item ("epc").
StatusOr<Node> TreeBuilder::List(const std::string& key, const json& value,
                                 std::string_view element) {
  if (!value.is_array()) {
    return BadEvent("\"" + key + "\" must be an array");
  }
  Node list{key, "", {}};
  for (const json& item : value) {
    if (!item.is_string()) {
      return BadEvent("\"" + key + "\" must hold strings");
    }
    list.children.push_back(
        Node{std::string(element), ExpandValue(prefixes_, item.get<std::string>()), {}});
  }
  return list;
}

bool IsKnownTerm(std::string_view vocabulary, std::string_view term) {
  static constexpr std::string_view kBizSteps[] = {"accepting",
                                                   "arriving",
                                                   "assembling",
                                                   "collecting",
                                                   "commissioning",
                                                   "consigning",
                                                   "creating_class_instance",
                                                   "cycle_counting",
                                                   "decommissioning",
                                                   "departing",
                                                   "destroying",
                                                   "disassembling",
                                                   "dispensing",
                                                   "encoding",
                                                   "entering_exiting",
                                                   "holding",
                                                   "inspecting",
                                                   "installing",
                                                   "killing",
                                                   "loading",
                                                   "other",
                                                   "packing",
                                                   "picking",
                                                   "receiving",
                                                   "removing",
                                                   "repackaging",
                                                   "repairing",
                                                   "replacing",
                                                   "reserving",
                                                   "retail_selling",
                                                   "sampling",
                                                   "sensor_reporting",
                                                   "shipping",
                                                   "staging_outbound",
                                                   "stock_taking",
                                                   "stocking",
                                                   "storing",
                                                   "transporting",
                                                   "unloading",
                                                   "unpacking",
                                                   "void_shipping"};
  static constexpr std::string_view kDispositions[] = {"active",
                                                       "available",
                                                       "completeness_verified",
                                                       "completeness_inferred",
                                                       "conformant",
                                                       "container_closed",
                                                       "container_open",
                                                       "damaged",
                                                       "destroyed",
                                                       "dispensed",
                                                       "disposed",
                                                       "encoded",
                                                       "expired",
                                                       "in_progress",
                                                       "in_transit",
                                                       "inactive",
                                                       "mismatch_instance",
                                                       "mismatch_class",
                                                       "mismatch_quantity",
                                                       "needs_replacement",
                                                       "no_pedigree_match",
                                                       "non_conformant",
                                                       "non_sellable_other",
                                                       "partially_dispensed",
                                                       "recalled",
                                                       "reserved",
                                                       "retail_sold",
                                                       "returned",
                                                       "sellable_accessible",
                                                       "sellable_not_accessible",
                                                       "stolen",
                                                       "unavailable",
                                                       "unknown"};
  static constexpr std::string_view kTransactionTypes[] = {
      "bol",       "cert",   "desadv", "inv",     "pedigree", "po",   "poc",
      "prodorder", "recadv", "rma",    "testprd", "testres",  "upevt"};
  static constexpr std::string_view kPartyTypes[] = {"owning_party", "possessing_party",
                                                     "location"};
  auto in = [term](const auto& terms) {
    return std::find(std::begin(terms), std::end(terms), term) != std::end(terms);
  };
  if (vocabulary == "BizStep-") {
    return in(kBizSteps);
  }
  if (vocabulary == "Disp-") {
    return in(kDispositions);
  }
  if (vocabulary == "BTT-") {
    return in(kTransactionTypes);
  }
  if (vocabulary == "SDT-") {
    return in(kPartyTypes);
  }
  return false;
}

// A bare CBV term of `vocabulary` ("BizStep-") as its Web URI (rule 16); other values as
// they are.
std::string CbvTerm(std::string_view vocabulary, std::string value) {
  if (IsKnownTerm(vocabulary, value)) {
    return std::string(kCbvBase) + std::string(vocabulary) + value;
  }
  return value;
}

// bizTransactionList, sourceList, destinationList: per element "type=..." then the id.
StatusOr<Node> TreeBuilder::TypedList(const std::string& key, const json& value,
                                      std::string_view element, std::string_view vocabulary) {
  if (!value.is_array()) {
    return BadEvent("\"" + key + "\" must be an array");
  }
  Node list{key, "", {}};
  for (const json& item : value) {
    if (!item.is_object()) {
      return BadEvent("\"" + key + "\" must hold objects");
    }
    Node node{std::string(element), "", {}};
    for (auto it = item.begin(); it != item.end(); ++it) {
      if (IsIgnoredKey(it.key())) {
        continue;
      }
      if (it.key() == "type" || it.key() == element) {
        ENTREPOT_ASSIGN_OR_RETURN(std::string text, Scalar(key, it.value()));
        node.children.push_back(
            Node{it.key(), it.key() == "type" ? CbvTerm(vocabulary, text) : text, {}});
      } else {
        ENTREPOT_RETURN_IF_ERROR(Generic(Key(it.key()), it.value(), 1, node.children));
      }
    }
    list.children.push_back(std::move(node));
  }
  return list;
}

StatusOr<Node> TreeBuilder::SensorReport(const json& value) {
  if (!value.is_object()) {
    return BadEvent("\"sensorReport\" must hold objects");
  }
  Node report{"sensorReport", "", {}};
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (IsIgnoredKey(it.key())) {
      continue;
    }
    if ((it.key() == "type" || it.key() == "component") && it.value().is_string()) {
      std::string term = ExpandValue(prefixes_, it.value().get<std::string>());
      if (term.find(':') == std::string::npos) {  // A bare term.
        term = it.key() == "type" ? std::string(kGs1VocBase) + term
                                  : std::string(kCbvBase) + "Comp-" + term;
      }
      report.children.push_back(Node{it.key(), std::move(term), {}});
    } else {
      ENTREPOT_RETURN_IF_ERROR(Generic(Key(it.key()), it.value(), 2, report.children));
    }
  }
  return report;
}

StatusOr<Node> TreeBuilder::SensorElements(const std::string& key, const json& value) {
  if (!value.is_array()) {
    return BadEvent("\"sensorElementList\" must be an array");
  }
  Node list{key, "", {}};
  for (const json& item : value) {
    if (!item.is_object()) {
      return BadEvent("\"sensorElementList\" must hold objects");
    }
    Node element{"sensorElement", "", {}};
    for (auto it = item.begin(); it != item.end(); ++it) {
      if (it.key() == "sensorReport") {
        const json& reports = it.value();
        for (const json& report : reports.is_array() ? reports : json::array({reports})) {
          ENTREPOT_ASSIGN_OR_RETURN(Node node, SensorReport(report));
          element.children.push_back(std::move(node));
        }
      } else if (!IsIgnoredKey(it.key())) {
        ENTREPOT_RETURN_IF_ERROR(Generic(Key(it.key()), it.value(), 2, element.children));
      }
    }
    list.children.push_back(std::move(element));
  }
  return list;
}

StatusOr<std::vector<Node>> TreeBuilder::Field(const std::string& key, const json& value) {
  static constexpr std::string_view kEpcLists[] = {"epcList", "inputEPCList", "childEPCs",
                                                   "outputEPCList"};
  static constexpr std::string_view kQuantityLists[] = {"quantityList", "childQuantityList",
                                                        "inputQuantityList", "outputQuantityList"};
  auto one = [](StatusOr<Node> node) -> StatusOr<std::vector<Node>> {
    ENTREPOT_RETURN_IF_ERROR(node.status());
    return std::vector<Node>{std::move(*node)};
  };
  if (std::find(std::begin(kEpcLists), std::end(kEpcLists), key) != std::end(kEpcLists)) {
    return one(List(key, value, "epc"));
  }
  if (std::find(std::begin(kQuantityLists), std::end(kQuantityLists), key) !=
      std::end(kQuantityLists)) {
    if (!value.is_array()) {
      return BadEvent("\"" + key + "\" must be an array");
    }
    std::vector<Node> elements;
    ENTREPOT_RETURN_IF_ERROR(Generic("quantityElement", value, 0, elements));
    return std::vector<Node>{Node{key, "", std::move(elements)}};
  }
  if (key == "bizTransactionList") {
    return one(TypedList(key, value, "bizTransaction", "BTT-"));
  }
  if (key == "sourceList") {
    return one(TypedList(key, value, "source", "SDT-"));
  }
  if (key == "destinationList") {
    return one(TypedList(key, value, "destination", "SDT-"));
  }
  if (key == "sensorElementList") {
    return one(SensorElements(key, value));
  }
  if ((key == "readPoint" || key == "bizLocation") && !value.is_object()) {
    return BadEvent("\"" + key + "\" must be an object with an \"id\"");
  }
  if (key == "bizStep" || key == "disposition") {
    if (!value.is_string()) {
      return BadEvent("\"" + key + "\" must be a string");
    }
    std::string term = ExpandValue(prefixes_, value.get<std::string>());
    return std::vector<Node>{
        Node{key, CbvTerm(key == "bizStep" ? "BizStep-" : "Disp-", std::move(term)), {}}};
  }
  std::vector<Node> nodes;
  ENTREPOT_RETURN_IF_ERROR(Generic(Key(key), value, 0, nodes));
  if (key == "persistentDisposition") {
    for (Node& node : nodes) {
      for (Node& child : node.children) {
        child.value = CbvTerm("Disp-", std::move(child.value));
      }
    }
  }
  return nodes;
}

StatusOr<std::vector<Node>> TreeBuilder::EventChildren(const json& event) {
  std::vector<Node> children;
  for (auto it = event.begin(); it != event.end(); ++it) {
    const std::string& key = it.key();
    if (key == "type" || key == "eventID" || key == "recordTime" || key == "errorDeclaration" ||
        key == "certificationInfo" || IsIgnoredKey(key)) {
      continue;
    }
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<Node> nodes, Field(key, it.value()));
    for (Node& node : nodes) {
      children.push_back(std::move(node));
    }
  }
  return children;
}

// ============================================================================================
// The pre-hash string: the canonical property order, then what is left
// ============================================================================================

struct Order {
  std::string_view name;
  const std::vector<Order>* children = nullptr;
  bool write_name = true;  // false: typed-list elements, and sensorElementList in CBV 2.0.
};

const std::vector<Order>& EventOrder() {
  static const std::vector<Order> kEpc = {{"epc"}};
  static const std::vector<Order> kQuantityElement = {{"epcClass"}, {"quantity"}, {"uom"}};
  static const std::vector<Order> kQuantities = {{"quantityElement", &kQuantityElement}};
  static const std::vector<Order> kSetUnset = {{"set"}, {"unset"}};
  static const std::vector<Order> kId = {{"id"}};
  static const std::vector<Order> kTransaction = {{"type"}, {"bizTransaction"}};
  static const std::vector<Order> kSource = {{"type"}, {"source"}};
  static const std::vector<Order> kDestination = {{"type"}, {"destination"}};
  static const std::vector<Order> kTransactions = {{"bizTransaction", &kTransaction, false}};
  static const std::vector<Order> kSources = {{"source", &kSource, false}};
  static const std::vector<Order> kDestinations = {{"destination", &kDestination, false}};
  static const std::vector<Order> kSensorMetadata = {{"time"},
                                                     {"startTime"},
                                                     {"endTime"},
                                                     {"deviceID"},
                                                     {"deviceMetadata"},
                                                     {"rawData"},
                                                     {"dataProcessingMethod"},
                                                     {"bizRules"}};
  static const std::vector<Order> kSensorReport = {{"type"},
                                                   {"exception"},
                                                   {"deviceID"},
                                                   {"deviceMetadata"},
                                                   {"rawData"},
                                                   {"dataProcessingMethod"},
                                                   {"time"},
                                                   {"microorganism"},
                                                   {"chemicalSubstance"},
                                                   {"value"},
                                                   {"component"},
                                                   {"stringValue"},
                                                   {"booleanValue"},
                                                   {"hexBinaryValue"},
                                                   {"uriValue"},
                                                   {"minValue"},
                                                   {"maxValue"},
                                                   {"meanValue"},
                                                   {"sDev"},
                                                   {"percRank"},
                                                   {"percValue"},
                                                   {"uom"},
                                                   {"coordinateReferenceSystem"}};
  static const std::vector<Order> kSensorElement = {{"sensorMetadata", &kSensorMetadata},
                                                    {"sensorReport", &kSensorReport}};
  static const std::vector<Order> kSensorElements = {{"sensorElement", &kSensorElement}};
  static const std::vector<Order> kEvent = {
      {"eventTime"},
      {"eventTimeZoneOffset"},
      {"epcList", &kEpc},
      {"parentID"},
      {"inputEPCList", &kEpc},
      {"childEPCs", &kEpc},
      {"quantityList", &kQuantities},
      {"childQuantityList", &kQuantities},
      {"inputQuantityList", &kQuantities},
      {"outputEPCList", &kEpc},
      {"outputQuantityList", &kQuantities},
      {"action"},
      {"transformationID"},
      {"bizStep"},
      {"disposition"},
      {"persistentDisposition", &kSetUnset},
      {"readPoint", &kId},
      {"bizLocation", &kId},
      {"bizTransactionList", &kTransactions},
      {"sourceList", &kSources},
      {"destinationList", &kDestinations},
      {"sensorElementList", &kSensorElements, false},
  };
  return kEvent;
}

std::string Ordered(std::vector<Node>& children, const std::vector<Order>& order);

// One element in the canonical order; consumes what it writes (children left with nothing
// to write are removed by the caller).
std::string OrderedElement(Node& node, const Order& order) {
  std::string nested = order.children ? Ordered(node.children, *order.children) : "";
  std::string value = Trim(node.value);
  if (!value.empty()) {
    value = "=" + (IsTimeKey(node.name) ? UtcMilliseconds(value) : CanonicalValue(value));
  }
  if (value.empty() && nested.empty()) {
    return "";
  }
  return (order.write_name ? node.name : "") + value + nested;
}

std::string Ordered(std::vector<Node>& children, const std::vector<Order>& order) {
  std::string out;
  for (const Order& entry : order) {
    std::vector<std::string> values;
    for (Node& child : children) {
      if (child.name == entry.name) {
        if (std::string text = OrderedElement(child, entry); !text.empty()) {
          values.push_back(std::move(text));
        }
      }
    }
    // A consumed element with nothing left under it is done; the others stay for the
    // generic part (extensions inside standard fields, CBV 2.0).
    std::erase_if(children, [&entry](const Node& child) {
      return child.name == entry.name && child.children.empty();
    });
    std::sort(values.begin(), values.end());
    for (const std::string& value : values) {
      out += value;
    }
  }
  return out;
}

// What the order did not consume, each element sorted among its siblings (rules 19-21).
std::string Remaining(const std::vector<Node>& children) {
  std::vector<std::string> values;
  for (const Node& child : children) {
    std::string value = Trim(child.value);
    values.push_back(child.name + (value.empty() ? "" : "=" + CanonicalValue(value)) +
                     Remaining(child.children));
  }
  std::sort(values.begin(), values.end());
  std::string out;
  for (const std::string& value : values) {
    out += value;
  }
  return out;
}

JsonLdPrefixes StandardPrefixes() {
  return {{"gs1", std::string(kGs1VocBase)},
          {"cbv", std::string(kCbvBase)},
          {"epcis", "https://ref.gs1.org/epcis/"},
          {"cbvmda", "urn:epcglobal:cbv:mda"}};
}

const JsonLdPrefixes& TheStandardPrefixes() {
  static const JsonLdPrefixes prefixes = StandardPrefixes();
  return prefixes;
}

// What OrderedElement writes after "=" for the (expanded) value of a field that is no time.
std::string WrittenValue(std::string_view expanded) {
  std::string value = Trim(expanded);
  return value.empty() ? value : CanonicalValue(std::move(value));
}

void AddPrefixes(const json& context, JsonLdPrefixes& prefixes) {
  if (context.is_array()) {
    for (const json& item : context) {
      if (item.is_object()) {
        AddPrefixes(item, prefixes);
      }
    }
    return;
  }
  if (!context.is_object()) {
    return;
  }
  for (auto it = context.begin(); it != context.end(); ++it) {
    if (it.value().is_string() && !it.key().starts_with('@')) {
      prefixes[it.key()] = it.value().get<std::string>();
    }
  }
  prefixes["gs1"] = std::string(kGs1VocBase);  // As the reference: always the GS1 vocabulary.
}

}  // namespace

std::string CanonicalHashUri(std::string_view uri) {
  std::optional<std::string> path =
      uri.starts_with("urn:epc:") ? EpcUriPath(uri) : DigitalLinkPath(uri);
  return path ? std::string(kDigitalLinkHost) + *path : std::string(uri);
}

JsonLdPrefixes ContextPrefixes(const json& context) {
  JsonLdPrefixes prefixes = StandardPrefixes();
  AddPrefixes(context, prefixes);
  return prefixes;
}

StatusOr<std::string> EventPreHashString(const json& event) {
  return EventPreHashString(event, TheStandardPrefixes());
}

StatusOr<std::string> EventPreHashString(const json& event, const JsonLdPrefixes& prefixes) {
  if (!event.is_object()) {
    return BadEvent("an event must be a JSON object");
  }
  auto type = event.find("type");
  auto time = event.find("eventTime");
  if (type == event.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
    return BadEvent("the event has no \"type\"");
  }
  if (time == event.end() || !time->is_string()) {
    return BadEvent("the event has no \"eventTime\"");
  }
  if (Status valid = ParseEpcisTime(time->get_ref<const std::string&>()).status(); !valid.ok()) {
    return BadEvent("\"eventTime\": " + valid.message());
  }
  // The prefixes are copied only for an event that adds its own.
  const JsonLdPrefixes* used = &prefixes;
  JsonLdPrefixes with_context;
  if (auto context = event.find("@context"); context != event.end()) {
    with_context = prefixes;
    AddPrefixes(*context, with_context);
    used = &with_context;
  }
  TreeBuilder builder(*used);
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<Node> children, builder.EventChildren(event));
  std::string pre_hash = "eventType=" + Trim(type->get<std::string>());
  pre_hash += Ordered(children, EventOrder());
  pre_hash += Remaining(children);
  return pre_hash;
}

StatusOr<std::string> CanonicalEventId(const json& event) {
  return CanonicalEventId(event, TheStandardPrefixes());
}

StatusOr<std::string> CanonicalEventId(const json& event, const JsonLdPrefixes& prefixes) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string pre_hash, EventPreHashString(event, prefixes));
  return EventIdOfPreHash(pre_hash);
}

std::string EventIdOfPreHash(std::string_view pre_hash) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(pre_hash.data()),
                     pre_hash.size());
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr std::string_view kPrefix = "ni:///sha-256;";
  constexpr std::string_view kSuffix = "?ver=CBV2.0";
  std::string id;
  id.reserve(kPrefix.size() + 2 * sizeof(digest) + kSuffix.size());
  id += kPrefix;
  for (unsigned char byte : digest) {
    id += kHex[byte >> 4];
    id += kHex[byte & 0x0f];
  }
  id += kSuffix;
  return id;
}

std::string PreHashValue(std::string_view value) {
  return WrittenValue(ExpandValue(TheStandardPrefixes(), std::string(value)));
}

std::string PreHashTerm(std::string_view vocabulary, std::string_view value) {
  return WrittenValue(CbvTerm(vocabulary, ExpandValue(TheStandardPrefixes(), std::string(value))));
}

}  // namespace entrepot::epcis
