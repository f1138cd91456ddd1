// File: event_mapping.h
//
// EpcisMapper turns Entrepôt's committed journal entries into EPCIS 2.0 events (JSON-LD
// objects of the EPCIS JSON binding, without "@context"), in CBV 2.0 vocabulary:
//
//   receive  UnitsReceived            -> ObjectEvent OBSERVE, bizStep receiving
//   stow     UnitsMoved               -> ObjectEvent OBSERVE, bizStep storing
//   pick     UnitsMoved               -> ObjectEvent OBSERVE, bizStep picking
//   pack     UnitsMoved into a parcel -> AggregationEvent ADD, bizStep packing, parentID SSCC
//   move     ContainerMoved           -> ObjectEvent OBSERVE, bizStep transporting
//   ship     ContainerShipped         -> ObjectEvent OBSERVE, bizStep shipping
//   count    StockAdjusted, LocationCounted -> ObjectEvent OBSERVE, bizStep cycle_counting
//
// Rejected scans, device state and master data produce no event. Every event gets its
// canonical event id (event_hash.h), so the same entry always maps to the same eventID.
//
// In each event:
//  - What: a serialised unit is an instance EPC in epcList (childEPCs when packed); stock
//    without a serial is its class EPC with the quantity in quantityList (childQuantityList);
//    a container moved or shipped is its own EPC in epcList. The events of one entry that
//    share step, disposition and places are one EPCIS event.
//  - readPoint: where the scan happened: the location the units went to or came from
//    (the bin of a stow, pick or count, the door of a shipment), or else the location the
//    container involved is in (the dock of a pallet being received, the pack station of a
//    packed tote). Omitted when no location is known (a tote that was never placed).
//  - bizLocation: where the goods are after the event: the location, or the location of
//    the container they are in. None after shipping, for units found missing by a count,
//    and when the container is at no known location.
//  - disposition (CBV 2.0): receiving in_progress, storing sellable_not_accessible, picking
//    in_progress, packing in_progress, transporting in_progress, shipping in_transit;
//    cycle_counting sellable_not_accessible for units found (a surplus, or a serial found
//    in this bin) and unknown for units missing (a negative adjustment).
//  - eventTime: the scan's time (entry.at_ms), UTC, eventTimeZoneOffset "+00:00".
// A count that finds what the books say changes nothing and produces no event. A container
// shipped through a door while a load is open there (LoadOpened, core/orders.h OpenLoad)
// travels on that load: its shipping event lists the load's bill of lading in
// bizTransactionList (type "bol", identifiers.h BillOfLadingUri).
//
// The mapper is stateful only to know where containers are (bizLocation of what sits in a
// tote) and which load is open at each door: feed it every entry of the journal in seq
// order, from seq 1.
//
// Privacy (RET-01): no device id, idempotency key, scanned text, worker identity or
// pseudonym ever appears in the output; only what happened to the goods, where and when.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/core/events.h"
#include "entrepot/epcis/identifiers.h"

namespace entrepot::epcis {

class EpcisMapper {
 public:
  // REQUIRES: ValidateIdOptions(ids).ok().
  explicit EpcisMapper(IdOptions ids);

  // The EPCIS events of `entry` (empty for entries that are no business event), each with
  // "eventID", "type", "eventTime" (from entry.at_ms, UTC, milliseconds) and
  // "eventTimeZoneOffset" "+00:00". Errors only for identifiers that cannot be written
  // (kInvalidArgument from identifiers.h); the mapper's state then stays as it was.
  StatusOr<std::vector<nlohmann::json>> Map(const core::Entry& entry);

  // Follows `entry` as Map does, without producing its events: for the entries of the
  // journal that an export leaves out (outside its time range), which the mapper must still
  // see to know where containers are.
  void Skip(const core::Entry& entry);

  const IdOptions& ids() const { return ids_; }

 private:
  using Undo = std::vector<std::pair<std::string, std::optional<domain::Holder>>>;
  // Applies the container moves and shipments of `entry`; `undo` (if given) records how to
  // take them back. Also follows the loads opened and closed (order entries, never undone:
  // they map to no event, so their Map cannot fail).
  void FollowContainers(const core::Entry& entry, Undo* undo);

  // The location `holder` is at, through the containers it is in; nullopt when unknown.
  std::optional<std::string> LocationOf(const domain::Holder& holder) const;

  IdOptions ids_;
  // Container id -> the location it is in (directly or through other containers, resolved
  // when read). Shipped containers are forgotten.
  std::unordered_map<std::string, domain::Holder> container_holder_;
  // Door -> the bill of lading of the load open there.
  std::unordered_map<std::string, std::string> door_loads_;
};

}  // namespace entrepot::epcis
