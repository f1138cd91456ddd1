#include "entrepot/epcis/identifiers.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/container_id.h"
#include "entrepot/domain/gs1/check_digit.h"
#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/labels.h"

namespace entrepot::epcis {
namespace {

constexpr int kMinCompanyPrefixLength = 6;
constexpr int kMaxCompanyPrefixLength = 12;
// TDS 7.1.2: the company prefix of an SGTIN made from a GTIN-8 is "00000" followed by the
// GTIN-8's first three digits.
constexpr size_t kGtin8CompanyPrefixLength = 8;
constexpr size_t kMaxSiteCodeLength = 64;
constexpr size_t kMaxPrivateCodeLength = 64;
// How much of an offending URI an error message quotes.
constexpr size_t kMaxQuotedBytes = 160;

// Punctuation kept literal in an EPC URN component (TDS GS3A3Char); other bytes are %HH.
constexpr std::string_view kUrnLiteral = "!'()*+,-.:;=_";
// Punctuation kept literal in a Digital Link path segment: RFC 3986 unreserved.
constexpr std::string_view kLinkLiteral = "-._~";

constexpr std::string_view kPrivatePrefix = "urn:entrepot:";
constexpr std::string_view kEpcPrefix = "urn:epc:";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsPrintable(char c) { return c > 0x20 && c < 0x7F; }
bool AllDigits(std::string_view text) { return std::all_of(text.begin(), text.end(), IsDigit); }

// `text` made safe for a message: bytes outside printable ASCII as \xHH (messages end up in
// JSON, which must be valid UTF-8), cut after kMaxQuotedBytes.
std::string Printable(std::string_view text, size_t limit = std::string_view::npos) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == limit) {
      return out + "...";
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F) {
      out += text[i];
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::string Quoted(std::string_view text) { return "\"" + Printable(text, kMaxQuotedBytes) + "\""; }

Status Invalid(std::string_view reason, std::string_view message) {
  return Error(StatusCode::kInvalidArgument, std::string(reason), Printable(message));
}

// An error about a part of `uri` (reason "bad_epc_uri").
Status BadUri(std::string_view uri, std::string_view problem) {
  return Invalid("bad_epc_uri", "URI " + Quoted(uri) + ": " + std::string(problem));
}

std::string PercentEncode(std::string_view text, std::string_view literal) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsAlnum(c) || literal.find(c) != std::string_view::npos) {
      out += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

std::string UrnPart(std::string_view text) { return PercentEncode(text, kUrnLiteral); }

int HexValue(char c) {
  if (IsDigit(c)) {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Decodes an EPC URN component: letters, digits, kUrnLiteral and %HH escapes only.
StatusOr<std::string> DecodeUrnPart(std::string_view text, std::string_view uri) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '%') {
      if (!IsAlnum(c) && kUrnLiteral.find(c) == std::string_view::npos) {
        return BadUri(uri, "character " + Quoted(std::string_view(&c, 1)) +
                               " must be percent-encoded in a URN");
      }
      out += c;
      continue;
    }
    const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = high >= 0 ? HexValue(text[i + 2]) : -1;
    if (low < 0) {
      return BadUri(uri, "invalid percent-escape " + Quoted(text.substr(i, 3)) +
                             " ('%' must be followed by two hexadecimal digits)");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// The dictionary's complaint about `value` as the value of GS1 AI `ai` (length, character
// set, check digit, linters), or OK. The message leaves out the position, which counts in an
// element string built here that nobody typed.
Status CheckAiValue(std::string_view ai, std::string_view value) {
  const std::string element = std::string(ai) + std::string(value);
  StatusOr<gs1::Gs1Data> data = gs1::ParseGs1("]C1" + element, gs1::ParseOptions{false});
  if (!data.ok()) {
    std::string message = data.status().message();
    if (size_t at = message.find(" at position "); at != std::string::npos) {
      message.erase(at, message.find(':', at) - at);
    }
    return Invalid(data.status().reason(), message);
  }
  if (data->elements.size() != 1 || data->elements.front().value != value) {
    return Invalid("bad_character", "AI (" + std::string(ai) + "): " + Quoted(value) +
                                        " holds a group separator or line end");
  }
  return OkStatus();
}

// CheckAiValue with the caller's reason and a prefix naming what was checked.
Status CheckValue(std::string_view ai, std::string_view value, std::string_view reason,
                  std::string_view what) {
  Status status = CheckAiValue(ai, value);
  if (status.ok()) {
    return status;
  }
  return Invalid(reason, std::string(what) + " " + Quoted(value) + ": " + status.message());
}

Status CheckCompanyPrefixLength(int length) {
  if (length < kMinCompanyPrefixLength || length > kMaxCompanyPrefixLength) {
    return Invalid("bad_company_prefix_length",
                   "company_prefix_length is " + std::to_string(length) +
                       "; a GS1 Company Prefix in an EPC has 6 to 12 digits");
  }
  return OkStatus();
}

Status CheckSiteCode(std::string_view site) {
  const bool valid_chars = std::all_of(site.begin(), site.end(), [](char c) {
    return IsAlnum(c) || c == '-' || c == '_' || c == '.';
  });
  if (site.empty() || site.size() > kMaxSiteCodeLength || !valid_chars) {
    return Invalid("bad_site_code", "site code " + Quoted(site) +
                                        ": private URNs need 1-64 characters of A-Z a-z 0-9 - _ .");
  }
  return OkStatus();
}

Status CheckGln(std::string_view gln) {
  Status status = gs1::ValidateGln(gln);
  if (status.ok()) {
    return status;
  }
  return Invalid("bad_gln", "GLN " + Quoted(gln) + ": " + status.message());
}

Status CheckGtin(std::string_view gtin) {
  if (gtin.size() != 14 || !AllDigits(gtin)) {
    return Invalid("bad_gtin", "GTIN " + Quoted(gtin) + ": expected 14 digits");
  }
  if (!gs1::HasValidCheckDigit(gtin)) {
    return Invalid("bad_gtin", "GTIN " + Quoted(gtin) + ": check digit is " + gtin.back() +
                                   ", expected " + gs1::ComputeCheckDigit(gtin.substr(0, 13)));
  }
  return OkStatus();
}

// A code in a private URN: 1-64 bytes of printable ASCII.
Status CheckPrivateCode(std::string_view code, std::string_view reason) {
  if (code.empty() || code.size() > kMaxPrivateCodeLength ||
      !std::all_of(code.begin(), code.end(), IsPrintable)) {
    return Invalid(reason, "code " + Quoted(code) +
                               ": a private URN code has 1-64 printable ASCII characters");
  }
  return OkStatus();
}

// A location code as an SGLN extension: a valid AI (254) value other than "0".
Status CheckExtension(std::string_view code) {
  if (code == "0") {
    return Invalid("bad_location",
                   "location code \"0\" cannot be an SGLN extension: TDS reserves it for the "
                   "GLN without extension");
  }
  return CheckValue("254", code, "bad_location", "location code");
}

// "<cp>.<first digit><rest>": the URN body of a GTIN-14 or an SSCC (check digit dropped),
// whose leading indicator / extension digit TDS moves behind the company prefix.
std::string MovedDigitBody(std::string_view key, size_t cp) {
  const std::string_view digits = key.substr(0, key.size() - 1);
  return std::string(digits.substr(1, cp)) + "." + digits[0] + std::string(digits.substr(1 + cp));
}

// "<cp>.<rest>" of the 12 digits of a GLN or GRAI before the check digit.
std::string PlainBody(std::string_view digits12, size_t cp) {
  return std::string(digits12.substr(0, cp)) + "." + std::string(digits12.substr(cp));
}

size_t PrefixLength(const IdOptions& options) {
  return static_cast<size_t>(options.company_prefix_length);
}

// The company prefix length TDS gives `gtin`: 8 for a padded GTIN-8 (TDS 7.1.2).
size_t GtinPrefixLength(std::string_view gtin, const IdOptions& options) {
  return gtin.substr(1, 5) == "00000" ? kGtin8CompanyPrefixLength : PrefixLength(options);
}

std::string LinkUri(std::string_view ai, std::string_view value) {
  return std::string(kDigitalLinkBase) + "/" + std::string(ai) + "/" +
         PercentEncode(value, kLinkLiteral);
}

std::string PrivateUrn(std::string_view site, std::string_view kind, std::string_view code) {
  return std::string(kPrivatePrefix) + std::string(site) + ":" + std::string(kind) + ":" +
         UrnPart(code);
}

// REQUIRES: gtin and serial valid.
StatusOr<std::string> FormatInstance(std::string_view gtin, std::string_view serial,
                                     const IdOptions& options) {
  if (options.form == IdForm::kDigitalLink) {
    return LinkUri("01", gtin) + "/21/" + PercentEncode(serial, kLinkLiteral);
  }
  ENTREPOT_RETURN_IF_ERROR(CheckCompanyPrefixLength(options.company_prefix_length));
  return "urn:epc:id:sgtin:" + MovedDigitBody(gtin, GtinPrefixLength(gtin, options)) + "." +
         UrnPart(serial);
}

// REQUIRES: gtin and (non-empty) lot valid.
StatusOr<std::string> FormatClass(std::string_view gtin, std::string_view lot,
                                  const IdOptions& options) {
  if (options.form == IdForm::kDigitalLink) {
    return LinkUri("01", gtin) + (lot.empty() ? "" : "/10/" + PercentEncode(lot, kLinkLiteral));
  }
  ENTREPOT_RETURN_IF_ERROR(CheckCompanyPrefixLength(options.company_prefix_length));
  const std::string body = MovedDigitBody(gtin, GtinPrefixLength(gtin, options));
  if (lot.empty()) {
    return "urn:epc:idpat:sgtin:" + body + ".*";
  }
  return "urn:epc:class:lgtin:" + body + "." + UrnPart(lot);
}

// The URN of a valid "grai:" or "giai:" id. REQUIRES: ValidateContainerId(container).ok().
StatusOr<std::string> AssetUrn(std::string_view container, size_t cp) {
  const std::string_view data = container.substr(5);
  if (container.starts_with("grai:")) {
    const std::string body = PlainBody(data.substr(1, 12), cp);
    if (data.size() == 14) {
      return "urn:epc:idpat:grai:" + body + ".*";  // No serial: no EPC, the pattern.
    }
    return "urn:epc:id:grai:" + body + "." + UrnPart(data.substr(14));
  }
  if (data.size() <= cp || !AllDigits(data.substr(0, cp))) {
    return Invalid("bad_container",
                   "container id " + Quoted(container) + ": a GIAI written as a URN starts with " +
                       std::to_string(cp) +
                       " digits (the GS1 Company Prefix) and an asset reference; use the Digital "
                       "Link form or the right company_prefix_length");
  }
  return "urn:epc:id:giai:" + std::string(data.substr(0, cp)) + "." + UrnPart(data.substr(cp));
}

// REQUIRES: ValidateContainerId(container).ok().
StatusOr<std::string> FormatContainer(std::string_view container, std::string_view site,
                                      const IdOptions& options) {
  if (container.starts_with("label:")) {
    ENTREPOT_RETURN_IF_ERROR(CheckSiteCode(site));
    return PrivateUrn(site, "label", container.substr(6));
  }
  const std::string_view data = container.substr(5);
  if (options.form == IdForm::kDigitalLink) {
    const std::string_view ai = container.starts_with("sscc:")   ? "00"
                                : container.starts_with("grai:") ? "8003"
                                                                 : "8004";
    return LinkUri(ai, data);
  }
  ENTREPOT_RETURN_IF_ERROR(CheckCompanyPrefixLength(options.company_prefix_length));
  if (container.starts_with("sscc:")) {
    return "urn:epc:id:sscc:" + MovedDigitBody(data, PrefixLength(options));
  }
  return AssetUrn(container, PrefixLength(options));
}

// REQUIRES: gln and extension valid (extension may be empty).
StatusOr<std::string> FormatGlnLocation(std::string_view gln, std::string_view extension,
                                        const IdOptions& options) {
  if (options.form == IdForm::kDigitalLink) {
    return LinkUri("414", gln) +
           (extension.empty() ? "" : "/254/" + PercentEncode(extension, kLinkLiteral));
  }
  ENTREPOT_RETURN_IF_ERROR(CheckCompanyPrefixLength(options.company_prefix_length));
  return "urn:epc:id:sgln:" + PlainBody(gln.substr(0, 12), PrefixLength(options)) + "." +
         (extension.empty() ? "0" : UrnPart(extension));
}

StatusOr<std::string> FormatPrivateLocation(std::string_view site, std::string_view code) {
  ENTREPOT_RETURN_IF_ERROR(CheckSiteCode(site));
  ENTREPOT_RETURN_IF_ERROR(CheckPrivateCode(code, "bad_location"));
  return PrivateUrn(site, "loc", code);
}

Status CheckContainer(std::string_view container) {
  Status status = domain::ValidateContainerId(container);
  if (status.ok()) {
    return status;
  }
  return Invalid("bad_container", status.message());
}

// ---- Parsing EPC URNs ----

// The `n` parts of `body` separated by '.'; the last part keeps any further dots (a serial
// may contain them).
StatusOr<std::vector<std::string_view>> SplitBody(std::string_view body, size_t n,
                                                  std::string_view uri) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    const size_t dot = body.find('.');
    if (dot == std::string_view::npos) {
      return BadUri(uri, "expected " + std::to_string(n) + " parts separated by '.'");
    }
    parts.push_back(body.substr(0, dot));
    body.remove_prefix(dot + 1);
  }
  parts.push_back(body);
  return parts;
}

// The digits of a key split as "<cp>.<ref>": cp 6-12 digits, ref digits, `total` digits in
// all, ref at least `min_ref` of them.
StatusOr<std::string> JoinDigits(std::string_view cp, std::string_view ref, size_t total,
                                 size_t min_ref, std::string_view uri) {
  if (cp.size() < 6 || cp.size() > 12 || !AllDigits(cp)) {
    return BadUri(uri, "the GS1 Company Prefix " + Quoted(cp) + " is not 6-12 digits");
  }
  if (!AllDigits(ref) || cp.size() + ref.size() != total || ref.size() < min_ref) {
    return BadUri(uri, "the company prefix and " + Quoted(ref) + " must be " +
                           std::to_string(total) + " digits together");
  }
  return std::string(cp) + std::string(ref);
}

// Key digits from "<cp>.<indicator or extension digit><ref>", with the check digit appended.
StatusOr<std::string> MovedDigitKey(std::string_view cp, std::string_view ref, size_t total,
                                    std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string digits, JoinDigits(cp, ref, total, 1, uri));
  std::string key =
      ref.front() + digits.substr(0, digits.size() - ref.size()) + std::string(ref.substr(1));
  return key + gs1::ComputeCheckDigit(key);
}

StatusOr<std::string> PlainKey(std::string_view cp, std::string_view ref, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string digits, JoinDigits(cp, ref, 12, 0, uri));
  return digits + gs1::ComputeCheckDigit(digits);
}

