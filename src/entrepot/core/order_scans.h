// File: order_scans.h
//
// The scanner modes' order checks (site.cc calls them from its mode handlers): directed
// picking of a batch, the pack check of each unit against its order, and the door check of
// sorting and shipping. Each mistake is caught at the scan that makes it: a tote that is not
// free, a bin without work, a wrong unit, an empty bin (reported short), a unit that is not
// on the order or is one too many, a parcel at another carrier's door.
//
// Directed pick sequence (a device that holds a batch, orders.h AssignBatch):
//   one empty tote per order of the batch, in the batch's order   -> ToteAssigned
//   then, in walk order: bin, its units, next bin, ...            -> UnitsMoved + TaskProgressed
//   the same bin scanned again while units remain there: they are
//   missing; reported short, the bin flagged for a count (IND-01:
//   the bin, never the person)                                    -> TaskProgressed,
//   LocationFlagged
// Pure, like site.h: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "entrepot/core/events.h"
#include "entrepot/core/scan_code.h"
#include "entrepot/core/site_state.h"

namespace entrepot::core {

// Decides a pick-mode scan of a device holding `batch`. Changes `device` (its source bin and
// target tote) and appends events.
Reply DecideDirectedPick(const SiteState& state, const std::string& batch,
                         const ScannedCode& scanned, DeviceState& device,
                         std::vector<Event>& events);

// Pack: when `tote` carries an order, checks that one more unit of `line` (after the
// `pending` ones) belongs to it. Returns the refusal, or nullopt when it may be packed.
std::optional<Reply> CheckPackedUnit(const SiteState& state, const std::string& tote,
                                     const std::vector<domain::ItemKey>& pending,
                                     const domain::ItemKey& line);
// Pack: the OrderPacked events of a parcel filled from `tote` (none when it carries no order).
void AppendOrderPacked(const SiteState& state, const std::string& tote, const std::string& parcel,
                       const std::vector<domain::ItemKey>& pending, std::vector<Event>& events);

// Sort and ship: when `container` is an order's parcel whose carrier has doors, checks that
// `door` is one of them. Returns the refusal, or nullopt.
std::optional<Reply> CheckCarrierDoor(const SiteState& state, const std::string& container,
                                      const std::string& door);

}  // namespace entrepot::core
