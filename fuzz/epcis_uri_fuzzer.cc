// File: epcis_uri_fuzzer.cc
//
// libFuzzer target for the EPCIS identifier parser (entrepot::epcis::ParseUri, FormatUri,
// NormalizeUri in epcis/identifiers.h). Arbitrary bytes are one URI. Beyond "never
// crashes" (ASan, UBSan), every input checks:
//   1. An error is kInvalidArgument with a documented reason and a message; an input over
//      kMaxUriBytes fails with "uri_too_long".
//   2. What parses names a valid Entrepôt identifier of its kind: a 14-digit GTIN with its
//      check digit, a non-empty serial for an instance and none for a class, a canonical
//      container id (domain::ValidateContainerId), a 13-digit GLN or a private site.
//   3. Round trip: FormatUri of what parsed, as a URN (every GS1 Company Prefix length
//      6..12) and as a Digital Link URI, parses back to the same identifier (a serialised
//      unit's lot aside: see SameIdentifier). A Digital Link input always formats back as a
//      Digital Link URI, and an EPC URN as a URN with its own prefix length (a URN may not
//      fit another).
//   4. NormalizeUri: unchanged for what does not parse; otherwise a URI that parses to the
//      same identifier, every form of it normalises to the same text, and normalising is
//      idempotent.
// A broken invariant aborts with the input and what broke, which libFuzzer reports as a
// crash. Seeds: corpus/epcis_uri_fuzzer/ (EPC URNs and Digital Link URIs of every kind).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/domain/container_id.h"
#include "entrepot/domain/gs1/check_digit.h"
#include "entrepot/epcis/identifiers.h"