// A percent-decoded URN component that must be a valid value of GS1 AI `ai`.
StatusOr<std::string> DecodeValue(std::string_view ai, std::string_view text, std::string_view what,
                                  std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string value, DecodeUrnPart(text, uri));
  if (Status status = CheckAiValue(ai, value); !status.ok()) {
    return BadUri(uri, std::string(what) + ": " + status.message());
  }
  return value;
}

// The GTIN of "<cp>.<indicator digit><item ref>.<last>", and <last> as written.
struct GtinBody {
  std::string gtin;
  std::string_view last;
};

StatusOr<GtinBody> SplitGtinBody(std::string_view body, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string_view> parts, SplitBody(body, 3, uri));
  ENTREPOT_ASSIGN_OR_RETURN(std::string gtin, MovedDigitKey(parts[0], parts[1], 13, uri));
  return GtinBody{std::move(gtin), parts[2]};
}

StatusOr<ParsedUri> ParseSgtin(std::string_view body, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(GtinBody split, SplitGtinBody(body, uri));
  ParsedUri parsed;
  parsed.kind = ParsedUri::Kind::kInstance;
  parsed.gtin = std::move(split.gtin);
  ENTREPOT_ASSIGN_OR_RETURN(parsed.serial, DecodeValue("21", split.last, "serial", uri));
  return parsed;
}

