// File: identifiers.h
//
// Entrepôt's identifiers as EPCIS 2.0 URIs, both ways: as EPC URNs (GS1 EPC Tag Data
// Standard, "urn:epc:id:sgtin:0614141.812345.6789") and as GS1 Digital Link URIs
// ("https://id.gs1.org/01/00614141123452/21/6789"). Pure: no I/O, no clock.
//
// Entrepôt's canonical ids (domain/model.h): a product is its 14-digit GTIN, a unit is an
// ItemKey (GTIN, lot, expiry, serial), a container is "sscc:<18 digits>", "grai:<AI 8003>",
// "giai:<AI 8004>" or "label:<code>", a location is its code inside the site.
//
//  - A serialised unit is an instance EPC (SGTIN); stock without a serial is a class: an
//    LGTIN ("urn:epc:class:lgtin:...", Digital Link ".../01/<gtin>/10/<lot>") when it has a
//    lot, the GTIN pattern ("urn:epc:idpat:sgtin:<cp>.<ref>.*", Digital Link
//    ".../01/<gtin>") otherwise.
//  - A location is an SGLN of the site's GLN with the location code as its extension
//    (AI 254): "urn:epc:id:sgln:<cp>.<ref>.<code>", ".../414/<gln>/254/<code>". Without a site
//    GLN, and for internal container labels, which have no GS1 key, Entrepôt uses
//    private URNs: "urn:entrepot:<site>:loc:<code>" and "urn:entrepot:<site>:label:<code>".
//
// URNs need the length of the GS1 Company Prefix to split a key; Digital Link does not.
// Matching (NormalizeUri) therefore compares Digital Link forms.
//
// Percent-encoding: a URN component (serial, lot, GLN extension, GRAI serial, GIAI asset
// reference, private code) keeps letters, digits and ! ' ( ) * + , - . : ; = _ literal and
// writes every other byte as %HH (upper-case hex), so the CSET 82 characters " % & / < > ?
// become %22 %25 %26 %2F %3C %3E %3F (TDS, GS3A3Component). A Digital Link path segment
// keeps only RFC 3986 unreserved characters (letters, digits, - . _ ~) literal, as GS1
// Digital Link requires. Parsing decodes any %HH (upper- or lower-case hex) and refuses a
// malformed escape.
//
// Beyond the plain split: a GTIN whose digits 2-6 are zero (a GTIN-8 padded to 14 digits)
// always gets the 8-digit company prefix "00000" + the GTIN-8's first three digits (TDS
// 7.1.2), whatever company_prefix_length says. And a GRAI without serial, which has no EPC,
// is written as the EPC pattern "urn:epc:idpat:grai:<cp>.<asset type>.*" (Entrepôt's
// choice; ParseUri reads it back as the same container).
#pragma once

#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/domain/model.h"

