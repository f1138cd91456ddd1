#include "entrepot/core/site_test_util.h"

#include <utility>

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

SiteFixture::SiteFixture(const domain::Layout& layout) {
  seq_ = site_.LoadLayout(layout, 1).size();
}

Reply SiteFixture::Scan(Mode mode, const std::string& code, const std::string& device) {
  now_ += 2000;
  ScanCommand command{"key-" + std::to_string(++keys_), device, mode, code, now_};
  return site_.Execute(command, ++seq_).entry.reply;
}

void SiteFixture::ScanAll(Mode mode, const std::vector<std::string>& codes,
                          const std::string& device) {
  for (const std::string& code : codes) {
    Reply reply = Scan(mode, code, device);
    ASSERT_TRUE(IsAccepted(reply.outcome)) << code << ": " << reply.message;
  }
}

StatusOr<OrderDecision> SiteFixture::Order(const OrderCommand& command) {
  StatusOr<Site::OrderExecution> execution = site_.ExecuteOrder(command, ++seq_, now_);
  if (!execution.ok()) {
    return execution.status();
  }
  return std::move(execution->decision);
}

void SiteFixture::GivenStock(const std::string& item_code, int count, const std::string& bin) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01")});
  for (int i = 0; i < count; ++i) {
    ScanAll(Mode::kReceive, {item_code});
  }
  ScanAll(Mode::kStow, {LocationLabel("DOCK-01")});
  for (int i = 0; i < count; ++i) {
    ScanAll(Mode::kStow, {item_code, LocationLabel(bin)});
  }
}

}  // namespace entrepot::core::testing