StatusOr<ParsedUri> ParseLgtin(std::string_view body, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(GtinBody split, SplitGtinBody(body, uri));
  ParsedUri parsed;
  parsed.kind = ParsedUri::Kind::kClass;
  parsed.gtin = std::move(split.gtin);
  ENTREPOT_ASSIGN_OR_RETURN(parsed.lot, DecodeValue("10", split.last, "lot", uri));
  return parsed;
}

StatusOr<ParsedUri> ParseGtinPattern(std::string_view body, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(GtinBody split, SplitGtinBody(body, uri));
  if (split.last != "*") {
    return BadUri(uri, "only the GTIN pattern \"<cp>.<indicator+item ref>.*\" is supported");
  }
  ParsedUri parsed;
  parsed.kind = ParsedUri::Kind::kClass;
  parsed.gtin = std::move(split.gtin);
  return parsed;
}

ParsedUri Container(std::string container) {
  ParsedUri parsed;
  parsed.kind = ParsedUri::Kind::kContainer;
  parsed.container = std::move(container);
  return parsed;
}

StatusOr<ParsedUri> ParseSscc(std::string_view body, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string_view> parts, SplitBody(body, 2, uri));
  ENTREPOT_ASSIGN_OR_RETURN(std::string sscc, MovedDigitKey(parts[0], parts[1], 17, uri));
  return Container("sscc:" + sscc);
}

