// File: putaway.h
//
// Directed putaway: the bin the stow prompt proposes for a unit, chosen by rules over the
// current SiteState. The proposal is advice: the worker may stow anywhere the stow scan
// accepts, and the bin actually scanned is where the unit goes.
//
// Rules, in order (each skips bins flagged for a count, and bins without room for the unit):
//   0. a pick face of the product below its replenishment min ("refill", replenishment.h);
//   1. a stow bin or pick face already holding the product ("same_product"), to keep a
//      product together (the one holding the most of it, then the first in walk order);
//   2. an empty stow bin in the product's home zone ("home_zone"), first in walk order;
//   3. an empty stow bin in any zone ("free_bin"), zones and bins in code order.
// Walk order is location-code order, as for picking. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "entrepot/core/site_state.h"

namespace entrepot::core {

enum class PutawayRule : uint8_t { kRefill, kSameProduct, kHomeZone, kFreeBin };
// "refill", "same_product", "home_zone", "free_bin".
std::string_view PutawayRuleName(PutawayRule rule);

struct PutawayProposal {
  std::string location;  // Location code.
  PutawayRule rule = PutawayRule::kFreeBin;
  friend bool operator==(const PutawayProposal&, const PutawayProposal&) = default;
};

// The bin to propose for `units` units of product `gtin`; nullopt when no bin qualifies.
std::optional<PutawayProposal> ProposeBin(const SiteState& state, const std::string& gtin,
                                          int64_t units = 1);

}  // namespace entrepot::core
