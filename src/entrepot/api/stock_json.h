// File: stock_json.h
//
// The JSON views of a site's stock, shared by `entrepot stock --json` and the HTTP API so the
// two always agree: a location's stock, a product's stock, a container (contents, nesting,
// where it is) and the site summary. Each function reads a core::SiteState and does no I/O.
//
// Ids may be given as typed (a location code, a GTIN, a canonical container id such as
// "label:T0001" or "sscc:…") or as scanned (a location or container label, an SSCC in any GS1
// form), as the CLI accepts them.
#pragma once

#include <string>

#include "entrepot/base/status.h"
#include "entrepot/core/site_state.h"
#include "nlohmann/json.hpp"

namespace entrepot::api {

// {"location","zone","type","capacity_units","units","flag","stock":[…],"containers":[…]}.
// Returns kNotFound "unknown_location" when the location is not in the layout.
StatusOr<nlohmann::json> LocationStockJson(const core::SiteState& state,
                                           const std::string& location);

// {"gtin","description","known","units","stock":[{…,"holder","location"}]}.
// Returns kInvalidArgument (from gs1::NormalizeGtin) when `gtin` is not a valid GTIN.
StatusOr<nlohmann::json> ProductStockJson(const core::SiteState& state, const std::string& gtin);

// {"container","type","shipped","location","in"?,"stock":[…],"containers":[…]} (children
// nested up to 16 levels). Returns kInvalidArgument "bad_container" when `container` is
// neither an id nor a container label or SSCC, kNotFound "unknown_container" when unknown.
StatusOr<nlohmann::json> ContainerStockJson(const core::SiteState& state,
                                            const std::string& container);

// The site summary: master-data counts, units on hand (by zone), counters, scans by outcome.
nlohmann::json SummaryJson(const core::SiteState& state);

// Serialises compactly (indent < 0) or indented; invalid UTF-8 is replaced, never thrown.
std::string DumpJson(const nlohmann::json& value, int indent = -1);

}  // namespace entrepot::api
