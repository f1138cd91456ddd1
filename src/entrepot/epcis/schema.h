// File: schema.h
//
// Validation of EPCIS 2.0 documents against GS1's official EPCIS JSON Schema
// (data/epcis/EPCIS-JSON-Schema.json, draft-07), embedded at build time. Pure: no I/O.
//
// The validator is valijson 1.0. Two of its bugs are worked around by rewriting the schema
// when it is loaded (schema.cc says how), with these consequences, which python's
// jsonschema (Draft7Validator, no format checker) shares: "propertyNames" constraints and
// the "uri" format are not checked (a misspelt field is an unknown extension, not a
// violation); date-times are checked against RFC 3339's syntax, without the number of days
// of each month.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::epcis {

// One schema violation: where (a JSON pointer into the document) and what.
struct SchemaViolation {
  std::string pointer;  // "/epcisBody/eventList/3/action"
  std::string message;
};

// At most this many violations are reported for one document.
inline constexpr size_t kMaxViolations = 100;
// Limits checked before the schema (each a violation at the offending pointer): no string
// or property name longer than kMaxStringBytes, no time, schemaVersion or hexBinaryValue
// longer than kMaxPatternedStringBytes, no nesting deeper than kMaxDepth. EPCIS identifiers
// and values are far shorter; the limits bound validation's recursion (its regular
// expressions recurse once per character), so that it fits a 1 MiB thread stack.
inline constexpr size_t kMaxStringBytes = 16 * 1024;
inline constexpr size_t kMaxPatternedStringBytes = 1024;
inline constexpr int kMaxDepth = 64;

// The violations of `document` against the EPCIS JSON Schema; empty when it is valid.
// Thread-safe: the schema is parsed once.
std::vector<SchemaViolation> ValidateEpcisDocument(const nlohmann::json& document);

// The violations of one event (an element of eventList), checked as the only event of an
// EPCISDocument; pointers are relative to the event ("/action").
std::vector<SchemaViolation> ValidateEpcisEvent(const nlohmann::json& event);

// Returns OK, or kInvalidArgument "schema_violation" whose message lists the first
// violations (pointer: message). kInternal "schema_unavailable" if the embedded schema
// cannot be loaded (a build defect; ValidateEpcisDocument then reports it as a violation at
// pointer "").
Status CheckEpcisDocument(const nlohmann::json& document);

}  // namespace entrepot::epcis
