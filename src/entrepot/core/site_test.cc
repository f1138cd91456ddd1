// Given/when/then tests of the sequencer's state machine: given a layout and earlier scans,
// when a scan arrives, then this outcome, these events and this stock.
#include "entrepot/core/site.h"

#include <map>
#include <string>
#include <vector>

#include "entrepot/core/site_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

using domain::Holder;
using domain::ItemKey;
using testing::ContainerLabel;
using testing::Item;
using testing::ItemWithLot;
using testing::ItemWithSerial;
using testing::kCable;
using testing::kKettle;
using testing::kPallet;
using testing::kParcel1;
using testing::kParcel2;
using testing::kUnknownGtin;
using testing::LocationLabel;
using testing::Sscc;

const Holder kDock = Holder::AtLocation("DOCK-01");
const Holder kBin = Holder::AtLocation("A-01-001-1-1");
const Holder kBigBin = Holder::AtLocation("A-01-001-1-2");
const Holder kTote = Holder::InContainer("label:T1");
const Holder kTote2 = Holder::InContainer("label:T2");

class SiteTest : public ::testing::Test {
 protected:
  SiteTest() { seq_ = site_.LoadLayout(testing::SmallLayout(), 1).size(); }

  // Scans `code` on device `device` in `mode`, `gap_ms` after the previous scan.
  Reply Scan(Mode mode, const std::string& code, int64_t gap_ms = 2000,
             const std::string& device = "HH-01") {
    now_ += gap_ms;
    ScanCommand command{"key-" + std::to_string(++keys_), device, mode, code, now_};
    Site::Execution execution = site_.Execute(command, ++seq_);
    EXPECT_EQ(execution.duplicate_of, 0u);
    events_ = execution.entry.events;
    return execution.entry.reply;
  }
  // Scans each code and expects each to be accepted.
  void ScanAll(Mode mode, const std::vector<std::string>& codes) {
    for (const std::string& code : codes) {
      Reply reply = Scan(mode, code);
      ASSERT_TRUE(IsAccepted(reply.outcome)) << code << ": " << reply.message;
    }
  }
  int64_t Quantity(const Holder& holder, const std::string& gtin) const {
    int64_t total = 0;
    site_.state().VisitLines(holder, gtin, [&total](const ItemKey&, int64_t quantity) {
      total += quantity;
      return false;
    });
    return total;
  }
  // Given: `count` kettles received into tote T1 at DOCK-01.
  void GivenKettlesInTote(int count) {
    ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), ContainerLabel("T1")});
    for (int i = 0; i < count; ++i) {
      ScanAll(Mode::kReceive, {Item(kKettle)});
    }
  }
  // Given: `count` kettles stowed in bin `bin` (via tote T1).
  void GivenKettlesInBin(int count, const std::string& bin) {
    GivenKettlesInTote(count);
    ScanAll(Mode::kStow, {ContainerLabel("T1")});
    for (int i = 0; i < count; ++i) {
      ScanAll(Mode::kStow, {Item(kKettle), LocationLabel(bin)});
    }
  }

  Site site_;
  uint64_t seq_ = 0;
  int keys_ = 0;
  int64_t now_ = testing::kStart;
  std::vector<Event> events_;
};

// --- receive -----------------------------------------------------------------------------

TEST_F(SiteTest, ReceiveAtDockThenItemAddsUnitAtDock) {
  EXPECT_EQ(Scan(Mode::kReceive, LocationLabel("DOCK-01")).outcome, Outcome::kOk);
  Reply reply = Scan(Mode::kReceive, Item(kKettle));
  EXPECT_EQ(reply.outcome, Outcome::kOk) << reply.message;
  EXPECT_EQ(Quantity(kDock, kKettle), 1);
  EXPECT_EQ(site_.state().counters().units_received, 1);
}

TEST_F(SiteTest, ReceiveItemBeforeDockIsNotExpected) {
  Reply reply = Scan(Mode::kReceive, Item(kKettle));
  EXPECT_EQ(reply.outcome, Outcome::kNotExpected);
  EXPECT_EQ(Quantity(kDock, kKettle), 0);
}

TEST_F(SiteTest, ReceiveAtStowBinReturnsWrongLocation) {
  EXPECT_EQ(Scan(Mode::kReceive, LocationLabel("A-01-001-1-1")).outcome, Outcome::kWrongLocation);
}

