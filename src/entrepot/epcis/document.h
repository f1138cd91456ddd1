// File: document.h
//
// EPCIS 2.0 documents (JSON-LD): the EPCISDocument that carries events between partners
// (export, capture) and the EPCISQueryDocument that answers a query. Pure: the caller gives
// the creation time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::epcis {

// The JSON-LD context of every document Entrepôt writes.
inline constexpr std::string_view kEpcisContext =
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

// An EPCISDocument of `events`, created at `created_ms` (Unix ms, UTC).
nlohmann::json MakeEpcisDocument(std::vector<nlohmann::json> events, int64_t created_ms);

// An EPCISQueryDocument answering the query named `query_name` with `events`.
nlohmann::json MakeQueryDocument(std::vector<nlohmann::json> events, std::string_view query_name,
                                 int64_t created_ms);

// Formats Unix milliseconds as an EPCIS date-time in UTC: "2026-11-28T11:33:50.123Z".
std::string FormatEpcisTime(int64_t unix_ms);
// Reads an EPCIS (xsd:dateTime) date-time with an offset or "Z" to Unix milliseconds.
// kInvalidArgument "bad_time" otherwise.
StatusOr<int64_t> ParseEpcisTime(std::string_view text);

}  // namespace entrepot::epcis