// "<cp>.<asset type>.<serial>", or with `pattern` "<cp>.<asset type>.*".
StatusOr<ParsedUri> ParseGraiBody(std::string_view body, std::string_view uri, bool pattern) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string_view> parts, SplitBody(body, 3, uri));
  ENTREPOT_ASSIGN_OR_RETURN(std::string grai, PlainKey(parts[0], parts[1], uri));
  std::string data = "0" + grai;
  if (pattern) {
    if (parts[2] != "*") {
      return BadUri(uri, "only the GRAI pattern \"<cp>.<asset type>.*\" is supported");
    }
  } else {
    ENTREPOT_ASSIGN_OR_RETURN(std::string serial, DecodeUrnPart(parts[2], uri));
    if (serial.empty()) {
      return BadUri(uri, "the GRAI serial is empty");
    }
    data += serial;
  }
  if (Status status = CheckAiValue("8003", data); !status.ok()) {
    return BadUri(uri, status.message());
  }
  return Container("grai:" + data);
}

StatusOr<ParsedUri> ParseGrai(std::string_view body, std::string_view uri) {
  return ParseGraiBody(body, uri, false);
}

StatusOr<ParsedUri> ParseGraiPattern(std::string_view body, std::string_view uri) {
  return ParseGraiBody(body, uri, true);
}