TEST_F(SiteTest, ReceiveIntoToteAtDockPlacesToteAtDock) {
  GivenKettlesInTote(2);
  EXPECT_EQ(Quantity(kTote, kKettle), 2);
  EXPECT_EQ(site_.state().LocationOf(kTote), "DOCK-01");
}

TEST_F(SiteTest, ReceiveNewSsccRegistersPallet) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Sscc(kPallet), Item(kCable)});
  const ContainerState* pallet = site_.state().FindContainer(std::string("sscc:") + kPallet);
  ASSERT_NE(pallet, nullptr);
  EXPECT_EQ(pallet->type, domain::ContainerType::kPallet);
  EXPECT_EQ(Quantity(Holder::InContainer(std::string("sscc:") + kPallet), kCable), 1);
}

TEST_F(SiteTest, ReceiveCountLabelAddsItsQuantity) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kCable) + "(30)12"});
  EXPECT_EQ(Quantity(kDock, kCable), 12);
}

TEST_F(SiteTest, ReceiveUnknownProductReturnsUnknownProduct) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01")});
  EXPECT_EQ(Scan(Mode::kReceive, Item(kUnknownGtin)).outcome, Outcome::kUnknownProduct);
}

TEST_F(SiteTest, ReceiveSerialAlreadyInStockReturnsDuplicate) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), ItemWithSerial(kKettle, "SN1")});
  Reply reply = Scan(Mode::kReceive, ItemWithSerial(kKettle, "SN1"));
  EXPECT_EQ(reply.outcome, Outcome::kDuplicate);
  EXPECT_EQ(Quantity(kDock, kKettle), 1);
}

TEST_F(SiteTest, ReceiveUnregisteredToteLabelReturnsUnknownContainer) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01")});
  EXPECT_EQ(Scan(Mode::kReceive, ContainerLabel("T999")).outcome, Outcome::kUnknownContainer);
}

// --- code errors -------------------------------------------------------------------------

TEST_F(SiteTest, BadGtinCheckDigitReturnsBadCheckDigit) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01")});
  Reply reply = Scan(Mode::kReceive, "(01)09506000134353");
  EXPECT_EQ(reply.outcome, Outcome::kBadCheckDigit);
  EXPECT_NE(reply.message.find("01"), std::string::npos) << reply.message;
}

TEST_F(SiteTest, BadLabelCheckCharacterReturnsBadCheckDigit) {
  std::string label = LocationLabel("DOCK-01");
  label.back() = label.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Scan(Mode::kReceive, label).outcome, Outcome::kBadCheckDigit);
}

TEST_F(SiteTest, UnknownLocationLabelReturnsUnknownLocation) {
  EXPECT_EQ(Scan(Mode::kReceive, LocationLabel("DOCK-99")).outcome, Outcome::kUnknownLocation);
}

TEST_F(SiteTest, TextThatIsNoBarcodeReturnsUnknownCode) {
  EXPECT_EQ(Scan(Mode::kReceive, "hello world").outcome, Outcome::kUnknownCode);
}

TEST_F(SiteTest, MalformedGs1ReturnsBadBarcode) {
  EXPECT_EQ(Scan(Mode::kReceive, "(17)261340(01)" + std::string(kKettle)).outcome,
            Outcome::kBadBarcode);
}

TEST_F(SiteTest, RejectedScanChangesNoStock) {
  GivenKettlesInTote(1);
  StockMap before = site_.state().stock();
  EXPECT_EQ(Scan(Mode::kStow, "(01)09506000134353").outcome, Outcome::kBadCheckDigit);
  EXPECT_EQ(Scan(Mode::kStow, LocationLabel("A-01-001-1-1")).outcome, Outcome::kNotExpected);
  EXPECT_EQ(site_.state().stock(), before);
}

// --- stow --------------------------------------------------------------------------------

TEST_F(SiteTest, StowItemThenBinMovesOneUnitFromToteToBin) {
  GivenKettlesInTote(2);
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kKettle)});
  Reply reply = Scan(Mode::kStow, LocationLabel("A-01-001-1-1"));
  EXPECT_EQ(reply.outcome, Outcome::kOk) << reply.message;
  EXPECT_EQ(Quantity(kTote, kKettle), 1);
  EXPECT_EQ(Quantity(kBin, kKettle), 1);
  EXPECT_EQ(site_.state().FindLocation("A-01-001-1-1")->units, 1);
}

