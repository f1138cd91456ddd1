#include "entrepot/core/scan_code.h"

#include <string>

#include "entrepot/core/site_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

TEST(InterpretCodeTest, LocationLabelGivesLocationCode) {
  StatusOr<ScannedCode> scanned = InterpretCode(testing::LocationLabel("A-01-001-1-1"), 2026);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  EXPECT_EQ(scanned->kind, ScannedCode::Kind::kLocation);
  EXPECT_EQ(scanned->id, "A-01-001-1-1");
}

TEST(InterpretCodeTest, ContainerLabelGivesLabelId) {
  StatusOr<ScannedCode> scanned = InterpretCode(testing::ContainerLabel("T00042"), 2026);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->kind, ScannedCode::Kind::kContainer);
  EXPECT_EQ(scanned->id, "label:T00042");
}

TEST(InterpretCodeTest, SsccGivesParcelContainer) {
  StatusOr<ScannedCode> scanned = InterpretCode("(00)095060000000000015", 2026);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->kind, ScannedCode::Kind::kContainer);
  EXPECT_EQ(scanned->id, "sscc:095060000000000015");
  EXPECT_EQ(scanned->container_type, domain::ContainerType::kParcel);
}

TEST(InterpretCodeTest, GraiGivesCrateContainer) {
  StatusOr<ScannedCode> scanned = InterpretCode("(8003)09506000134352CRATE7", 2026);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  EXPECT_EQ(scanned->id, "grai:09506000134352CRATE7");
  EXPECT_EQ(scanned->container_type, domain::ContainerType::kCrate);
}

TEST(InterpretCodeTest, DataMatrixWithLotExpiryAndSerialGivesFullItemKey) {
  std::string code = std::string("]d2") + "0109506000134352" + "17270600" + "10LOT7\x1d" + "21SN-9";
  StatusOr<ScannedCode> scanned = InterpretCode(code, 2026);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  EXPECT_EQ(scanned->kind, ScannedCode::Kind::kItem);
  EXPECT_EQ(scanned->item.gtin, "09506000134352");
  EXPECT_EQ(scanned->item.lot, "LOT7");
  EXPECT_EQ(scanned->item.expiry, "2027-06-30");  // Day 00 is the month's last day.
  EXPECT_EQ(scanned->item.serial, "SN-9");
  EXPECT_EQ(scanned->quantity, 1);
}

TEST(InterpretCodeTest, PlainEan13IsNormalisedToGtin14) {
  StatusOr<ScannedCode> scanned = InterpretCode("9506000134352", 2026);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  EXPECT_EQ(scanned->item.gtin, "09506000134352");
}

TEST(InterpretCodeTest, VariableCountGivesQuantity) {
  StatusOr<ScannedCode> scanned = InterpretCode("(01)09506000134352(30)24", 2026);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->quantity, 24);
}

TEST(InterpretCodeTest, ItemDetailsAreFoundInAnyOrder) {
  StatusOr<ScannedCode> scanned =
      InterpretCode("(21)S-1(10)L7(17)270630(30)5(01)09506000134352", 2026);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  EXPECT_EQ(scanned->kind, ScannedCode::Kind::kItem);
  EXPECT_EQ(scanned->item.gtin, "09506000134352");
  EXPECT_EQ(scanned->item.lot, "L7");
  EXPECT_EQ(scanned->item.serial, "S-1");
  EXPECT_EQ(scanned->item.expiry, "2027-06-30");
  EXPECT_EQ(scanned->quantity, 5);
}

TEST(InterpretCodeTest, ZeroCountIsRefused) {
  const Status status = InterpretCode("(01)09506000134352(30)0", 2026).status();
  EXPECT_EQ(status.reason(), "bad_value");
  EXPECT_EQ(status.message(), "AI (30) count must be at least 1");
}

TEST(InterpretCodeTest, Gs1WithoutIdentifierIsRefused) {
  EXPECT_EQ(InterpretCode("(400)PO-12345", 2026).status().reason(), "no_identifier");
}

TEST(InterpretCodeTest, FreeTextIsUnknownCode) {
  EXPECT_EQ(InterpretCode("hello", 2026).status().reason(), "unknown_code");
}

TEST(InterpretCodeTest, BadCheckDigitKeepsItsReason) {
  EXPECT_EQ(InterpretCode("(01)09506000134353", 2026).status().reason(), "bad_check_digit");
}

}  // namespace
}  // namespace entrepot::core
