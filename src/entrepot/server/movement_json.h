// File: movement_json.h
//
// The JSON views of the movement index (movement_index.h) for the HTTP API:
// GET /api/v1/units/{code}/history (HistoryJson) and GET /api/v1/flow (FlowJson). Pure
// functions of the values they are given; serialise with api::DumpJson (it replaces invalid
// UTF-8 instead of throwing). The shapes are the OpenAPI schemas MovementHistory and Flow.
//
// Privacy (rule RET-01): the views carry what a Movement carries, never a worker, a device
// or an idempotency key.
#pragma once

#include "entrepot/server/movement.h"
#include "nlohmann/json.hpp"

namespace entrepot::server {

// {"seq","position","at","at_ms","process","event","zone","location","from","to","gtin",
//  "lot","expiry","serial","container","quantity","reason"}. "position" is the cursor of
// this movement ("SEQ.ORD"); "at" is RFC 3339 UTC (null when at_ms is outside years
// 0000..9999, as in the event feed); "zone" and "location" are null when unknown; "from" / "to" are
// {"kind":"location"|"container","id":...} or null; unit fields are absent on container
// movements, "reason" unless adjusted.
nlohmann::json MovementJson(const Movement& movement);

// {"subject":{"kind","gtin"?,"lot"?,"serial"?,"container"?},"movements":[…],
//  "next": "SEQ.ORD" or null on the last page, "indexed_seq"}.
nlohmann::json HistoryJson(const HistoryPage& page);

// {"from","to" (RFC 3339 or null, as "at"),"from_ms","to_ms","window_ms","indexed_seq",
//  "flows":[{"zone","process","units","movements"}],
//  "totals":{"units","movements","by_zone":[{"zone","units","movements"}],
//            "by_process":[{"process","units","movements"}]}}; "zone" is null when unknown.
nlohmann::json FlowJson(const FlowReport& report);
// The buckets of MovementIndex::FlowSeries, oldest first: [{"from","from_ms","units",
// "movements","by_process":{"pick":units,...}}].
nlohmann::json FlowSeriesJson(const std::vector<FlowReport>& buckets);

}  // namespace entrepot::server