TEST_F(SiteTest, StowIntoFullBinReturnsLocationFull) {
  GivenKettlesInBin(2, "A-01-001-1-1");
  ScanAll(Mode::kReceive, {ContainerLabel("T1"), Item(kCable)});
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kCable)});
  Reply reply = Scan(Mode::kStow, LocationLabel("A-01-001-1-1"));
  EXPECT_EQ(reply.outcome, Outcome::kLocationFull);
  EXPECT_NE(reply.message.find("2/2"), std::string::npos) << reply.message;
  EXPECT_EQ(Quantity(kTote, kCable), 1);
}

TEST_F(SiteTest, StowTooFastFlagsTheBinNotTheWorker) {
  GivenKettlesInTote(2);
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kKettle), LocationLabel("A-01-001-1-2")});
  Scan(Mode::kStow, Item(kKettle), 300);
  Reply reply = Scan(Mode::kStow, LocationLabel("A-01-001-1-2"), 300);
  EXPECT_EQ(reply.outcome, Outcome::kReverify);
  EXPECT_EQ(Quantity(kBigBin, kKettle), 2);  // The stow happened.
  EXPECT_EQ(site_.state().FindLocation("A-01-001-1-2")->flag, "stow_too_fast");
  // Rule IND-01: the only trace is the flag on the bin; no event names a person.
  bool flagged = false;
  for (const Event& event : events_) {
    if (const auto* flag = std::get_if<LocationFlagged>(&event)) {
      flagged = flag->location == "A-01-001-1-2";
    }
  }
  EXPECT_TRUE(flagged);
}

TEST_F(SiteTest, StowAtNormalPaceIsOk) {
  GivenKettlesInTote(2);
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kKettle), LocationLabel("A-01-001-1-2")});
  Scan(Mode::kStow, Item(kKettle), 600);
  EXPECT_EQ(Scan(Mode::kStow, LocationLabel("A-01-001-1-2"), 700).outcome, Outcome::kOk);
  EXPECT_TRUE(site_.state().FindLocation("A-01-001-1-2")->flag.empty());
}

TEST_F(SiteTest, StowItemNotInToteReturnsNotInStock) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kStow, {ContainerLabel("T1")});
  EXPECT_EQ(Scan(Mode::kStow, Item(kCable)).outcome, Outcome::kNotInStock);
}

TEST_F(SiteTest, StowBinBeforeItemIsNotExpected) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kStow, {ContainerLabel("T1")});
  EXPECT_EQ(Scan(Mode::kStow, LocationLabel("A-01-001-1-1")).outcome, Outcome::kNotExpected);
}

TEST_F(SiteTest, StowIntoDockReturnsWrongLocation) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kKettle)});
  EXPECT_EQ(Scan(Mode::kStow, LocationLabel("DOCK-02")).outcome, Outcome::kWrongLocation);
}

TEST_F(SiteTest, StowFromDockTakesLooseUnits) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kCable)});
  ScanAll(Mode::kStow, {LocationLabel("DOCK-01"), Item(kCable), LocationLabel("A-01-001-1-2")});
  EXPECT_EQ(Quantity(kDock, kCable), 0);
  EXPECT_EQ(Quantity(kBigBin, kCable), 1);
}

// --- pick --------------------------------------------------------------------------------

TEST_F(SiteTest, PickMovesUnitFromBinIntoTote) {
  GivenKettlesInBin(2, "A-01-001-1-2");
  ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel("A-01-001-1-2"), Item(kKettle)});
  EXPECT_EQ(Quantity(kBigBin, kKettle), 1);
  EXPECT_EQ(Quantity(kTote2, kKettle), 1);
}

TEST_F(SiteTest, PickItemNotInBinReturnsWrongLocation) {
  GivenKettlesInBin(1, "A-01-001-1-2");
  ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel("A-01-001-1-2")});
  EXPECT_EQ(Scan(Mode::kPick, Item(kCable)).outcome, Outcome::kWrongLocation);
}

TEST_F(SiteTest, PickWithoutToteIsNotExpected) {
  GivenKettlesInBin(1, "A-01-001-1-2");
  ScanAll(Mode::kPick, {LocationLabel("A-01-001-1-2")});
  EXPECT_EQ(Scan(Mode::kPick, Item(kKettle)).outcome, Outcome::kNotExpected);
}