StatusOr<ParsedUri> ParseGiai(std::string_view body, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string_view> parts, SplitBody(body, 2, uri));
  if (parts[0].size() < 6 || parts[0].size() > 12 || !AllDigits(parts[0])) {
    return BadUri(uri, "the GS1 Company Prefix " + Quoted(parts[0]) + " is not 6-12 digits");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::string reference, DecodeUrnPart(parts[1], uri));
  if (reference.empty()) {
    return BadUri(uri, "the GIAI asset reference is empty");
  }
  const std::string data = std::string(parts[0]) + reference;
  if (Status status = CheckAiValue("8004", data); !status.ok()) {
    return BadUri(uri, status.message());
  }
  return Container("giai:" + data);
}

StatusOr<ParsedUri> ParseSgln(std::string_view body, std::string_view uri) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string_view> parts, SplitBody(body, 3, uri));
  ParsedUri parsed;
  parsed.kind = ParsedUri::Kind::kLocation;
  ENTREPOT_ASSIGN_OR_RETURN(parsed.gln, PlainKey(parts[0], parts[1], uri));
  ENTREPOT_ASSIGN_OR_RETURN(parsed.extension, DecodeValue("254", parts[2], "extension", uri));
  if (parsed.extension == "0") {
    parsed.extension.clear();  // TDS: extension 0 is the GLN without extension.
  }
  return parsed;
}