namespace entrepot::epcis {
namespace {

void Require(bool condition, const char* what, std::string_view input, std::string_view detail) {
  if (!condition) {
    std::fprintf(stderr, "epcis_uri_fuzzer: invariant broken: %s\ninput: %.*s\ndetail: %.*s\n",
                 what, static_cast<int>(input.size()), input.data(),
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

bool IsDocumentedReason(const std::string& reason) {
  static const std::set<std::string> kReasons = {"unknown_uri_scheme", "bad_epc_uri",
                                                 "bad_check_digit", "uri_too_long"};
  return kReasons.count(reason) > 0;
}

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool IsGs1Key(std::string_view key, size_t digits) {
  return key.size() == digits && AllDigits(key) && gs1::HasValidCheckDigit(key);
}

// True when `a` and `b` name the same thing. A serialised unit is its GTIN and serial: a lot
// read with them (Digital Link ".../01/<gtin>/10/<lot>/21/<serial>") is no part of its
// identity, and neither an SGTIN URN nor the canonical Digital Link URI carries it.
bool SameIdentifier(const ParsedUri& a, const ParsedUri& b) {
  const bool lot_counts = a.kind != ParsedUri::Kind::kInstance;
  return a.kind == b.kind && a.gtin == b.gtin && (!lot_counts || a.lot == b.lot) &&
         a.serial == b.serial && a.container == b.container && a.gln == b.gln && a.site == b.site &&
         a.extension == b.extension;
}

// A one-line rendering of `parsed`, for the messages of broken invariants.
std::string Describe(const ParsedUri& parsed) {
  return "kind=" + std::to_string(static_cast<int>(parsed.kind)) + " gtin=" + parsed.gtin +
         " lot=" + parsed.lot + " serial=" + parsed.serial + " container=" + parsed.container +
         " gln=" + parsed.gln + " site=" + parsed.site + " extension=" + parsed.extension;
}

void CheckParsed(const ParsedUri& parsed, std::string_view input) {
  const std::string detail = Describe(parsed);
  switch (parsed.kind) {
    case ParsedUri::Kind::kInstance:
      Require(IsGs1Key(parsed.gtin, 14), "instance without a valid 14-digit GTIN", input, detail);
      Require(!parsed.serial.empty(), "instance without a serial", input, detail);
      break;
    case ParsedUri::Kind::kClass:
      Require(IsGs1Key(parsed.gtin, 14), "class without a valid 14-digit GTIN", input, detail);
      Require(parsed.serial.empty(), "class with a serial", input, detail);
      break;
    case ParsedUri::Kind::kContainer:
      Require(domain::ValidateContainerId(parsed.container).ok(),
              "container id that is not canonical", input, detail);
      break;
    case ParsedUri::Kind::kLocation:
      if (parsed.site.empty()) {
        Require(IsGs1Key(parsed.gln, 13), "GS1 location without a valid 13-digit GLN", input,
                detail);
      } else {
        Require(parsed.gln.empty(), "location with both a site and a GLN", input, detail);
      }
      break;
    default:
      Require(false, "ParsedUri with an undeclared kind", input, detail);
  }
}

// Options that FormatUri needs for `parsed` in `form`: the site of a private URN, else a
// fixed one.
IdOptions OptionsFor(const ParsedUri& parsed, IdForm form, int company_prefix_length) {
  IdOptions options;
  options.form = form;
  options.company_prefix_length = company_prefix_length;
  options.site_code = parsed.site.empty() ? "FUZZ" : parsed.site;
  return options;
}

// Formats `parsed` with `options`; when that works (a URN may not fit a prefix length),
// checks that the output parses back to `parsed` and normalises to `normalized`.
void CheckRoundTrip(const ParsedUri& parsed, const IdOptions& options,
                    const std::string& normalized, bool must_format, std::string_view input) {
  const std::string detail = Describe(parsed) + " form=" + std::string(IdFormName(options.form)) +
                             " cp=" + std::to_string(options.company_prefix_length);
  StatusOr<std::string> formatted = FormatUri(parsed, options);
  if (!formatted.ok()) {
    Require(
        !must_format, "FormatUri refuses what ParseUri read in the same form", input,
        detail + " status=" + formatted.status().reason() + ": " + formatted.status().message());
    Require(formatted.status().code() == StatusCode::kInvalidArgument &&
                !formatted.status().reason().empty() && !formatted.status().message().empty(),
            "FormatUri error without kInvalidArgument, a reason and a message", input, detail);
    return;
  }
  if (formatted->size() > kMaxUriBytes) {
    return;  // Escaping may grow a URI over the limit; ParseUri rightly refuses it.
  }
  StatusOr<ParsedUri> again = ParseUri(*formatted);
  Require(again.ok(), "FormatUri output does not parse", input,
          detail + " formatted=" + *formatted +
              (again.ok() ? "" : " status=" + again.status().reason()));
  Require(SameIdentifier(*again, parsed), "parse(format(parse(x))) != parse(x)", input,
          detail + " formatted=" + *formatted + " reparsed: " + Describe(*again));
  Require(NormalizeUri(*formatted) == normalized, "two forms of one URI normalise differently",
          input, detail + " formatted=" + *formatted + " normalized=" + normalized);
}

// The length of the GS1 Company Prefix of an EPC URN ("urn:epc:id:sgtin:0614141.812345.6789"
// has 7), or 0 when `input` is no such URN.
int UrnCompanyPrefixLength(std::string_view input) {
  if (!input.starts_with("urn:epc:")) {
    return 0;
  }
  // "urn:epc:<id|class|idpat>:<scheme>:" then the prefix: skip four colons (a serial may
  // hold more).
  size_t start = 0;
  for (int colons = 0; colons < 4; ++colons) {
    start = input.find(':', start);
    if (start == std::string_view::npos) {
      return 0;
    }
    ++start;
  }
  const size_t dot = input.find('.', start);
  return dot == std::string_view::npos ? 0 : static_cast<int>(dot - start);
}

void CheckOneInput(std::string_view input) {
  StatusOr<ParsedUri> parsed = ParseUri(input);
  const std::string normalized = NormalizeUri(input);
  Require(NormalizeUri(normalized) == normalized, "NormalizeUri is not idempotent", input,
          normalized);
  if (!parsed.ok()) {
    const Status& status = parsed.status();
    Require(status.code() == StatusCode::kInvalidArgument, "error that is not kInvalidArgument",
            input, status.reason());
    Require(IsDocumentedReason(status.reason()), "undocumented error reason", input,
            status.reason());
    Require(!status.message().empty(), "error without a message", input, status.reason());
    Require(input.size() <= kMaxUriBytes || status.reason() == "uri_too_long",
            "an over-long URI fails with another reason than uri_too_long", input, status.reason());
    Require(normalized == input, "NormalizeUri changed a URI that does not parse", input,
            normalized);
    return;
  }
  Require(input.size() <= kMaxUriBytes, "a URI over kMaxUriBytes parses", input, "");
  CheckParsed(*parsed, input);
  StatusOr<ParsedUri> normalized_parse = ParseUri(normalized);
  Require(normalized_parse.ok() && SameIdentifier(*normalized_parse, *parsed),
          "NormalizeUri output does not parse to the same identifier", input, normalized);

  const bool is_digital_link = input.starts_with("http://") || input.starts_with("https://");
  CheckRoundTrip(*parsed, OptionsFor(*parsed, IdForm::kDigitalLink, 7), normalized, is_digital_link,
                 input);
  const int input_prefix_length = UrnCompanyPrefixLength(input);
  for (int length = 6; length <= 12; ++length) {
    CheckRoundTrip(*parsed, OptionsFor(*parsed, IdForm::kUrn, length), normalized,
                   length == input_prefix_length, input);
  }
}

}  // namespace
}  // namespace entrepot::epcis

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  entrepot::epcis::CheckOneInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