TEST_F(SiteTest, PickByGtinTakesEarliestExpiryFirst) {
  // Lot A expires last, lot B first, and an undated lot C: key order is A, B, C; FEFO is B.
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kCable) + "(10)C",
                           ItemWithLot(kCable, "A", "271231"), ItemWithLot(kCable, "B", "270131")});
  ScanAll(Mode::kStow, {LocationLabel("DOCK-01")});
  ScanAll(Mode::kStow, {Item(kCable) + "(10)C", LocationLabel("A-01-001-1-2")});
  ScanAll(Mode::kStow, {ItemWithLot(kCable, "A", "271231"), LocationLabel("A-01-001-1-2")});
  ScanAll(Mode::kStow, {ItemWithLot(kCable, "B", "270131"), LocationLabel("A-01-001-1-2")});
  ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel("A-01-001-1-2"), Item(kCable)});
  EXPECT_EQ(site_.state().Quantity(kTote2, ItemKey{kCable, "B", "2027-01-31", ""}), 1);
  ScanAll(Mode::kPick, {Item(kCable)});
  EXPECT_EQ(site_.state().Quantity(kTote2, ItemKey{kCable, "A", "2027-12-31", ""}), 1);
  ScanAll(Mode::kPick, {Item(kCable)});
  EXPECT_EQ(site_.state().Quantity(kTote2, ItemKey{kCable, "C", "", ""}), 1);
}

// --- pack --------------------------------------------------------------------------------

TEST_F(SiteTest, PackItemsThenParcelLabelMovesUnitsIntoParcel) {
  GivenKettlesInTote(2);
  ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Item(kKettle)});
  EXPECT_EQ(Quantity(kTote, kKettle), 2);  // Nothing moves before the parcel label.
  Reply reply = Scan(Mode::kPack, Sscc(kParcel1));
  EXPECT_EQ(reply.outcome, Outcome::kOk) << reply.message;
  Holder parcel = Holder::InContainer(std::string("sscc:") + kParcel1);
  EXPECT_EQ(Quantity(parcel, kKettle), 2);
  EXPECT_EQ(Quantity(kTote, kKettle), 0);
  EXPECT_EQ(site_.state().FindContainer(parcel.id)->type, domain::ContainerType::kParcel);
  EXPECT_EQ(site_.state().LocationOf(parcel), "DOCK-01");
}

TEST_F(SiteTest, PackMoreUnitsThanToteHoldsReturnsNotInStock) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle)});
  EXPECT_EQ(Scan(Mode::kPack, Item(kKettle)).outcome, Outcome::kNotInStock);
}

TEST_F(SiteTest, PackUsedParcelLabelReturnsDuplicate) {
  GivenKettlesInTote(2);
  ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Sscc(kParcel1), Item(kKettle)});
  EXPECT_EQ(Scan(Mode::kPack, Sscc(kParcel1)).outcome, Outcome::kDuplicate);
  EXPECT_EQ(Quantity(kTote, kKettle), 1);
}

TEST_F(SiteTest, PackParcelLabelBeforeItemsIsNotExpected) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kPack, {ContainerLabel("T1")});
  EXPECT_EQ(Scan(Mode::kPack, Sscc(kParcel1)).outcome, Outcome::kNotExpected);
}

TEST_F(SiteTest, PackListIsBounded) {
  site_ = Site(SiteConfig{.pending_items_max = 1});
  seq_ = site_.LoadLayout(testing::SmallLayout(), 1).size();
  GivenKettlesInTote(2);
  ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle)});
  EXPECT_EQ(Scan(Mode::kPack, Item(kKettle)).outcome, Outcome::kTooManyItems);
}

// --- move and ship -----------------------------------------------------------------------

TEST_F(SiteTest, ToteMovedOntoCartTravelsWithTheCart) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kMove, {ContainerLabel("T1"), ContainerLabel("K1")});
  ScanAll(Mode::kMove, {ContainerLabel("K1"), LocationLabel("PACK-01")});
  EXPECT_EQ(site_.state().LocationOf(kTote), "PACK-01");
  EXPECT_EQ(Quantity(kTote, kKettle), 1);
}

TEST_F(SiteTest, MoveContainerIntoItselfReturnsContainerLoop) {
  ScanAll(Mode::kMove, {ContainerLabel("T1"), ContainerLabel("K1")});
  ScanAll(Mode::kMove, {ContainerLabel("K1")});
  EXPECT_EQ(Scan(Mode::kMove, ContainerLabel("T1")).outcome, Outcome::kContainerLoop);
}

