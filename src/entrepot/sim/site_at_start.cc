// ReadSiteAtStart(): a site's state as the floor model's starting belief (site_at_start.h).
#include "entrepot/sim/site_at_start.h"

#include "entrepot/core/order_book.h"

namespace entrepot::sim {

SiteAtStart ReadSiteAtStart(const core::SiteState& state) {
  SiteAtStart site;
  for (const auto& [key, line] : state.stock()) {
    const domain::ItemKey& item = key.item;
    site.stock[key.holder.id][{item.gtin, item.lot, ModelExpiry(item.expiry)}] += line.units;
  }
  for (const auto& [id, order] : state.orders().orders()) {
    core::OrderStatus status = order.Status();
    if (status == core::OrderStatus::kShipped || status == core::OrderStatus::kDelivered ||
        status == core::OrderStatus::kCancelled)
      continue;
    OrderBelief& belief = site.open_orders[id];
    belief.carrier = order.carrier;
    belief.cutoff_ms = order.cutoff_ms;
    for (const core::OrderLineState& line : order.lines) {
      belief.lines.push_back({line.gtin, static_cast<int32_t>(line.quantity)});
      belief.units += line.quantity;
      belief.picked += line.picked;
      belief.packed += line.packed;
      belief.shipped += line.shipped;
    }
    if (status == core::OrderStatus::kPicked && !order.tote.empty()) {
      site.totes_to_pack.emplace_back(id, order.tote);
    }
    for (const auto& [parcel, units] : order.parcels) {
      if (!order.shipped_parcels.contains(parcel))
        site.parcels_to_ship.emplace_back(id, parcel);
    }
  }
  for (const auto& [id, container] : state.containers()) {
    bool holds_units = !state.StockIn({domain::Holder::Kind::kContainer, id}).empty();
    if (container.type == domain::ContainerType::kTote &&
        (holds_units || state.orders().OrderOfTote(id) != nullptr)) {
      site.totes_in_use.insert(id);
    }
    if (container.type == domain::ContainerType::kPallet && holds_units && !container.shipped) {
      site.pallets_to_stow.push_back(id);
    }
  }
  return site;
}

}  // namespace entrepot::sim