namespace entrepot::epcis {

enum class IdForm { kUrn, kDigitalLink };

// "urn" or "digital-link"; ParseIdForm returns kInvalidArgument "bad_id_form" otherwise.
std::string_view IdFormName(IdForm form);
StatusOr<IdForm> ParseIdForm(std::string_view name);

// The base of every Digital Link URI produced.
inline constexpr std::string_view kDigitalLinkBase = "https://id.gs1.org";

struct IdOptions {
  IdForm form = IdForm::kUrn;
  // Digits of the GS1 Company Prefix in every GS1 key written as a URN (6..12).
  int company_prefix_length = 7;
  // The site's GLN (13 digits, valid check digit); empty: locations get private URNs.
  std::string site_gln;
  // The site code, in private URNs.
  std::string site_code;
};

// Checks the options: kInvalidArgument "bad_company_prefix_length" (outside 6..12),
// "bad_gln" (not 13 digits or wrong check digit), "bad_site_code" (empty, over 64
// characters, or characters outside A-Z a-z 0-9 - _ .). The functions below check only the
// options that the URI they write uses (company_prefix_length for GS1 URNs, site_code for
// private URNs, site_gln for locations), with the same reasons.
Status ValidateIdOptions(const IdOptions& options);

// The EPC of one serialised unit (lot and expiry are not part of it). kInvalidArgument
// "bad_gtin" for a GTIN that is not 14 digits with a valid check digit, "bad_serial" for a
// serial that is not a valid AI (21) value (1-20 characters of CSET 82; so also when empty).
StatusOr<std::string> InstanceEpc(const domain::ItemKey& item, const IdOptions& options);
// The EPC class of stock without a serial: LGTIN with a lot, the GTIN pattern without (the
// serial, if any, is ignored). "bad_gtin" as above, "bad_lot" for a lot that is not a valid
// AI (10) value.
StatusOr<std::string> ClassEpc(const domain::ItemKey& item, const IdOptions& options);
// The EPC of a container (canonical id). kInvalidArgument "bad_container" for an id that is
// not canonical (domain::ValidateContainerId), or, as a URN, for a GIAI whose first
// company_prefix_length characters are not digits followed by an asset reference.
StatusOr<std::string> ContainerEpc(std::string_view container, const IdOptions& options);
// The URI of a location of the site (readPoint, bizLocation). kInvalidArgument
// "bad_location" for a code that cannot be an AI 254 extension (with a site GLN: not 1-20
// characters of CSET 82, or "0", which TDS reserves for "no extension") nor a URN part
// (without: empty, over 64 characters, or bytes outside printable ASCII).
StatusOr<std::string> LocationUri(std::string_view location, const IdOptions& options);

// The bizTransaction URI of one of the site's bills of lading (CBV 2.0 section 8.5, a
// business transaction identifier issued by a party): "urn:epcglobal:cbv:bt:<site GLN>:<bol>"
// with a site GLN, the private URN "urn:entrepot:<site>:bol:<bol>" without. kInvalidArgument
// "bad_bol" for a number that is empty, over 64 characters, or has bytes outside printable
// ASCII.
StatusOr<std::string> BillOfLadingUri(std::string_view bol, const IdOptions& options);

// What an EPC or location URI names, in Entrepôt's terms.
struct ParsedUri {
  enum class Kind {
    kInstance,   // A serialised unit: gtin and serial.
    kClass,      // A product class: gtin, and lot when it is an LGTIN.
    kContainer,  // container (canonical id).
    kLocation,   // gln (13 digits) and extension (empty: the whole location), or a private
                 // location URN: site and extension.
  };
  Kind kind = Kind::kInstance;
  std::string gtin;
  std::string lot;
  std::string serial;
  std::string container;
  std::string gln;
  std::string site;       // Private URNs only.
  std::string extension;  // AI 254 or the private location code.
};

// Reads an EPC URN (id, class, idpat), a GS1 Digital Link URI (any host, https or http) or
// one of Entrepôt's private URNs. Supported: SGTIN, LGTIN, the GTIN pattern, SSCC, GRAI (and
// its pattern), GIAI, SGLN; Digital Link keys 01 (with 10 and/or 21), 00, 8003, 8004, 414
// (with 254), a GTIN-8/12/13 being padded to 14 digits. The Digital Link query string and
// fragment are not part of the identifier and are ignored; a lot next to a serial is kept in
// `lot` but is not part of the instance's identity. An SGLN extension "0" (URN or AI 254)
// means the whole location. Errors, all kInvalidArgument with a message naming the
// problem: "unknown_uri_scheme" (not one of those forms, including other EPC schemes, tag
// URIs, and web URIs without a supported GS1 primary key), "bad_epc_uri" (the form is known
// but a part is malformed: bad or unescaped characters, an invalid %-escape, wrong digit
// counts, a value the GS1 syntax dictionary refuses, an unsupported key qualifier),
// "bad_check_digit" (a Digital Link key whose check digit is wrong), "uri_too_long" (over
// kMaxUriBytes).
inline constexpr size_t kMaxUriBytes = 1024;
StatusOr<ParsedUri> ParseUri(std::string_view uri);

// The form of `parsed` as a URI in the form of `options` (ParseUri's inverse). A GLN location
// is written with parsed.gln (not options.site_gln); private URNs use parsed.site, or
// options.site_code when it is empty. Errors: those of InstanceEpc, ClassEpc, ContainerEpc
// and LocationUri for the kind, and "bad_gln" for a location GLN that is not valid.
StatusOr<std::string> FormatUri(const ParsedUri& parsed, const IdOptions& options);

// The form used to compare and index URIs: the Digital Link URI of a GS1 identifier (with
// kDigitalLinkBase), the private URN of the others, and `uri` unchanged when ParseUri
// cannot read it (a partner's own scheme).
std::string NormalizeUri(std::string_view uri);

}  // namespace entrepot::epcis