TEST_F(SiteTest, MoveDestinationBeforeContainerIsNotExpected) {
  EXPECT_EQ(Scan(Mode::kMove, LocationLabel("PACK-01")).outcome, Outcome::kNotExpected);
}

TEST_F(SiteTest, ShipParcelRemovesItsUnitsFromStock) {
  GivenKettlesInTote(2);
  ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Item(kKettle), Sscc(kParcel1)});
  ScanAll(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
  EXPECT_TRUE(site_.state().stock().empty());
  EXPECT_EQ(site_.state().counters().units_shipped, 2);
  EXPECT_EQ(Scan(Mode::kShip, Sscc(kParcel1)).outcome, Outcome::kAlreadyShipped);
}

TEST_F(SiteTest, ShipThroughPackStationReturnsWrongLocation) {
  EXPECT_EQ(Scan(Mode::kShip, LocationLabel("PACK-01")).outcome, Outcome::kWrongLocation);
}

TEST_F(SiteTest, ShipLooseItemIsNotExpected) {
  ScanAll(Mode::kShip, {LocationLabel("DOOR-01")});
  EXPECT_EQ(Scan(Mode::kShip, Item(kKettle)).outcome, Outcome::kNotExpected);
}

TEST_F(SiteTest, ShipUnknownParcelReturnsUnknownContainer) {
  ScanAll(Mode::kShip, {LocationLabel("DOOR-01")});
  EXPECT_EQ(Scan(Mode::kShip, Sscc(kParcel2)).outcome, Outcome::kUnknownContainer);
}

// --- count -------------------------------------------------------------------------------

TEST_F(SiteTest, CountCorrectsMissingAndSurplusUnitsWithAdjustments) {
  GivenKettlesInBin(2, "A-01-001-1-2");
  ScanAll(Mode::kCount, {LocationLabel("A-01-001-1-2"), Item(kKettle), Item(kCable)});
  EXPECT_EQ(Quantity(kBigBin, kKettle), 2);  // Nothing changes before the count closes.
  Reply reply = Scan(Mode::kCount, LocationLabel("A-01-001-1-2"));
  EXPECT_EQ(reply.outcome, Outcome::kOk);
  EXPECT_EQ(Quantity(kBigBin, kKettle), 1);
  EXPECT_EQ(Quantity(kBigBin, kCable), 1);
  int adjustments = 0;
  for (const Event& event : events_) {
    adjustments += std::holds_alternative<StockAdjusted>(event) ? 1 : 0;
  }
  EXPECT_EQ(adjustments, 2);
  EXPECT_EQ(site_.state().counters().units_adjusted, 2);
}

TEST_F(SiteTest, CountClearsTheQualityFlag) {
  GivenKettlesInTote(2);
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kKettle), LocationLabel("A-01-001-1-2")});
  Scan(Mode::kStow, Item(kKettle), 100);
  Scan(Mode::kStow, LocationLabel("A-01-001-1-2"), 100);
  ASSERT_FALSE(site_.state().FindLocation("A-01-001-1-2")->flag.empty());
  ScanAll(Mode::kCount, {LocationLabel("A-01-001-1-2"), Item(kKettle), Item(kKettle),
                         LocationLabel("A-01-001-1-2")});
  EXPECT_TRUE(site_.state().FindLocation("A-01-001-1-2")->flag.empty());
  EXPECT_EQ(Quantity(kBigBin, kKettle), 2);
}

TEST_F(SiteTest, CountOtherBinWhileCountingIsNotExpected) {
  ScanAll(Mode::kCount, {LocationLabel("A-01-001-1-2")});
  EXPECT_EQ(Scan(Mode::kCount, LocationLabel("A-01-001-1-1")).outcome, Outcome::kNotExpected);
}

// --- idempotency and modes ---------------------------------------------------------------

TEST_F(SiteTest, RepeatedKeyReturnsEarlierEntryAndChangesNothing) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01")});
  ScanCommand command{"dev-1-77", "HH-01", Mode::kReceive, Item(kKettle), now_ + 1000};
  Site::Execution first = site_.Execute(command, ++seq_);
  ASSERT_EQ(first.duplicate_of, 0u);
  std::string before = site_.state().Encode();
  Site::Execution again = site_.Execute(command, seq_ + 1);
  EXPECT_EQ(again.duplicate_of, seq_);
  EXPECT_EQ(site_.state().Encode(), before);
  EXPECT_EQ(Quantity(kDock, kKettle), 1);
}

