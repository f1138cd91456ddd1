// File: epcis_query.h
//
// The pure parts of the EPCIS repository (epcis_repository.h):
//  - EventFacts: what the repository indexes of an EPCIS 2.0 event (type, times, action,
//    business step and disposition as CBV short names, readPoint and bizLocation, and every
//    identifier with its role), identifiers and locations compared in the form
//    epcis::NormalizeUri gives, so that an EPC URN and its GS1 Digital Link match;
//  - EventQuery: the query of GET /epcis/events, read from its query parameters (the EPCIS
//    2.0 SimpleEventQuery parameters a WMS needs), and the opaque page tokens that continue it;
//  - the JSON-LD namespaces of user extensions ("example:myField"), kept with each captured
//    event so that a query answers them with their meaning;
//  - CheckJsonDepth, which bounds the nesting of a body before anything recursive reads it.
// No I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::server {

// Where an identifier appears in an event. The MATCH_ query parameters select roles.
enum class EpcRole : uint8_t {
  kEpc = 0,          // epcList (ObjectEvent, TransactionEvent), childEPCs (AggregationEvent).
  kParent = 1,       // parentID.
  kInput = 2,        // inputEPCList (TransformationEvent).
  kOutput = 3,       // outputEPCList.
  kClass = 4,        // epcClass of quantityList and childQuantityList.
  kInputClass = 5,   // epcClass of inputQuantityList.
  kOutputClass = 6,  // epcClass of outputQuantityList.
};

// What the repository indexes of one event.
struct EventFacts {
  std::string type;  // "ObjectEvent", ...
  int64_t event_time_ms = 0;
  std::string action;        // "ADD", "OBSERVE", "DELETE"; "" when the event has none.
  std::string biz_step;      // NormalizeBizStep; "" when none.
  std::string disposition;   // NormalizeDisposition; "" when none.
  std::string read_point;    // epcis::NormalizeUri of readPoint.id; "" when none.
  std::string biz_location;  // epcis::NormalizeUri of bizLocation.id; "" when none.
  // Every identifier (epcis::NormalizeUri) with its role, each (role, uri) once.
  std::vector<std::pair<EpcRole, std::string>> epcs;
};

// The facts of `event`, an EPCIS 2.0 JSON event (normally one that passed the schema).
// Errors, kInvalidArgument: "bad_event" when it is not an object or has no string "type";
// "bad_event_time" when "eventTime" is missing or not a date-time with an offset.
StatusOr<EventFacts> DescribeEvent(const nlohmann::json& event);

// The CBV short name ("shipping") of a business step written as a short name, a CBV 2.0 Web
// URI ("https://ref.gs1.org/cbv/BizStep-shipping"), a compact IRI ("cbv:BizStep-shipping")
// or an EPCIS 1.x URN ("urn:epcglobal:cbv:bizstep:shipping"); any other value unchanged.
std::string NormalizeBizStep(std::string_view value);
// The same for a disposition ("Disp-", "urn:epcglobal:cbv:disp:").
std::string NormalizeDisposition(std::string_view value);

// GET /epcis/events paging: perPage default and bounds.
inline constexpr int64_t kDefaultPerPage = 30;
inline constexpr int64_t kMaxPerPage = 1000;
// Values of one query parameter (repeated, or separated by '|').
inline constexpr size_t kMaxQueryValues = 100;

// One identifier of a MATCH_ parameter: its normalised form, and whether it is a product
// pattern (an EPC "idpat" or a Digital Link with a GTIN alone), which also matches every
// instance and lot of that GTIN.
struct IdentifierMatch {
  std::string uri;
  bool prefix = false;
  friend bool operator==(const IdentifierMatch&, const IdentifierMatch&) = default;
};

// One MATCH_ parameter: an event matches when one of its identifiers in one of `roles`
// matches one of `values`.
struct EpcMatch {
  std::vector<EpcRole> roles;
  std::vector<IdentifierMatch> values;
};

