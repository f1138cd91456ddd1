// File: event_hash.h
//
// The canonical event id of an EPCIS event: the GS1 CBV 2.0 event hash
// ("ni:///sha-256;<64 hex>?ver=CBV2.0"), computed from the event's pre-hash string, in which
// the event's fields appear in a fixed order, identifiers in their canonical (Digital Link)
// form and times in UTC. Two systems that record the same event compute the same id, which
// is how partners deduplicate events. Pure: no I/O, no clock.
//
// The algorithm is CBV 2.0's "EPCIS Event Hash ID" as GS1's reference implementation
// (github.com/RalphTro/epcis-event-hash-generator, README "Calculation procedure" rules 1-24
// and its CBV 2.0 worked examples, which the tests reproduce byte for byte) computes it:
//  - "eventType=<type>", then the fields in the canonical property order: eventTime,
//    eventTimeZoneOffset, epcList, parentID, inputEPCList, childEPCs, quantityList,
//    childQuantityList, inputQuantityList, outputEPCList, outputQuantityList, action,
//    transformationID, bizStep, disposition, persistentDisposition (set, unset), readPoint,
//    bizLocation, bizTransactionList, sourceList, destinationList, sensorElementList
//    (without its own name in CBV 2.0; sensorMetadata then sensorReport fields in their
//    order), then every remaining element (ilmd, user extensions, extensions inside
//    readPoint/bizLocation/sensor elements under their parent's name), each as
//    key=value, sorted. Nothing separates the parts.
//  - A list writes its name once, then its elements sorted as strings ("epc=...",
//    "quantityElement" + "epcClass=..." + "quantity=..." + "uom=...", "type=<type>" +
//    "bizTransaction=<id>" for typed lists).
//  - Times in UTC with milliseconds ("2020-03-04T10:00:30.000Z"; digits beyond the
//    millisecond are truncated); eventTimeZoneOffset as written.
//  - CBV values in full Web URI form: bare JSON terms of bizStep, disposition,
//    persistentDisposition, business transaction, source/destination and sensor types, old
//    "urn:epcglobal:cbv:..." URNs and "cbv:"/"gs1:" compact IRIs all become
//    "https://ref.gs1.org/cbv/BizStep-receiving", ".../Disp-in_transit",
//    "https://ref.gs1.org/voc/Temperature"...
//  - EPC URIs (id, class, idpat) and GS1 Digital Link URIs in the constrained canonical
//    Digital Link form (CanonicalHashUri); other URIs unchanged.
//  - Numbers without trailing zeros ("1", not "1.0"); extension values that read as
//    numbers are written the same way.
//  - User extension keys as "{<namespace IRI>}<local name>", the namespace taken from the
//    JSON-LD context's prefixes (JsonLdPrefixes); a prefix that is not defined is left as
//    written ("ex:field").
//  - Left out: eventID, recordTime, errorDeclaration, certificationInfo, "@context", JSON-LD
//    comments ("comment", "rdfs:comment").
//
// Assumptions where the reference is silent or inconsistent between its versions (none
// affects the events Entrepôt writes): sensor "time" values are converted to UTC like every
// other time (rule 8); a bare sensorReport "component" becomes
// "https://ref.gs1.org/cbv/Comp-<term>"; "exception" and "uom" are written as they are;
// a string reads as a number only in plain decimal or exponent notation (no "inf", "nan",
// "1_000"). Pre-hash strings are those of CBV 2.0; CBV 2.1 differs only for sensor lists
// and extensions inside standard fields.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::epcis {

// JSON-LD prefix -> namespace IRI ("example" -> "https://ns.example.com/epcis/").
using JsonLdPrefixes = std::map<std::string, std::string, std::less<>>;

// The prefixes every EPCIS 2.0 document has through the standard context (gs1, cbv, epcis,
// cbvmda), plus those the objects of `context` (a document's or event's "@context": a
// string, an object or an array of both) define as strings. Anything else in `context` is
// ignored.
JsonLdPrefixes ContextPrefixes(const nlohmann::json& context);

// The pre-hash string of `event` (an EPCIS 2.0 JSON event object). Fields it does not know
// (user extensions) are included as the algorithm specifies; "eventID", "recordTime" and
// "errorDeclaration" are not. kInvalidArgument "bad_event" when `event` has no "type" or
// "eventTime", or a field of the wrong JSON type.
StatusOr<std::string> EventPreHashString(const nlohmann::json& event);
// The same with the prefixes of the document's "@context" (ContextPrefixes), for events that
// carry user extensions; an "@context" inside the event adds to them.
StatusOr<std::string> EventPreHashString(const nlohmann::json& event,
                                         const JsonLdPrefixes& prefixes);

// "ni:///sha-256;<hex of SHA-256(EventPreHashString(event))>?ver=CBV2.0".
StatusOr<std::string> CanonicalEventId(const nlohmann::json& event);
StatusOr<std::string> CanonicalEventId(const nlohmann::json& event, const JsonLdPrefixes& prefixes);

// "ni:///sha-256;<hex of SHA-256(pre_hash)>?ver=CBV2.0": the id of the event whose pre-hash
// string is `pre_hash`.
std::string EventIdOfPreHash(std::string_view pre_hash);

// Pieces of the pre-hash string, for code that writes it straight from the fields of events
// of a fixed shape instead of walking their JSON (EpcisMapper; its tests check that both
// ways give the same string). Both give what EventPreHashString writes after "<name>=" for
// the string `value` of a field of a standard event under the standard prefixes (compact
// IRI expanded, trimmed, rules 6, 14, 17 and 18 applied); empty when the field is not
// written.
std::string PreHashValue(std::string_view value);
// For a field whose bare terms are terms of the CBV vocabulary `vocabulary` ("BizStep-",
// "Disp-", "BTT-" or "SDT-"): bizStep, disposition, the type of a bizTransaction, source or
// destination (rule 16 too).
std::string PreHashTerm(std::string_view vocabulary, std::string_view value);

// The form of an identifier in the pre-hash string (rules 17-18): an EPC URI
// ("urn:epc:id:...", "urn:epc:class:lgtin:...", "urn:epc:idpat:...") as its canonical GS1
// Digital Link URI, a GS1 Digital Link URI on any host constrained to "https://id.gs1.org",
// without query string, short names or data attributes, and with only its finest key
// (a serial wins over a lot); anything else, including a Digital Link that does not parse,
// unchanged.
std::string CanonicalHashUri(std::string_view uri);

}  // namespace entrepot::epcis
