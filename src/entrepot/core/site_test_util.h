// File: site_test_util.h
//
// A small example site, scan builders and a fixture that drives a Site, shared by the core
// tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/core/orders.h"
#include "entrepot/core/site.h"
#include "entrepot/domain/labels.h"
#include "entrepot/domain/model.h"
#include "gtest/gtest.h"

namespace entrepot::core::testing {

inline constexpr char kKettle[] = "09506000134352";
inline constexpr char kCable[] = "09506000134369";
inline constexpr char kUnknownGtin[] = "09506000134376";
inline constexpr char kParcel1[] = "095060000000000015";
inline constexpr char kParcel2[] = "095060000000000022";
inline constexpr char kPallet[] = "095060000000000039";

inline std::string LocationLabel(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}
inline std::string ContainerLabel(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kContainer, code);
}
inline std::string Item(const std::string& gtin) { return "(01)" + gtin; }
inline std::string ItemWithLot(const std::string& gtin, const std::string& lot,
                               const std::string& yymmdd) {
  return "(01)" + gtin + "(17)" + yymmdd + "(10)" + lot;
}
inline std::string ItemWithSerial(const std::string& gtin, const std::string& serial) {
  return "(01)" + gtin + "(21)" + serial;
}
inline std::string Sscc(const std::string& sscc) { return "(00)" + sscc; }

// Dock DOCK-01 and DOCK-02; bins A-01-001-1-1 (capacity 2) and A-01-001-1-2 (capacity 0:
// unlimited); pick face P-01-001-1-1; pack station PACK-01; door DOOR-01; totes T1, T2;
// cart K1; products kKettle and kCable.
domain::Layout SmallLayout();

inline constexpr int64_t kStart = 1'795'000'000'000;  // 2026-11-18, in ms.

// A fixture with a Site loaded with `layout`: scans from a device, each two seconds after
// the last with a fresh idempotency key, and order commands decided at the current time.
class SiteFixture : public ::testing::Test {
 protected:
  explicit SiteFixture(const domain::Layout& layout);

  Reply Scan(Mode mode, const std::string& code, const std::string& device = "HH-01");
  // Scans each code; a test failure when one is not accepted.
  void ScanAll(Mode mode, const std::vector<std::string>& codes,
               const std::string& device = "HH-01");
  // Decides `command` as the next journal entry.
  StatusOr<OrderDecision> Order(const OrderCommand& command);
  // Given: `count` units of `item_code` received at DOCK-01 and stowed into `bin`.
  void GivenStock(const std::string& item_code, int count, const std::string& bin);

  Site site_;
  uint64_t seq_ = 0;
  int keys_ = 0;
  int64_t now_ = kStart;
};

}  // namespace entrepot::core::testing
