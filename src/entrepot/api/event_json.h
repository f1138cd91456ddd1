// File: event_json.h
//
// The operational JSON of one committed journal entry, as the live feed (GET /api/v1/events,
// JSON pages and Server-Sent Events) shows it to dashboards and integrations:
//
//   {"seq":42,"at":"2026-11-28T08:15:02.120Z","at_ms":1795853702120,"kind":"scan",
//    "mode":"stow","outcome":"ok","events":[{"type":"moved","item":{"gtin":"…"},
//    "quantity":1,"from":{"kind":"container","id":"label:T0001"},
//    "to":{"kind":"location","id":"A-01-012-3-1"}}]}
//
// "kind" is "scan", "master_data" or "order" (an order command: place, amend, cancel,
// release, assign, carrier). "mode" and "outcome" are present for scans only. Event types:
// received, moved, container_moved, shipped, adjusted, location_flagged, location_counted,
// site_defined, zone_defined, location_defined, product_defined, container_registered,
// order_placed, order_amended, order_cancelled, order_released, batch_assigned (without its
// device), tote_assigned, task_progressed, order_packed, carrier_defined (docs/API.md lists
// their fields).
//
// Privacy (rules RET-01, IND-01..03): the feed reaches dashboards, where a device and a time
// could be joined to a badge session and so to a person. An entry is therefore shown without
// its device, its idempotency key (which embeds the device in practice), the scanned code
// and reply text (a badge scanned by mistake would appear there), and without
// DeviceStateChanged events. An event type added to core/events.h later is left out until it
// is added here: the feed shows only what was reviewed.
#pragma once

#include <cstdint>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/core/events.h"
#include "nlohmann/json.hpp"

namespace entrepot::api {

// The feed's JSON for `entry`, committed as journal record `seq`.
nlohmann::json EntryEventJson(uint64_t seq, const core::Entry& entry);

// Decodes a journal record's payload (core::DecodeEntry) and renders it. Returns kDataLoss
// "bad_entry" when the payload does not decode.
StatusOr<nlohmann::json> EntryEventJson(uint64_t seq, std::string_view payload);

}  // namespace entrepot::api
