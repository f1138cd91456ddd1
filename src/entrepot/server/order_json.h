// File: order_json.h
//
// The JSON request bodies of the order routes (docs/API.md, "Orders") parsed into the order
// commands of core/orders.h: an order's terms (POST /api/v1/orders, PUT /api/v1/orders/{id}),
// a release, a carrier's doors, an expected receipt (ASN), a load, a delivery confirmation
// and a workload-plan request; and
// the field helpers they share. No I/O, no HTTP: the API handler calls these on its network
// thread, and `entrepot orders import` on each NDJSON line, so that one body means one thing
// wherever it arrives.
//
// Values are checked for their JSON type and form here; their meaning (an order id's
// characters, a quantity's bounds, a product in the master data) is checked by
// core::DecideOrder when the command is decided.
//
// Thread safety: every function is pure; any thread may call them at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/core/orders.h"
#include "entrepot/core/workload_plan.h"
#include "nlohmann/json.hpp"

namespace entrepot::server {

// Bytes of one order-route body: 500 lines of about 60 bytes fit many times over.
inline constexpr size_t kMaxOrderBodyBytes = size_t{256} << 10;

// Parses `body` as one JSON object whose fields appear once each and are all `allowed`. An
// empty (or all-whitespace) body is an empty object when `empty_ok`.
// Errors: kResourceExhausted "body_too_large" (over kMaxOrderBodyBytes); kInvalidArgument
// "bad_json" (not JSON, or not an object), "duplicate_field", "unknown_field" (the message
// lists the allowed fields).
StatusOr<nlohmann::json> ParseOrderObject(const std::string& body,
                                          std::initializer_list<std::string_view> allowed,
                                          bool empty_ok = false);

// kInvalidArgument "bad_field": field `name` must be `expected` ("a string", ...).
Status BadField(std::string_view name, std::string_view expected);

// The string field `name` of `object`; "bad_field" when absent or not a string.
StatusOr<std::string> StringField(const nlohmann::json& object, std::string_view name);

// The integer field `name` in [low, high], or `fallback` when absent and given; "bad_field"
// when absent without fallback, not an integer, or out of range.
StatusOr<int64_t> IntegerField(const nlohmann::json& object, std::string_view name, int64_t low,
                               int64_t high, std::optional<int64_t> fallback);

// The RFC 3339 time field `name` as Unix ms; "bad_field" when absent or not a string, and
// the errors of wire::ParseRfc3339Ms.
StatusOr<int64_t> TimeField(const nlohmann::json& object, std::string_view name);

// lines[`index`] of an order or receipt: {"gtin", "quantity"}. The GTIN is normalised to 14
// digits (core::NormalizeProductGtin's errors); the quantity is any JSON integer (its bounds
// are core's "bad_quantity"). Errors: "bad_field", "unknown_field".
StatusOr<core::OrderLineRequest> ParseOrderLine(const nlohmann::json& line, size_t index);

// The "lines" array of `object`: "bad_field" when absent or not an array, "too_many_lines"
// over core::kMaxOrderLines, and ParseOrderLine's errors.
StatusOr<std::vector<core::OrderLineRequest>> ParseOrderLines(const nlohmann::json& object);

// The terms of POST /api/v1/orders ({"id", "carrier", "cutoff", "priority", "lines"}) or,
// with `path_id`, of PUT /api/v1/orders/{id} (the same without "id"). "priority" is optional
// (0). Errors: those of ParseOrderObject, StringField, TimeField, IntegerField and
// ParseOrderLines.
StatusOr<core::OrderTerms> ParseOrderTerms(const std::string& body,
                                           std::optional<std::string> path_id);

// POST /api/v1/release: {"horizon", "max_orders", "orders_per_batch"}, all optional (an empty
// body too). Errors: ParseOrderObject's, "bad_field".
StatusOr<core::ReleaseOrders> ParseRelease(const std::string& body);

// PUT /api/v1/carriers/{code}: {"doors": [location codes]}. Errors: ParseOrderObject's,
// "bad_field", "too_many_doors" (over core::kMaxCarrierDoors).
StatusOr<core::DefineCarrier> ParseCarrier(const std::string& code, const std::string& body);

// POST /api/v1/receipts: {"id", "supplier", "expected" (optional), "lines", "containers"}; a
// container is "sscc:<18 digits>" or the 18 digits alone, check digit checked. Errors:
// ParseOrderObject's, "bad_field", "too_many_lines", "too_many_containers" (over
// core::kMaxReceiptContainers), domain::ValidateContainerId's.
StatusOr<core::ExpectReceipt> ParseReceipt(const std::string& body);

// POST /api/v1/loads: {"id" (the bill of lading number), "door", "carrier" (optional)},
// opened at `now_ms`. Errors: ParseOrderObject's, "bad_field".
StatusOr<core::OpenLoad> ParseLoad(const std::string& body, int64_t now_ms);

// POST /api/v1/deliveries: {"parcels": [container ids, or SSCCs as 18 digits], "by" (the
// partner that confirmed: a carrier code or GLN), "delivered" (RFC 3339, optional: `now_ms`)}.
// Errors: ParseOrderObject's, "bad_field", "too_many_parcels" (over
// core::kMaxDeliveryParcels), domain::ValidateContainerId's.
StatusOr<core::ConfirmDeliveries> ParseDeliveries(const std::string& body, int64_t now_ms);

// POST /api/v1/returns: {"id", "order", "location", "lines": [{"gtin", "quantity",
// "reason", "disposition": "restock"|"inspect"|"scrap"}]}. Errors: ParseOrderObject's,
// "bad_field", "unknown_field", "too_many_lines", core::NormalizeProductGtin's.
StatusOr<core::ReceiveReturn> ParseReturn(const std::string& body);

// PUT /api/v1/pick-faces/{code}: {"gtin", "min", "max"} ({"max": 0} alone removes the
// levels). Errors: ParseOrderObject's, "bad_field", core::NormalizeProductGtin's.
StatusOr<core::DefinePickFace> ParsePickFace(const std::string& code, const std::string& body);

// POST /api/v1/counts: {"locations": [codes]} or {"zone": "A"}. Errors: ParseOrderObject's,
// "bad_field", "too_many_locations" (over core::kMaxCountLocations).
StatusOr<core::RequestCounts> ParseCountRequest(const std::string& body);

// POST /api/v1/workload: {"hours" (1..48, default 8), "standards": {"pick","pack","ship"}
// (seconds per unit), "planned": {"<zone>": [staff per hour, ...]}}, all optional; the plan
// starts at `now_ms`. Errors: ParseOrderObject's, "bad_field".
StatusOr<core::WorkloadRequest> ParseWorkload(const std::string& body, int64_t now_ms);

// What a core::ConfirmDeliveries recorded, as POST /api/v1/deliveries and each entry of a
// capture's "deliveries" answer it: {"delivered": [parcels], "problems": [{"parcel",
// "reason"}], "seq"} with "seq" null when nothing was journaled (seq 0).
nlohmann::json DeliveryOutcomeJson(const core::OrderDecision& decision, uint64_t seq);

}  // namespace entrepot::server