struct EpcScheme {
  std::string_view prefix;
  StatusOr<ParsedUri> (*parse)(std::string_view body, std::string_view uri);
};

constexpr std::array<EpcScheme, 8> kEpcSchemes = {{
    {"urn:epc:id:sgtin:", ParseSgtin},
    {"urn:epc:class:lgtin:", ParseLgtin},
    {"urn:epc:idpat:sgtin:", ParseGtinPattern},
    {"urn:epc:id:sscc:", ParseSscc},
    {"urn:epc:id:grai:", ParseGrai},
    {"urn:epc:idpat:grai:", ParseGraiPattern},
    {"urn:epc:id:giai:", ParseGiai},
    {"urn:epc:id:sgln:", ParseSgln},
}};

StatusOr<ParsedUri> ParseEpcUrn(std::string_view uri) {
  for (const EpcScheme& scheme : kEpcSchemes) {
    if (uri.starts_with(scheme.prefix)) {
      return scheme.parse(uri.substr(scheme.prefix.size()), uri);
    }
  }
  return Invalid("unknown_uri_scheme",
                 "URI " + Quoted(uri) +
                     ": supported EPC URIs are urn:epc:id:sgtin, sscc, grai, giai, sgln, "
                     "urn:epc:class:lgtin and urn:epc:idpat:sgtin, grai");
}

// ---- Parsing private URNs and Digital Link ----

StatusOr<ParsedUri> ParsePrivateUrn(std::string_view uri) {
  const std::string_view rest = uri.substr(kPrivatePrefix.size());
  const size_t site_end = rest.find(':');
  const size_t kind_end =
      site_end == std::string_view::npos ? site_end : rest.find(':', site_end + 1);
  if (kind_end == std::string_view::npos) {
    return BadUri(uri,
                  "expected urn:entrepot:<site>:loc:<code> or urn:entrepot:<site>:label:<code>");
  }
  ParsedUri parsed;
  parsed.site = std::string(rest.substr(0, site_end));
  if (Status status = CheckSiteCode(parsed.site); !status.ok()) {
    return BadUri(uri, status.message());
  }
  const std::string_view kind = rest.substr(site_end + 1, kind_end - site_end - 1);
  ENTREPOT_ASSIGN_OR_RETURN(std::string code, DecodeUrnPart(rest.substr(kind_end + 1), uri));
  if (kind == "loc") {
    parsed.kind = ParsedUri::Kind::kLocation;
    parsed.extension = std::move(code);
    if (Status status = CheckPrivateCode(parsed.extension, "bad_epc_uri"); !status.ok()) {
      return BadUri(uri, status.message());
    }
    return parsed;
  }
  if (kind != "label") {
    return BadUri(uri, "the kind " + Quoted(kind) + " is neither \"loc\" nor \"label\"");
  }
  if (Status status = domain::ValidateLabelCode(code); !status.ok()) {
    return BadUri(uri, status.message());
  }
  parsed.kind = ParsedUri::Kind::kContainer;
  parsed.container = "label:" + code;
  return parsed;
}

StatusOr<ParsedUri> GtinFromLink(const std::vector<gs1::Element>& elements, std::string_view uri) {
  ParsedUri parsed;
  parsed.kind = ParsedUri::Kind::kClass;
  parsed.gtin = elements.front().value;
  for (size_t i = 1; i < elements.size(); ++i) {
    if (elements[i].ai == "10") {
      parsed.lot = elements[i].value;
    } else if (elements[i].ai == "21") {
      parsed.kind = ParsedUri::Kind::kInstance;
      parsed.serial = elements[i].value;
    } else {
      return BadUri(uri, "key qualifier AI (" + elements[i].ai + ") is not supported");
    }
  }
  return parsed;
}

