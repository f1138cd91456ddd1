// File: master_data_json.h
//
// The JSON side of master-data changes made while the site runs (core/master_data.h): the
// request bodies of `PUT /api/v1/{zones|locations|products|containers}/{id}` parsed into
// core::MasterDataChange, and the stored objects rendered back as JSON (the PUT response and
// the GET views of a zone, a location and a product). No I/O, no HTTP: the API handler calls
// these on its network thread and submits the change through Sequencer::SubmitMasterData.
//
// One object has one JSON form, so what a GET returns may be sent back as a PUT body:
//   zone       {"code":"B","name":"Stow B"}
//   location   {"code":"B-01-001-1-1","zone":"B","type":"stow_bin","capacity_units":40,
//               "aisle":1,"bay":1,"level":1,"position":1}
//   product    {"gtin":"09506000134352","description":"Kettle 1.7 L","home_zone":"A"}
//   container  {"id":"label:T00042","type":"tote"}
// PUT replaces every attribute: an optional field left out takes its layout default
// (capacity_units 0 = unlimited, coordinates 0 = not set, home_zone "" = none).
//
// Thread safety: every function is pure; any thread may call them at once.
#pragma once

#include <cstddef>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/core/master_data.h"
#include "entrepot/core/site_state.h"
#include "entrepot/engine/site_engine.h"
#include "nlohmann/json.hpp"

namespace entrepot::server {

// Bytes accepted in one master-data request body.
inline constexpr size_t kMaxMasterDataBodyBytes = size_t{16} << 10;

enum class MasterDataKind { kZone, kLocation, kProduct, kContainer };

// Parses the body of a PUT of one object. `id` is the path parameter, percent-decoded: a
// zone code, a location code, a GTIN (8, 12, 13 or 14 digits) or a container id or label
// ("label:T00042", "C.T00042.2", "sscc:…"). The body is a JSON object with the fields of the
// object's form above; the key field ("code", "gtin", "id") may be left out, and when given
// must name the same object as `id`.
// Required fields: zone "name"; location "zone", "type"; product "description"; container
// "type". Values are then checked by core::DecideMasterData on the sequencer thread.
// Errors (kInvalidArgument unless noted):
//   kResourceExhausted "body_too_large"  more than kMaxMasterDataBodyBytes;
//   "bad_json"          not JSON (or not UTF-8), or not an object;
//   "unknown_field"     a field the object does not have (the message lists those it has);
//   "duplicate_field"   a field given twice;
//   "missing_field"     a required field is absent;
//   "bad_field"         a field of the wrong JSON type (null included), or a number that is
//                       not an integer;
//   "bad_coordinate"    aisle, bay, level or position outside [0, 2147483647];
//   "bad_capacity"      capacity_units outside [0, domain::kMaxLocationCapacityUnits];
//   "unknown_location_type" / "unknown_container_type"  "type" is not one of the names;
//   "id_mismatch"       the body's key field names another object than the path;
//   and for `id`: "bad_gtin", "bad_check_digit" (products), the errors of
//   core::CanonicalContainerId (containers).
StatusOr<core::MasterDataChange> ParseMasterDataChange(MasterDataKind kind, std::string_view id,
                                                       std::string_view body);

// The object's JSON form (above).
nlohmann::json MasterDataObjectJson(const core::MasterDataChange& object);

// The response body of a PUT: {"outcome":"created"|"updated"|"unchanged", "seq": the journal
// entry of the change or null when unchanged, "<kind>": the object as stored}, where <kind>
// is "zone", "location", "product" or "container". The API answers 201 for "created", 200
// otherwise.
nlohmann::json MasterDataReplyJson(const engine::MasterDataReply& reply);

// GET views over the state; run them on the sequencer thread (Sequencer::SubmitQuery).
// {"zones":[zone, ...]} in code order (at most domain::kMaxLayoutZones).
nlohmann::json ZonesJson(const core::SiteState& state);
// The zone; kNotFound "unknown_zone" when it is not defined.
StatusOr<nlohmann::json> ZoneJson(const core::SiteState& state, std::string_view code);
// The location, by code or printed label ("L.A-01-001-1-1.X"); kNotFound "unknown_location".
// Its stock is at GET /api/v1/locations/{code}/stock.
StatusOr<nlohmann::json> LocationJson(const core::SiteState& state, std::string_view code);
// The product; "bad_gtin" / "bad_check_digit" for a malformed GTIN, kNotFound
// "unknown_product" when it is not in the master data.
StatusOr<nlohmann::json> ProductJson(const core::SiteState& state, std::string_view gtin);

}  // namespace entrepot::server
