// File: test_epcis.h
//
// EPCIS documents for the tests: the events a test builds or takes from an export, wrapped
// by epcis::MakeEpcisDocument as Entrepôt's own export wraps them.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "entrepot/epcis/document.h"
#include "nlohmann/json.hpp"

namespace entrepot::testing {

// 2026-11-28T08:00:00Z, the creation time of every test document.
inline constexpr int64_t kEpcisDocumentCreatedMs = 1'795'852'800'000;

// An EPCISDocument carrying `events` (in order), created at kEpcisDocumentCreatedMs.
inline nlohmann::json EpcisDocument(std::vector<nlohmann::json> events) {
  return epcis::MakeEpcisDocument(std::move(events), kEpcisDocumentCreatedMs);
}

}  // namespace entrepot::testing