StatusOr<ParsedUri> FromLinkElements(const std::vector<gs1::Element>& elements,
                                     std::string_view uri) {
  const std::string& ai = elements.front().ai;
  const std::string& value = elements.front().value;
  if (ai == "01") {
    return GtinFromLink(elements, uri);
  }
  const bool location = ai == "414";
  if (ai != "00" && ai != "8003" && ai != "8004" && !location) {
    return Invalid("unknown_uri_scheme", "URI " + Quoted(uri) + ": primary key AI (" + ai +
                                             ") is not supported (01, 00, 8003, 8004 and 414 are)");
  }
  const bool extended = location && elements.size() == 2 && elements[1].ai == "254";
  if (elements.size() > (extended ? 2u : 1u)) {
    return BadUri(uri, "key qualifier AI (" + elements[1].ai + ") is not supported");
  }
  if (!location) {
    return Container((ai == "00" ? "sscc:" : ai == "8003" ? "grai:" : "giai:") + value);
  }
  ParsedUri parsed;
  parsed.kind = ParsedUri::Kind::kLocation;
  parsed.gln = value;
  if (extended && elements[1].value != "0") {  // "0": the GLN without extension (TDS).
    parsed.extension = elements[1].value;
  }
  return parsed;
}

StatusOr<ParsedUri> ParseLink(std::string_view uri) {
  // The query string and fragment carry data attributes, not the identifier.
  const std::string_view path_uri = uri.substr(0, uri.find_first_of("?#"));
  StatusOr<gs1::Gs1Data> data = gs1::ParseGs1(path_uri, gs1::ParseOptions{false});
  if (!data.ok()) {
    // A copy: status() returns by value, so a reference would dangle.
    const std::string reason(data.status().reason());
    const std::string_view mapped = reason == "not_gs1"           ? "unknown_uri_scheme"
                                    : reason == "bad_check_digit" ? "bad_check_digit"
                                                                  : "bad_epc_uri";
    return Invalid(mapped, "URI " + Quoted(uri) + ": " + data.status().message());
  }
  if (data->form != gs1::kFormDigitalLink || data->elements.empty()) {
    return BadUri(uri, "not a GS1 Digital Link URI");
  }
  return FromLinkElements(data->elements, uri);
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char p, char c) {
           return p == (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
         });
}

}  // namespace

std::string_view IdFormName(IdForm form) { return form == IdForm::kUrn ? "urn" : "digital-link"; }

StatusOr<IdForm> ParseIdForm(std::string_view name) {
  if (name == "urn") {
    return IdForm::kUrn;
  }
  if (name == "digital-link") {
    return IdForm::kDigitalLink;
  }
  return Invalid("bad_id_form",
                 "identifier form " + Quoted(name) + ": expected \"urn\" or \"digital-link\"");
}

Status ValidateIdOptions(const IdOptions& options) {
  ENTREPOT_RETURN_IF_ERROR(CheckCompanyPrefixLength(options.company_prefix_length));
  if (!options.site_gln.empty()) {
    ENTREPOT_RETURN_IF_ERROR(CheckGln(options.site_gln));
  }
  return CheckSiteCode(options.site_code);
}

StatusOr<std::string> InstanceEpc(const domain::ItemKey& item, const IdOptions& options) {
  ENTREPOT_RETURN_IF_ERROR(CheckGtin(item.gtin));
  ENTREPOT_RETURN_IF_ERROR(CheckValue("21", item.serial, "bad_serial", "serial"));
  return FormatInstance(item.gtin, item.serial, options);
}

StatusOr<std::string> ClassEpc(const domain::ItemKey& item, const IdOptions& options) {
  ENTREPOT_RETURN_IF_ERROR(CheckGtin(item.gtin));
  if (!item.lot.empty()) {
    ENTREPOT_RETURN_IF_ERROR(CheckValue("10", item.lot, "bad_lot", "lot"));
  }
  return FormatClass(item.gtin, item.lot, options);
}

