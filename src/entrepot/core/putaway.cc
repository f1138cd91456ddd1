#include "entrepot/core/putaway.h"

#include <set>

#include "entrepot/core/replenishment.h"

namespace entrepot::core {
namespace {

bool HasRoom(const LocationState& bin, int64_t units) {
  const int64_t capacity = bin.location.capacity_units;
  return bin.flag.empty() && (capacity == 0 || bin.units + units <= capacity);
}

// The first pick face of `gtin` below its min, with room (replenishment.h).
std::optional<PutawayProposal> Refill(const SiteState& state, const std::string& gtin,
                                      int64_t units) {
  for (const auto& [code, levels] : state.orders().pick_faces()) {
    if (levels.gtin != gtin || PickFaceUnits(state, code) >= levels.min) {
      continue;
    }
    const LocationState* face = state.FindLocation(code);
    if (face != nullptr && HasRoom(*face, units)) {
      return PutawayProposal{code, PutawayRule::kRefill};
    }
  }
  return std::nullopt;
}

// The bin holding the most of `gtin` with room, the first in code order on a tie: the bins
// come ranked so (SiteState::BinsMostHeldFirst), and the first with room is the one.
std::optional<PutawayProposal> SameProduct(const SiteState& state, const std::string& gtin,
                                           int64_t units) {
  const RankedBins* bins = state.BinsMostHeldFirst(gtin);
  if (bins == nullptr) {
    return std::nullopt;
  }
  for (const auto& [held, code] : *bins) {
    if (held <= 0) {
      break;  // Only a bin that holds some of the product qualifies.
    }
    const LocationState* bin = state.FindLocation(code);
    if (bin != nullptr && HasRoom(*bin, units)) {
      return PutawayProposal{code, PutawayRule::kSameProduct};
    }
  }
  return std::nullopt;
}

// The first empty stow bin of `zone` with room and no flag.
const std::string* FirstEmpty(const SiteState& state, const std::string& zone, int64_t units) {
  const std::set<std::string>* bins = state.EmptyStowBins(zone);
  if (bins == nullptr) {
    return nullptr;
  }
  for (const std::string& code : *bins) {
    const LocationState* bin = state.FindLocation(code);
    if (bin != nullptr && HasRoom(*bin, units)) {
      return &code;
    }
  }
  return nullptr;
}

}  // namespace

std::string_view PutawayRuleName(PutawayRule rule) {
  switch (rule) {
    case PutawayRule::kRefill:
      return "refill";
    case PutawayRule::kSameProduct:
      return "same_product";
    case PutawayRule::kHomeZone:
      return "home_zone";
    case PutawayRule::kFreeBin:
      return "free_bin";
  }
  return "free_bin";
}

std::optional<PutawayProposal> ProposeBin(const SiteState& state, const std::string& gtin,
                                          int64_t units) {
  if (std::optional<PutawayProposal> refill = Refill(state, gtin, units)) {
    return refill;
  }
  if (std::optional<PutawayProposal> same = SameProduct(state, gtin, units)) {
    return same;
  }
  const domain::Product* product = state.FindProduct(gtin);
  if (product != nullptr && !product->home_zone.empty()) {
    if (const std::string* bin = FirstEmpty(state, product->home_zone, units)) {
      return PutawayProposal{*bin, PutawayRule::kHomeZone};
    }
  }
  for (const auto& [zone, definition] : state.zones()) {
    if (const std::string* bin = FirstEmpty(state, zone, units)) {
      return PutawayProposal{*bin, PutawayRule::kFreeBin};
    }
  }
  return std::nullopt;
}

}  // namespace entrepot::core
