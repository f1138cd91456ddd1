#include "entrepot/core/replenishment.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace entrepot::core {
namespace {

struct Candidate {
  const std::string* location;
  domain::ItemKey item;
  uint64_t arrival;
  int64_t free;
};

// The reserve stock of `gtin` that no pick task holds, in the order release takes stock.
std::vector<Candidate> ReserveStock(const SiteState& state, const std::string& gtin) {
  std::vector<Candidate> candidates;
  const std::map<std::string, int64_t>* bins = state.BinsHolding(gtin);
  if (bins == nullptr) {
    return candidates;
  }
  for (const auto& entry : *bins) {
    const std::string& code = entry.first;  // Named: clang 14 lambdas cannot capture bindings.
    const LocationState* bin = state.FindLocation(code);
    if (bin->location.type != domain::LocationType::kStowBin || !bin->flag.empty()) {
      continue;
    }
    const domain::Holder holder = domain::Holder::AtLocation(code);
    state.VisitLines(holder, gtin, [&](const domain::ItemKey& item, int64_t quantity) {
      int64_t free = quantity - state.orders().AllocatedAt(code, item);
      if (free > 0) {
        const StockLine& line = state.stock().at(StockKey{holder, item});
        candidates.push_back(Candidate{&code, item, line.arrival, free});
      }
      return false;
    });
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::make_tuple(a.item.expiry.empty(), std::cref(a.item.expiry), a.arrival,
                           std::cref(*a.location)) <
           std::make_tuple(b.item.expiry.empty(), std::cref(b.item.expiry), b.arrival,
                           std::cref(*b.location));
  });
  return candidates;
}

}  // namespace

int64_t PickFaceUnits(const SiteState& state, const std::string& face) {
  auto levels = state.orders().pick_faces().find(face);
  if (levels == state.orders().pick_faces().end()) {
    return -1;
  }
  const std::map<std::string, int64_t>* bins = state.BinsHolding(levels->second.gtin);
  if (bins == nullptr) {
    return 0;
  }
  auto held = bins->find(face);
  return held == bins->end() ? 0 : held->second;
}

std::vector<ReplenishmentTask> PlanReplenishment(const SiteState& state, const std::string& after,
                                                 size_t limit, bool* more) {
  std::vector<ReplenishmentTask> tasks;
  if (more != nullptr) {
    *more = false;
  }
  const auto& faces = state.orders().pick_faces();
  for (auto it = faces.upper_bound(after); it != faces.end(); ++it) {
    const auto& [code, levels] = *it;
    const int64_t on_hand = PickFaceUnits(state, code);
    if (on_hand >= levels.min) {
      continue;
    }
    if (tasks.size() == limit) {
      if (more != nullptr) {
        *more = true;
      }
      break;
    }
    ReplenishmentTask task{code,       levels.gtin,          on_hand, levels.min,
                           levels.max, levels.max - on_hand, {},      0};
    int64_t wanted = task.quantity;
    for (const Candidate& candidate : ReserveStock(state, levels.gtin)) {
      if (wanted == 0) {
        break;
      }
      const int64_t take = std::min(wanted, candidate.free);
      task.sources.push_back(ReplenishmentSource{*candidate.location, candidate.item, take});
      wanted -= take;
    }
    task.missing = wanted;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace entrepot::core
