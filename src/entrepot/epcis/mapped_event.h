// File: mapped_event.h
//
// One EPCIS event as EpcisMapper writes it (event_mapping.h), and its JSON with its canonical
// event id (event_hash.h). The events of the mapper have a fixed shape, so the id's pre-hash
// string is written straight from their fields, in the canonical property order, instead of
// by walking their JSON as CanonicalEventId does: the follower maps every journal entry, and
// the generic walk was most of its mapping work. mapped_event_test checks on many generated
// events that both ways give the same id. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::epcis {

struct MappedEvent {
  std::string_view type = "ObjectEvent";  // Or "AggregationEvent".
  std::string_view action = "OBSERVE";
  std::string_view biz_step;     // A bare CBV term ("receiving").
  std::string_view disposition;  // A bare CBV term; empty: none.
  std::optional<std::string> read_point;
  std::optional<std::string> biz_location;
  std::string parent;                         // AggregationEvent only.
  std::string bill_of_lading;                 // Its URI; empty: none.
  std::vector<std::string> epcs;              // Instances and containers.
  std::map<std::string, int64_t> quantities;  // Class EPC -> units.
};

// The event's JSON: "type", "action", "bizStep", "disposition" (when set), "readPoint" and
// "bizLocation" ({"id": ...}, when set), "parentID" (AggregationEvent), the EPCs sorted in
// "epcList" ("childEPCs"; also when empty unless there are quantities), the quantities in
// "quantityList" ("childQuantityList", when any), a "bol" "bizTransactionList" (when set),
// "eventTime" `event_time` (FormatEpcisTime's form), "eventTimeZoneOffset" "+00:00", and
// "eventID", the canonical event id. Consumes the strings of `event`. Errors are those of
// CanonicalEventId: kInvalidArgument "bad_event" for a time outside the years 1-9999.
StatusOr<nlohmann::json> MappedEventJson(MappedEvent event, const std::string& event_time);

// The pre-hash string of that event (EventPreHashString of its JSON without "eventID");
// `event_time` as above, of a year 1-9999.
std::string MappedEventPreHash(const MappedEvent& event, std::string_view event_time);

}  // namespace entrepot::epcis