StatusOr<std::string> ContainerEpc(std::string_view container, const IdOptions& options) {
  ENTREPOT_RETURN_IF_ERROR(CheckContainer(container));
  return FormatContainer(container, options.site_code, options);
}

StatusOr<std::string> LocationUri(std::string_view location, const IdOptions& options) {
  if (options.site_gln.empty()) {
    return FormatPrivateLocation(options.site_code, location);
  }
  ENTREPOT_RETURN_IF_ERROR(CheckGln(options.site_gln));
  ENTREPOT_RETURN_IF_ERROR(CheckExtension(location));
  return FormatGlnLocation(options.site_gln, location, options);
}

StatusOr<std::string> BillOfLadingUri(std::string_view bol, const IdOptions& options) {
  ENTREPOT_RETURN_IF_ERROR(CheckPrivateCode(bol, "bad_bol"));
  if (options.site_gln.empty()) {
    ENTREPOT_RETURN_IF_ERROR(CheckSiteCode(options.site_code));
    return PrivateUrn(options.site_code, "bol", bol);
  }
  ENTREPOT_RETURN_IF_ERROR(CheckGln(options.site_gln));
  return "urn:epcglobal:cbv:bt:" + options.site_gln + ":" + UrnPart(bol);
}

StatusOr<ParsedUri> ParseUri(std::string_view uri) {
  if (uri.size() > kMaxUriBytes) {
    return Invalid("uri_too_long", "URI of " + std::to_string(uri.size()) + " bytes; at most " +
                                       std::to_string(kMaxUriBytes) + " are accepted");
  }
  const bool epc = uri.starts_with(kEpcPrefix);
  const bool private_urn = uri.starts_with(kPrivatePrefix);
  const bool link = StartsWithNoCase(uri, "http://") || StartsWithNoCase(uri, "https://");
  if (!epc && !private_urn && !link) {
    return Invalid("unknown_uri_scheme",
                   "URI " + Quoted(uri) +
                       ": expected an EPC URN (urn:epc:...), a GS1 Digital Link URI (http(s)://) "
                       "or an Entrepôt URN (urn:entrepot:...)");
  }
  if (!std::all_of(uri.begin(), uri.end(), IsPrintable)) {
    return BadUri(uri, "a URI may not contain spaces, control characters or non-ASCII bytes");
  }
  if (epc) {
    return ParseEpcUrn(uri);
  }
  return private_urn ? ParsePrivateUrn(uri) : ParseLink(uri);
}

StatusOr<std::string> FormatUri(const ParsedUri& parsed, const IdOptions& options) {
  const std::string& site = parsed.site.empty() ? options.site_code : parsed.site;
  switch (parsed.kind) {
    case ParsedUri::Kind::kInstance:
      return InstanceEpc(domain::ItemKey{parsed.gtin, "", "", parsed.serial}, options);
    case ParsedUri::Kind::kClass:
      return ClassEpc(domain::ItemKey{parsed.gtin, parsed.lot, "", ""}, options);
    case ParsedUri::Kind::kContainer:
      ENTREPOT_RETURN_IF_ERROR(CheckContainer(parsed.container));
      return FormatContainer(parsed.container, site, options);
    case ParsedUri::Kind::kLocation:
      break;
  }
  if (parsed.gln.empty()) {
    return FormatPrivateLocation(site, parsed.extension);
  }
  ENTREPOT_RETURN_IF_ERROR(CheckGln(parsed.gln));
  if (!parsed.extension.empty()) {
    ENTREPOT_RETURN_IF_ERROR(CheckExtension(parsed.extension));
  }
  return FormatGlnLocation(parsed.gln, parsed.extension, options);
}

std::string NormalizeUri(std::string_view uri) {
  StatusOr<ParsedUri> parsed = ParseUri(uri);
  if (!parsed.ok()) {
    return std::string(uri);  // A partner's own scheme: compared as it is.
  }
  IdOptions options;
  options.form = IdForm::kDigitalLink;
  StatusOr<std::string> normal = FormatUri(*parsed, options);
  return normal.ok() ? *std::move(normal) : std::string(uri);
}

}  // namespace entrepot::epcis
