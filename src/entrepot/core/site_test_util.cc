#include "entrepot/core/site_test_util.h"

namespace entrepot::core::testing {

domain::Layout SmallLayout() {
  using domain::LocationType;
  domain::Layout layout;
  layout.site_code = "FR-TEST";
  layout.site_name = "Test site";
  layout.zones = {
      {"INB", "Inbound"}, {"A", "Stow A"}, {"P", "Pick"}, {"PACK", "Pack"}, {"OUT", "Outbound"}};
  auto location = [](std::string code, std::string zone, LocationType type, int64_t capacity) {
    domain::Location result;
    result.code = std::move(code);
    result.zone = std::move(zone);
    result.type = type;
    result.capacity_units = capacity;
    return result;
  };
  layout.locations = {
      location("DOCK-01", "INB", LocationType::kDock, 0),
      location("DOCK-02", "INB", LocationType::kDock, 0),
      location("A-01-001-1-1", "A", LocationType::kStowBin, 2),
      location("A-01-001-1-2", "A", LocationType::kStowBin, 0),
      location("P-01-001-1-1", "P", LocationType::kPickFace, 10),
      location("PACK-01", "PACK", LocationType::kPackStation, 0),
      location("DOOR-01", "OUT", LocationType::kOutboundDoor, 0),
  };
  layout.products = {{kKettle, "Kettle 1.7 L", "A"}, {kCable, "USB-C cable 2 m", "A"}};
  layout.containers = {{"label:T1", domain::ContainerType::kTote},
                       {"label:T2", domain::ContainerType::kTote},
                       {"label:K1", domain::ContainerType::kCart}};
  return layout;
}

}  // namespace entrepot::core::testing
