// File: epcis_test_documents.h
//
// EPCIS documents for the repository's tests (epcis_repository_test.cc,
// epcis_postgres_test.cc): test-only, header-only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "entrepot/core/site_test_util.h"
#include "entrepot/epcis/document.h"

namespace entrepot::server::epcis_testing {

// An EPCISDocument of `events`.
inline nlohmann::json Document(
    const std::vector<nlohmann::json>& events,
    const nlohmann::json& context = nlohmann::json::array({std::string(epcis::kEpcisContext)})) {
  return {{"@context", context},
          {"type", "EPCISDocument"},
          {"schemaVersion", "2.0"},
          {"creationDate", "2026-11-28T08:00:00Z"},
          {"epcisBody", {{"eventList", events}}}};
}

// A valid ObjectEvent: serial `n` of one GTIN received at second `n` after
// core::testing::kStart.
inline nlohmann::json Receipt(int n, const std::string& step = "receiving") {
  return {{"eventID", "urn:uuid:00000000-0000-4000-8000-" + std::to_string(100'000'000'000 + n)},
          {"type", "ObjectEvent"},
          {"eventTime", epcis::FormatEpcisTime(core::testing::kStart + n * 1000)},
          {"eventTimeZoneOffset", "+00:00"},
          {"action", "OBSERVE"},
          {"bizStep", step},
          {"epcList", {"urn:epc:id:sgtin:0614141.107346.S" + std::to_string(n)}}};
}

}  // namespace entrepot::server::epcis_testing