// A query of the repository's events. Every filter present must hold (AND); the values of
// one filter are alternatives (OR). Empty vectors and nullopt mean no filter.
struct EventQuery {
  std::vector<std::string> event_types;
  std::optional<int64_t> ge_event_time_ms;
  std::optional<int64_t> lt_event_time_ms;
  std::optional<int64_t> ge_record_time_ms;
  std::optional<int64_t> lt_record_time_ms;
  std::vector<std::string> actions;
  std::vector<std::string> biz_steps;      // Normalised.
  std::vector<std::string> dispositions;   // Normalised.
  std::vector<std::string> read_points;    // Normalised URIs.
  std::vector<std::string> biz_locations;  // Normalised URIs.
  std::vector<EpcMatch> matches;
  int64_t per_page = kDefaultPerPage;
  // From nextPageToken: the page starts after this repository position; 0 from the start.
  uint64_t after_position = 0;

  // A digest of the filters (neither per_page nor the position), bound into page tokens so
  // that a token is only accepted with the query that produced it.
  uint64_t Fingerprint() const;
};

// Query parameters as (name, decoded value) pairs, in request order.
using QueryParameters = std::vector<std::pair<std::string, std::string>>;

// Reads the parameters of GET /epcis/events: eventType, GE_eventTime, LT_eventTime,
// GE_recordTime, LT_recordTime, EQ_action, EQ_bizStep, EQ_disposition, EQ_readPoint,
// EQ_bizLocation, MATCH_epc, MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, MATCH_anyEPC,
// MATCH_epcClass, MATCH_anyEPCClass, perPage, nextPageToken. A parameter may be repeated and
// its values separated by '|'. Parameters named "GS1-..." (the binding's headers, which some
// clients send as parameters) are ignored. Errors, all kInvalidArgument:
//  - "unknown_query_parameter" for any other name (a misspelt filter would silently widen
//    the answer);
//  - "bad_query_parameter" for an empty value, or a time or perPage given twice;
//  - "too_many_values" past kMaxQueryValues values for one parameter;
//  - "bad_time" for a time that is not an xsd:dateTime with an offset (a space where the
//    offset's '+' was is read as '+': query strings turn '+' into a space);
//  - "bad_per_page" unless perPage is an integer in 1..kMaxPerPage;
//  - "bad_page_token" for a nextPageToken that does not parse, or that another query made.
StatusOr<EventQuery> ParseEventQuery(const QueryParameters& parameters);

// The nextPageToken that continues `query` after `last_position`.
std::string FormatPageToken(const EventQuery& query, uint64_t last_position);

// The namespaces that `context` (a document's "@context": a string, an object, or an array
// of them) declares for user extensions, as an object {prefix: IRI}. Strings (standard
// contexts) and JSON-LD keywords ("@vocab", ...) are skipped; only string IRIs are kept.
nlohmann::json ContextNamespaces(const nlohmann::json& context);

// The entries of `namespaces` whose prefix `event` uses in a key ("example:myField"), at any
// depth: what a stored event keeps so that its extensions keep their meaning.
nlohmann::json NamespacesUsed(const nlohmann::json& event, const nlohmann::json& namespaces);

// Adds the namespaces of one event (`event_namespaces`) to those of a page. When a prefix is
// already bound to another IRI in the page, the event's keys with that prefix are rewritten
// as full IRIs (JSON-LD reads "http://ns.example.com/epcis/myField" as the same term), so
// that one @context serves every event of the page.
void MergeNamespaces(const nlohmann::json& event_namespaces, nlohmann::json& page_namespaces,
                     nlohmann::json& event);

// kInvalidArgument "too_deep" when JSON `text` nests arrays and objects deeper than
// `max_depth` (strings are skipped; the text need not be valid JSON). Iterative: it is what
// stands between a hostile body and recursive parsers and validators.
Status CheckJsonDepth(std::string_view text, size_t max_depth);

}  // namespace entrepot::server
