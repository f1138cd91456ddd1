// File: replenishment.h
//
// Replenishment of pick faces by min/max: a pick face with levels (DefinePickFace in
// orders.h) whose units of its product fall below `min` needs a move of `max - on hand`
// units from reserve stow bins. The tasks are derived from the state each time they are
// asked for, so they never go stale: a face refilled (by stowing into it, see putaway.h)
// drops off the list. Sources are taken as release takes stock: earliest expiry first,
// then the line that arrived first, then walk order, never flagged bins, never units that
// pick tasks hold. Pure: no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "entrepot/core/site_state.h"

namespace entrepot::core {

struct ReplenishmentSource {
  std::string location;  // A stow bin.
  domain::ItemKey item;
  int64_t units = 0;
  friend bool operator==(const ReplenishmentSource&, const ReplenishmentSource&) = default;
};

struct ReplenishmentTask {
  std::string face;
  std::string gtin;
  int64_t on_hand = 0;  // Units of the product in the face now.
  int64_t min = 0;
  int64_t max = 0;
  int64_t quantity = 0;                      // max - on_hand: the units to bring.
  std::vector<ReplenishmentSource> sources;  // Where to take them, in order.
  int64_t missing = 0;                       // Units no reserve bin has for it.
};

// The faces below their min whose code sorts after `after`, in location-code order, at most
// `limit` of them; *more (when given) tells whether further faces are below their min.
std::vector<ReplenishmentTask> PlanReplenishment(const SiteState& state,
                                                 const std::string& after = "",
                                                 size_t limit = SIZE_MAX, bool* more = nullptr);

// The units of `face`'s product it holds, or -1 when `face` has no levels.
int64_t PickFaceUnits(const SiteState& state, const std::string& face);

}  // namespace entrepot::core