TEST_F(SiteTest, ForgottenKeysFallOutOfTheWindowOldestFirst) {
  site_ = Site(SiteConfig{.idempotency_window = 2});
  site_.RememberKey("a", 1, now_);
  site_.RememberKey("b", 2, now_ + 1);
  site_.RememberKey("c", 3, now_ + 2);
  ScanCommand command{"c", "HH-01", Mode::kReceive, "x", now_ + 10};
  EXPECT_EQ(site_.Execute(command, 4).duplicate_of, 3u);
  command.key = "a";  // Forgotten, but made after the forgotten scan: a new scan.
  EXPECT_EQ(site_.Execute(command, 4).duplicate_of, 0u);
}

TEST_F(SiteTest, UnknownKeyOlderThanTheForgottenScansIsRefusedAsTooOld) {
  site_ = Site(SiteConfig{.idempotency_window = 2});
  seq_ = site_.LoadLayout(testing::SmallLayout(), 1).size();
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01")});
  const int64_t first_scan_at = now_;
  ScanAll(Mode::kReceive, {Item(kKettle), Item(kKettle)});  // Forgets the dock scan's key.
  // A device replays, with a fresh key, a scan made back then: it may be a duplicate.
  ScanCommand replay{"offline-7", "HH-01", Mode::kReceive, Item(kKettle), first_scan_at};
  Site::Execution execution = site_.Execute(replay, ++seq_);
  EXPECT_EQ(execution.entry.reply.outcome, Outcome::kTooOld);
  EXPECT_TRUE(execution.entry.events.empty());
  EXPECT_EQ(Quantity(kDock, kKettle), 2);
}

TEST_F(SiteTest, SwitchingModeRestartsTheSequence) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kKettle)});
  ScanAll(Mode::kMove, {ContainerLabel("T1"), LocationLabel("PACK-01")});
  // Back in stow mode the pending item is gone: a bin is not expected now.
  EXPECT_EQ(Scan(Mode::kStow, LocationLabel("A-01-001-1-1")).outcome, Outcome::kNotExpected);
}

TEST_F(SiteTest, DevicesKeepSeparateSequences) {
  GivenKettlesInTote(1);
  ScanAll(Mode::kStow, {ContainerLabel("T1"), Item(kKettle)});
  EXPECT_EQ(Scan(Mode::kStow, LocationLabel("A-01-001-1-1"), 2000, "HH-02").outcome,
            Outcome::kNotExpected);
  EXPECT_EQ(Scan(Mode::kStow, LocationLabel("A-01-001-1-1")).outcome, Outcome::kOk);
}

TEST(CivilYearTest, MatchesKnownDates) {
  EXPECT_EQ(CivilYear(0), 1970);
  EXPECT_EQ(CivilYear(testing::kStart), 2026);
  EXPECT_EQ(CivilYear(946'684'800'000 - 1), 1999);  // 1999-12-31T23:59:59.999Z
  EXPECT_EQ(CivilYear(946'684'800'000), 2000);
  EXPECT_EQ(CivilYear(-1), 1969);
}

// The stock map's comparator is written field by field for speed: it must order keys exactly
// as StockKey's operator<=> does, or snapshots would list stock in another order.
TEST(StockKeyLessTest, OrdersKeysAsStockKeyComparisonDoes) {
  std::vector<StockKey> keys;
  for (const Holder& holder : {kDock, kBin, kBigBin, kTote, kTote2, Holder::AtLocation("A")}) {
    for (const char* gtin : {"", kKettle, kCable}) {
      for (const char* lot : {"", "L1", "L10", "L2"}) {
        for (const char* expiry : {"", "2027-06-30"}) {
          for (const char* serial : {"", "S1"}) {
            keys.push_back(StockKey{holder, ItemKey{gtin, lot, expiry, serial}});
          }
        }
      }
    }
  }
  const StockKeyLess less;
  for (const StockKey& a : keys) {
    for (const StockKey& b : keys) {
      ASSERT_EQ(less(a, b), a < b);
      ASSERT_EQ(less(StockKeyView{a.holder, a.item}, b), a < b);
    }
  }
}

}  // namespace
}  // namespace entrepot::core
