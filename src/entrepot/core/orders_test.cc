// Given/when/then tests of orders: reservation against available-to-promise, release by
// cut-off with FEFO allocation and shortages, amendments and cancellation, and the scanner
// flows that carry an order: directed pick, pack check, door check, ship.
#include "entrepot/core/orders.h"

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/core/cutoff_status.h"
#include "entrepot/core/site.h"
#include "entrepot/core/site_test_util.h"
#include "entrepot/core/workload_plan.h"
#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

using domain::Holder;
using testing::ContainerLabel;
using testing::Item;
using testing::ItemWithLot;
using testing::kCable;
using testing::kKettle;
using testing::kParcel1;
using testing::kParcel2;
using testing::LocationLabel;
using testing::Sscc;

constexpr char kBigBin[] = "A-01-001-1-2";
constexpr char kPickFace[] = "P-01-001-1-1";
constexpr int64_t kHour = 3'600'000;

// The small site plus a second door and more totes.
domain::Layout OrdersLayout() {
  domain::Layout layout = testing::SmallLayout();
  domain::Location door;
  door.code = "DOOR-02";
  door.zone = "OUT";
  door.type = domain::LocationType::kOutboundDoor;
  layout.locations.push_back(door);
  for (const char* tote : {"label:T3", "label:T4"}) {
    layout.containers.push_back({tote, domain::ContainerType::kTote});
  }
  return layout;
}

OrderTerms Terms(std::string id, int64_t cutoff_ms, std::vector<OrderLineRequest> lines,
                 int32_t priority = 0, std::string carrier = "DPD") {
  return OrderTerms{std::move(id), std::move(carrier), cutoff_ms, priority, std::move(lines)};
}

class OrdersTest : public testing::SiteFixture {
 protected:
  OrdersTest() : SiteFixture(OrdersLayout()) {}

  const OrderState& OrderNamed(const std::string& id) {
    const OrderState* order = site_.state().orders().FindOrder(id);
    EXPECT_NE(order, nullptr) << id;
    return *order;
  }
  int64_t Stock(const Holder& holder, const std::string& gtin) {
    int64_t total = 0;
    site_.state().VisitLines(holder, gtin, [&total](const domain::ItemKey&, int64_t units) {
      total += units;
      return false;
    });
    return total;
  }
  // Given: order `id` for `units` kettles picked, packed into kParcel1 and shipped at DOOR-01.
  void GivenShipped(const std::string& id, int units) {
    GivenStock(Item(kKettle), units, kBigBin);
    GivenReleasedAndTaken(id, units);
    ScanAll(Mode::kPick, {LocationLabel(kBigBin)});
    for (int i = 0; i < units; ++i) {
      ScanAll(Mode::kPick, {Item(kKettle)});
    }
    ScanAll(Mode::kPack, {ContainerLabel("T1")});
    for (int i = 0; i < units; ++i) {
      ScanAll(Mode::kPack, {Item(kKettle)});
    }
    ScanAll(Mode::kPack, {Sscc(kParcel1)});
    ScanAll(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
    ASSERT_EQ(OrderNamed(id).Status(), OrderStatus::kShipped);
  }
  static ReturnLine Returned(int64_t units, ReturnDisposition disposition,
                             std::string reason = "damaged") {
    return ReturnLine{kKettle, units, std::move(reason), disposition};
  }
  // Given: order `id` for `units` kettles released and its batch taken by HH-01 with tote T1.
  void GivenReleasedAndTaken(const std::string& id, int64_t units) {
    ASSERT_TRUE(Order(PlaceOrder{Terms(id, now_ + kHour, {{kKettle, units}})}).ok());
    ASSERT_TRUE(Order(ReleaseOrders{}).ok());
    ASSERT_TRUE(Order(AssignBatch{"HH-01"}).ok());
    ScanAll(Mode::kPick, {ContainerLabel("T1")});
  }
};

// --- reservation ---------------------------------------------------------------------------

TEST_F(OrdersTest, PlaceReservesOutOfAvailableToPromise) {
  GivenStock(Item(kKettle), 3, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 2}})}).ok());
  EXPECT_EQ(OrderNamed("O1").lines[0].reserved, 2);
  EXPECT_EQ(site_.state().orders().Available(kKettle), 1);
}

TEST_F(OrdersTest, SecondOrderCannotReserveTheSameUnits) {
  GivenStock(Item(kKettle), 3, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 2}})}).ok());
  StatusOr<OrderDecision> second = Order(PlaceOrder{Terms("O2", now_ + kHour, {{kKettle, 2}})});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(OrderNamed("O2").lines[0].reserved, 1);
  ASSERT_EQ(second->shortages.size(), 1u);
  EXPECT_EQ(second->shortages[0], (Shortage{"O2", kKettle, 1}));
  EXPECT_EQ(site_.state().orders().Available(kKettle), 0);
}

TEST_F(OrdersTest, UnitsAtTheDockAreNotAvailableToPromise) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle)});
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).ok());
  EXPECT_EQ(OrderNamed("O1").lines[0].reserved, 0);
}

TEST_F(OrdersTest, PlaceWithExistingIdReturnsAlreadyExists) {
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).ok());
  StatusOr<OrderDecision> again = Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})});
  EXPECT_EQ(again.status().reason(), "order_exists");
}

TEST_F(OrdersTest, PlaceWithBadTermsReturnsTheirReason) {
  const int64_t cutoff = now_ + kHour;
  EXPECT_EQ(Order(PlaceOrder{Terms("", cutoff, {{kKettle, 1}})}).status().reason(), "bad_order_id");
  EXPECT_EQ(Order(PlaceOrder{Terms("O 1", cutoff, {{kKettle, 1}})}).status().reason(),
            "bad_order_id");
  EXPECT_EQ(Order(PlaceOrder{Terms("O1", 0, {{kKettle, 1}})}).status().reason(), "bad_cutoff");
  EXPECT_EQ(Order(PlaceOrder{Terms("O1", cutoff, {})}).status().reason(), "no_lines");
  EXPECT_EQ(Order(PlaceOrder{Terms("O1", cutoff, {{kKettle, 0}})}).status().reason(),
            "bad_quantity");
  EXPECT_EQ(Order(PlaceOrder{Terms("O1", cutoff, {{kKettle, 1}, {kKettle, 2}})}).status().reason(),
            "duplicate_line");
  EXPECT_EQ(Order(PlaceOrder{Terms("O1", cutoff, {{"09506000134376", 1}})}).status().reason(),
            "unknown_product");
  EXPECT_EQ(Order(PlaceOrder{Terms("O1", cutoff, {{kKettle, 1}}, 101)}).status().reason(),
            "bad_priority");
  EXPECT_EQ(site_.state().orders().orders().size(), 0u);
}

// --- release -------------------------------------------------------------------------------

TEST_F(OrdersTest, ReleaseTakesEarliestCutoffThenHighestPriority) {
  GivenStock(Item(kKettle), 3, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("LATE", now_ + 3 * kHour, {{kKettle, 1}}, 100)}).ok());
  ASSERT_TRUE(Order(PlaceOrder{Terms("SOON-LOW", now_ + kHour, {{kKettle, 1}}, 1)}).ok());
  ASSERT_TRUE(Order(PlaceOrder{Terms("SOON-HIGH", now_ + kHour, {{kKettle, 1}}, 9)}).ok());
  StatusOr<OrderDecision> release = Order(ReleaseOrders{0, 2, 8});
  ASSERT_TRUE(release.ok()) << release.status().message();
  EXPECT_EQ(release->released, (std::vector<std::string>{"SOON-HIGH", "SOON-LOW"}));
  EXPECT_FALSE(OrderNamed("LATE").released);
}

TEST_F(OrdersTest, ReleaseHorizonLeavesLaterCutoffsOpen) {
  GivenStock(Item(kKettle), 2, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("SOON", now_ + kHour, {{kKettle, 1}})}).ok());
  ASSERT_TRUE(Order(PlaceOrder{Terms("LATE", now_ + 5 * kHour, {{kKettle, 1}})}).ok());
  StatusOr<OrderDecision> release = Order(ReleaseOrders{now_ + 2 * kHour, 100, 8});
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->released, (std::vector<std::string>{"SOON"}));
}

TEST_F(OrdersTest, ReleaseAllocatesEarliestExpiryFirst) {
  GivenStock(ItemWithLot(kKettle, "LATE", "271231"), 1, kBigBin);
  GivenStock(ItemWithLot(kKettle, "EARLY", "270131"), 1, kPickFace);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).ok());
  ASSERT_TRUE(Order(ReleaseOrders{}).ok());
  const OrderBook& book = site_.state().orders();
  ASSERT_EQ(book.tasks().size(), 1u);
  const PickTask& task = book.tasks().begin()->second.task;
  EXPECT_EQ(task.item.lot, "EARLY");
  EXPECT_EQ(task.location, kPickFace);
}

TEST_F(OrdersTest, ReleaseTakesUndatedStockFirstInFirstOut) {
  GivenStock(Item(kKettle), 1, kPickFace);  // Arrived first, though later in walk order.
  GivenStock(Item(kKettle), 1, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).ok());
  ASSERT_TRUE(Order(ReleaseOrders{}).ok());
  const OrderBook& book = site_.state().orders();
  ASSERT_EQ(book.tasks().size(), 1u);
  EXPECT_EQ(book.tasks().begin()->second.task.location, kPickFace);
}

TEST_F(OrdersTest, ArrivalRanksSurviveASnapshot) {
  GivenStock(Item(kKettle), 1, kPickFace);
  GivenStock(Item(kKettle), 1, kBigBin);
  StatusOr<SiteState> decoded = SiteState::Decode(site_.state().Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->stock(), site_.state().stock());
  // A line created after the snapshot ranks after every line before it.
  Site restored(SiteConfig{}, *std::move(decoded));
  ScanCommand receive{"k-after-1", "HH-02", Mode::kReceive, LocationLabel("DOCK-02"), now_};
  restored.Execute(receive, ++seq_);
  receive = {"k-after-2", "HH-02", Mode::kReceive, Item(kCable), now_};
  restored.Execute(receive, ++seq_);
  uint64_t newest = 0;
  for (const auto& [key, line] : restored.state().stock()) {
    newest = std::max(newest, line.arrival);
  }
  const StockKey cable{Holder::AtLocation("DOCK-02"), {kCable, "", "", ""}};
  EXPECT_EQ(restored.state().stock().at(cable).arrival, newest);
}

TEST_F(OrdersTest, ReleaseGroupsOrdersIntoCartBatches) {
  GivenStock(Item(kKettle), 5, kBigBin);
  for (const char* id : {"O1", "O2", "O3", "O4", "O5"}) {
    ASSERT_TRUE(Order(PlaceOrder{Terms(id, now_ + kHour, {{kKettle, 1}})}).ok());
  }
  StatusOr<OrderDecision> release = Order(ReleaseOrders{0, 100, 2});
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->batches.size(), 3u);
  EXPECT_EQ(site_.state().orders().FindBatch(release->batches[0])->orders.size(), 2u);
}

TEST_F(OrdersTest, ReleaseReportsShortageWhenStockLeftTheBin) {
  GivenStock(Item(kKettle), 2, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 2}})}).ok());
  // A free pick (no batch) takes one of the reserved units away.
  ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel(kBigBin), Item(kKettle)}, "HH-09");
  StatusOr<OrderDecision> release = Order(ReleaseOrders{});
  ASSERT_TRUE(release.ok());
  ASSERT_EQ(release->shortages.size(), 1u);
  EXPECT_EQ(release->shortages[0], (Shortage{"O1", kKettle, 1}));
  EXPECT_EQ(OrderNamed("O1").lines[0].allocated, 1);
}

TEST_F(OrdersTest, ReleaseTopsUpReservationFromStockThatArrived) {
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 2}})}).ok());
  GivenStock(Item(kKettle), 2, kBigBin);
  StatusOr<OrderDecision> release = Order(ReleaseOrders{});
  ASSERT_TRUE(release.ok());
  EXPECT_TRUE(release->shortages.empty());
  EXPECT_EQ(OrderNamed("O1").lines[0].reserved, 2);
}

TEST_F(OrdersTest, OrderWithNothingToPickStaysOpen) {
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).ok());
  StatusOr<OrderDecision> release = Order(ReleaseOrders{});
  ASSERT_TRUE(release.ok());
  EXPECT_TRUE(release->released.empty());
  EXPECT_TRUE(release->batches.empty());
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kOpen);
}

// --- amend and cancel ----------------------------------------------------------------------

TEST_F(OrdersTest, AmendReplacesLinesAndReservations) {
  GivenStock(Item(kKettle), 3, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).ok());
  ASSERT_TRUE(Order(AmendOrder{Terms("O1", now_ + kHour, {{kKettle, 3}})}).ok());
  EXPECT_EQ(OrderNamed("O1").lines[0].reserved, 3);
  EXPECT_EQ(site_.state().orders().Reserved(kKettle), 3);
}

TEST_F(OrdersTest, AmendOfReleasedOrderCannotGrow) {
  GivenStock(Item(kKettle), 3, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 2}})}).ok());
  ASSERT_TRUE(Order(ReleaseOrders{}).ok());
  EXPECT_EQ(Order(AmendOrder{Terms("O1", now_ + kHour, {{kKettle, 3}})}).status().reason(),
            "order_released");
  EXPECT_EQ(Order(AmendOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).status().reason(),
            "below_allocated");
  EXPECT_TRUE(Order(AmendOrder{Terms("O1", now_ + kHour, {{kKettle, 2}}, 50)}).ok());
}

TEST_F(OrdersTest, AmendAfterPackingIsRefused) {
  GivenStock(Item(kKettle), 1, kBigBin);
  GivenReleasedAndTaken("O1", 1);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle)});
  ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Sscc(kParcel1)});
  StatusOr<OrderDecision> amend = Order(AmendOrder{Terms("O1", now_ + kHour, {{kKettle, 1}}, 5)});
  EXPECT_EQ(amend.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(amend.status().reason(), "order_packed");
  EXPECT_EQ(Order(CancelOrder{"O1"}).status().reason(), "order_packed");
}

TEST_F(OrdersTest, CancelReturnsReservationAndClosesTasks) {
  GivenStock(Item(kKettle), 2, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 2}})}).ok());
  ASSERT_TRUE(Order(ReleaseOrders{}).ok());
  ASSERT_TRUE(Order(CancelOrder{"O1"}).ok());
  EXPECT_EQ(site_.state().orders().Available(kKettle), 2);
  EXPECT_EQ(site_.state().orders().AllocatedAt(kBigBin, {kKettle, "", "", ""}), 0);
  EXPECT_EQ(Order(CancelOrder{"O1"}).status().reason(), "order_cancelled");
  EXPECT_EQ(Order(AssignBatch{"HH-01"}).status().reason(), "no_work");
}

// --- directed pick -------------------------------------------------------------------------

TEST_F(OrdersTest, DirectedPickMovesUnitsIntoTheOrdersTote) {
  GivenStock(Item(kKettle), 2, kBigBin);
  GivenReleasedAndTaken("O1", 2);
  Reply at_bin = Scan(Mode::kPick, LocationLabel(kBigBin));
  EXPECT_EQ(at_bin.outcome, Outcome::kOk);
  EXPECT_NE(at_bin.prompt.find("Pick 2"), std::string::npos) << at_bin.prompt;
  ScanAll(Mode::kPick, {Item(kKettle), Item(kKettle)});
  EXPECT_EQ(Stock(Holder::InContainer("label:T1"), kKettle), 2);
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kPicked);
  EXPECT_EQ(site_.state().orders().BatchOfDevice("HH-01"), "");
}

TEST_F(OrdersTest, DirectedPickAtABinWithoutWorkReturnsWrongLocation) {
  GivenStock(Item(kKettle), 1, kBigBin);
  GivenReleasedAndTaken("O1", 1);
  EXPECT_EQ(Scan(Mode::kPick, LocationLabel(kPickFace)).outcome, Outcome::kWrongLocation);
}

TEST_F(OrdersTest, DirectedPickOfAWrongUnitIsCaughtAtTheScan) {
  GivenStock(Item(kKettle), 1, kBigBin);
  GivenStock(Item(kCable), 1, kBigBin);
  GivenReleasedAndTaken("O1", 1);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin)});
  EXPECT_EQ(Scan(Mode::kPick, Item(kCable)).outcome, Outcome::kNotExpected);
  EXPECT_EQ(Stock(Holder::AtLocation(kBigBin), kCable), 1);
}

TEST_F(OrdersTest, DirectedPickNeedsAToteForEachOrderFirst) {
  GivenStock(Item(kKettle), 2, kBigBin);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O1", now_ + kHour, {{kKettle, 1}})}).ok());
  ASSERT_TRUE(Order(PlaceOrder{Terms("O2", now_ + kHour, {{kKettle, 1}})}).ok());
  ASSERT_TRUE(Order(ReleaseOrders{}).ok());
  ASSERT_TRUE(Order(AssignBatch{"HH-01"}).ok());
  ScanAll(Mode::kPick, {ContainerLabel("T1")});
  EXPECT_EQ(Scan(Mode::kPick, LocationLabel(kBigBin)).outcome, Outcome::kNotExpected);
  EXPECT_EQ(Scan(Mode::kPick, ContainerLabel("T1")).outcome, Outcome::kNotExpected);  // Taken.
  ScanAll(Mode::kPick,
          {ContainerLabel("T2"), LocationLabel(kBigBin), Item(kKettle), Item(kKettle)});
  EXPECT_EQ(Stock(Holder::InContainer("label:T1"), kKettle), 1);
  EXPECT_EQ(Stock(Holder::InContainer("label:T2"), kKettle), 1);
}

TEST_F(OrdersTest, ShortPickIsReportedByScanningTheBinAgain) {
  GivenStock(Item(kKettle), 2, kBigBin);
  GivenReleasedAndTaken("O1", 2);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle)});
  Reply shorted = Scan(Mode::kPick, LocationLabel(kBigBin));
  EXPECT_EQ(shorted.outcome, Outcome::kOk);
  EXPECT_NE(shorted.message.find("1 units reported missing"), std::string::npos);
  EXPECT_EQ(site_.state().FindLocation(kBigBin)->flag, "short_pick");
  EXPECT_EQ(OrderNamed("O1").lines[0].shorted, 1);
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kPicked);
}

TEST_F(OrdersTest, OrderWhoseEveryUnitWasShortIsShortAndCanBeCancelled) {
  GivenStock(Item(kKettle), 2, kBigBin);
  GivenReleasedAndTaken("O1", 2);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), LocationLabel(kBigBin)});  // Bin found empty.
  EXPECT_EQ(OrderNamed("O1").lines[0].shorted, 2);
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kShort);
  EXPECT_EQ(OrderStatusName(OrderStatus::kShort), "short");
  ASSERT_TRUE(Order(CancelOrder{"O1"}).ok());
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kCancelled);
}

// --- returns ----------------------------------------------------------------------------------

TEST_F(OrdersTest, ReturnRestocksInspectsAndScrapsByLine) {
  GivenShipped("O1", 3);
  StatusOr<OrderDecision> received = Order(ReceiveReturn{
      "R1",
      "O1",
      "DOCK-02",
      {Returned(1, ReturnDisposition::kRestock, "no_longer_needed"),
       Returned(1, ReturnDisposition::kInspect), Returned(1, ReturnDisposition::kScrap)}});
  ASSERT_TRUE(received.ok()) << received.status().message();
  EXPECT_EQ(received->summary,
            "Return R1 of order O1 at DOCK-02: 1 restocked, 1 to inspect, "
            "1 scrapped.");
  EXPECT_EQ(Stock(Holder::AtLocation("DOCK-02"), kKettle), 2);  // The scrapped one is not.
  EXPECT_EQ(site_.state().FindLocation("DOCK-02")->flag, "return_inspection");
  EXPECT_EQ(OrderNamed("O1").lines[0].returned, 3);
  EXPECT_EQ(OrderNamed("O1").returns, (std::vector<std::string>{"R1"}));
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kShipped);
}

TEST_F(OrdersTest, ReturnNeverTakesBackMoreThanShipped) {
  GivenShipped("O1", 2);
  ASSERT_TRUE(
      Order(ReceiveReturn{"R1", "O1", "DOCK-02", {Returned(1, ReturnDisposition::kRestock)}}).ok());
  StatusOr<OrderDecision> again = Order(ReceiveReturn{
      "R2",
      "O1",
      "DOCK-02",
      {Returned(1, ReturnDisposition::kRestock), Returned(1, ReturnDisposition::kScrap)}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().reason(), "more_than_shipped");
  EXPECT_NE(again.status().message().find("at most 1 more"), std::string::npos);
  EXPECT_EQ(Stock(Holder::AtLocation("DOCK-02"), kKettle), 1);
}

TEST_F(OrdersTest, ReturnErrorsChangeNothing) {
  GivenShipped("O1", 1);
  ASSERT_TRUE(Order(PlaceOrder{Terms("O2", now_ + kHour, {{kCable, 1}})}).ok());
  auto reason = [this](ReceiveReturn command) {
    StatusOr<OrderDecision> decision = Order(command);
    return decision.ok() ? std::string("ok") : decision.status().reason();
  };
  const ReturnLine one = Returned(1, ReturnDisposition::kRestock);
  EXPECT_EQ(reason({"R 1", "O1", "DOCK-02", {one}}), "bad_return_id");
  EXPECT_EQ(reason({"R1", "O9", "DOCK-02", {one}}), "no_such_order");
  EXPECT_EQ(reason({"R1", "O1", "NOWHERE", {one}}), "unknown_location");
  EXPECT_EQ(reason({"R1", "O1", "DOOR-01", {one}}), "bad_return_location");
  // Units to inspect stay out of the stock orders can take until someone checks them.
  EXPECT_EQ(reason({"R1", "O1", kBigBin, {Returned(1, ReturnDisposition::kInspect)}}),
            "bad_return_location");
  EXPECT_EQ(reason({"R1", "O1", "DOCK-02", {}}), "no_lines");
  EXPECT_EQ(reason({"R1", "O1", "DOCK-02", {{kCable, 1, "damaged", ReturnDisposition::kRestock}}}),
            "not_on_order");
  EXPECT_EQ(reason({"R1", "O1", "DOCK-02", {Returned(1, ReturnDisposition::kRestock, "meh")}}),
            "bad_reason");
  EXPECT_EQ(reason({"R1", "O1", "DOCK-02", {Returned(0, ReturnDisposition::kRestock)}}),
            "bad_quantity");
  EXPECT_EQ(reason({"R1", "O2", "DOCK-02", {{kCable, 1, "late", ReturnDisposition::kRestock}}}),
            "more_than_shipped");  // Never shipped.
  EXPECT_EQ(reason({"R1", "O1", "A-01-001-1-1", {Returned(1, ReturnDisposition::kRestock)}}), "ok");
  EXPECT_EQ(reason({"R1", "O1", "DOCK-02", {one}}), "return_exists");
  EXPECT_EQ(Stock(Holder::AtLocation("DOCK-02"), kKettle), 0);
}

TEST_F(OrdersTest, ReturnIntoAFullBinIsRefused) {
  GivenShipped("O1", 1);
  GivenStock(Item(kCable), 2, "A-01-001-1-1");  // Capacity 2.
  StatusOr<OrderDecision> full =
      Order(ReceiveReturn{"R1", "O1", "A-01-001-1-1", {Returned(1, ReturnDisposition::kRestock)}});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().reason(), "location_full");
  // Scrapped units take no room.
  EXPECT_TRUE(
      Order(ReceiveReturn{"R1", "O1", "A-01-001-1-1", {Returned(1, ReturnDisposition::kScrap)}})
          .ok());
}

TEST_F(OrdersTest, NextBatchStartingAtTheLastBinIsNotAShortPick) {
  GivenStock(Item(kKettle), 2, kBigBin);
  GivenReleasedAndTaken("O1", 1);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle)});
  ASSERT_TRUE(Order(PlaceOrder{Terms("O2", now_ + kHour, {{kKettle, 1}})}).ok());
  ASSERT_TRUE(Order(ReleaseOrders{}).ok());
  ASSERT_TRUE(Order(AssignBatch{"HH-01"}).ok());
  ScanAll(Mode::kPick, {ContainerLabel("T2")});
  Reply at_bin = Scan(Mode::kPick, LocationLabel(kBigBin));
  EXPECT_EQ(at_bin.outcome, Outcome::kOk);
  EXPECT_EQ(at_bin.message.find("missing"), std::string::npos) << at_bin.message;
  ScanAll(Mode::kPick, {Item(kKettle)});
  EXPECT_EQ(OrderNamed("O2").lines[0].shorted, 0);
  EXPECT_EQ(Stock(Holder::InContainer("label:T2"), kKettle), 1);
}

// --- pack, sort, ship ----------------------------------------------------------------------

TEST_F(OrdersTest, PackOfAUnitNotOnTheOrderIsCaught) {
  GivenStock(Item(kKettle), 1, kBigBin);
  GivenReleasedAndTaken("O1", 1);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle)});
  // A cable slipped into the tote by a free pick.
  GivenStock(Item(kCable), 1, kBigBin);
  ScanAll(Mode::kPick, {ContainerLabel("T1"), LocationLabel(kBigBin), Item(kCable)}, "HH-09");
  ScanAll(Mode::kPack, {ContainerLabel("T1")});
  EXPECT_EQ(Scan(Mode::kPack, Item(kCable)).outcome, Outcome::kNotExpected);
  ScanAll(Mode::kPack, {Item(kKettle)});
  EXPECT_EQ(Scan(Mode::kPack, Item(kKettle)).outcome, Outcome::kNotInStock);
}

TEST_F(OrdersTest, ParcelAtAnotherCarriersDoorIsRefusedThenShipsAtItsOwn) {
  ASSERT_TRUE(Order(DefineCarrier{"DPD", {"DOOR-02"}}).ok());
  GivenStock(Item(kKettle), 1, kBigBin);
  GivenReleasedAndTaken("O1", 1);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle)});
  ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Sscc(kParcel1)});
  const std::string parcel = std::string("sscc:") + kParcel1;
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kPacked);
  ScanAll(Mode::kMove, {Sscc(kParcel1)});
  EXPECT_EQ(Scan(Mode::kMove, LocationLabel("DOOR-01")).outcome, Outcome::kWrongLocation);
  ScanAll(Mode::kMove, {LocationLabel("DOOR-02")});
  ScanAll(Mode::kShip, {LocationLabel("DOOR-01")});
  EXPECT_EQ(Scan(Mode::kShip, Sscc(kParcel1)).outcome, Outcome::kWrongLocation);
  ScanAll(Mode::kShip, {LocationLabel("DOOR-02"), Sscc(kParcel1)});
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kShipped);
  EXPECT_EQ(OrderNamed("O1").lines[0].shipped, 1);
  (void)kParcel2;
}

TEST_F(OrdersTest, DefineCarrierWithANonDoorReturnsBadDoor) {
  EXPECT_EQ(Order(DefineCarrier{"DPD", {kBigBin}}).status().reason(), "bad_door");
}

// --- expected receipts (ASN) ----------------------------------------------------------------

TEST_F(OrdersTest, ReceivingAgainstAnAsnReportsShortOverAndUnexpected) {
  const std::string pallet = std::string("sscc:") + kParcel2;
  ASSERT_TRUE(
      Order(ExpectReceipt{"ASN-1", "ACME", now_, {{kKettle, 2}, {kCable, 3}}, {pallet}}).ok());
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Sscc(kParcel2), Item(kKettle)});
  Reply second = Scan(Mode::kReceive, Item(kKettle));
  EXPECT_NE(second.message.find("Receipt ASN-1: 2 of 2."), std::string::npos) << second.message;
  Reply over = Scan(Mode::kReceive, Item(kKettle));
  EXPECT_EQ(over.outcome, Outcome::kOk);  // The unit is there: it is received, and reported.
  EXPECT_NE(over.message.find("Over by 1"), std::string::npos) << over.message;
  Reply stranger = Scan(Mode::kReceive, ItemWithLot(kCable, "X", "271231") + "(30)2");
  EXPECT_NE(stranger.message.find("Receipt ASN-1"), std::string::npos) << stranger.message;
  StatusOr<OrderDecision> closed = Order(CloseReceipt{"ASN-1"});
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->differences, (std::vector<ReceiptDifference>{{kKettle, 2, 3}, {kCable, 3, 2}}));
  EXPECT_EQ(closed->summary, "Receipt ASN-1 closed: 1 units short, 1 over, 0 unexpected.");
  EXPECT_EQ(Order(CloseReceipt{"ASN-1"}).status().reason(), "receipt_closed");
}

TEST_F(OrdersTest, ProductNotOnTheAsnIsUnexpected) {
  const std::string pallet = std::string("sscc:") + kParcel2;
  ASSERT_TRUE(Order(ExpectReceipt{"ASN-1", "ACME", now_, {{kKettle, 1}}, {pallet}}).ok());
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Sscc(kParcel2)});
  Reply reply = Scan(Mode::kReceive, Item(kCable));
  EXPECT_NE(reply.message.find("Not on receipt ASN-1"), std::string::npos) << reply.message;
  StatusOr<OrderDecision> closed = Order(CloseReceipt{"ASN-1"});
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->differences, (std::vector<ReceiptDifference>{{kKettle, 1, 0}, {kCable, 0, 1}}));
}

TEST_F(OrdersTest, ReceiptWithoutAsnStillWorks) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Sscc(kParcel2)});
  Reply reply = Scan(Mode::kReceive, Item(kKettle));
  EXPECT_EQ(reply.outcome, Outcome::kOk);
  EXPECT_EQ(reply.message.find("Receipt"), std::string::npos);
}

TEST_F(OrdersTest, ExpectReceiptRefusesBadOrTakenPallets) {
  const std::string pallet = std::string("sscc:") + kParcel2;
  EXPECT_EQ(
      Order(ExpectReceipt{"ASN-1", "ACME", now_, {{kKettle, 1}}, {"label:T1"}}).status().reason(),
      "bad_container");
  ASSERT_TRUE(Order(ExpectReceipt{"ASN-1", "ACME", now_, {{kKettle, 1}}, {pallet}}).ok());
  EXPECT_EQ(Order(ExpectReceipt{"ASN-2", "ACME", now_, {{kKettle, 1}}, {pallet}}).status().reason(),
            "container_expected");
  EXPECT_EQ(Order(ExpectReceipt{"ASN-1", "ACME", now_, {{kKettle, 1}}, {}}).status().reason(),
            "receipt_exists");
  EXPECT_EQ(Order(CloseReceipt{"ASN-9"}).status().reason(), "no_such_receipt");
}

// --- workload plan -------------------------------------------------------------------------

TEST_F(OrdersTest, WorkloadPlanPutsOpenWorkInItsZoneAndCutoffHour) {
  GivenStock(Item(kKettle), 6, kBigBin);
  // Two kettles due within the first hour, released: pick work in zone A.
  ASSERT_TRUE(Order(PlaceOrder{Terms("SOON", now_ + kHour / 2, {{kKettle, 2}})}).ok());
  ASSERT_TRUE(Order(ReleaseOrders{}).ok());
  // Three kettles due in the third hour, not released: pick work in the product's home zone.
  ASSERT_TRUE(Order(PlaceOrder{Terms("LATER", now_ + 2 * kHour + 1, {{kKettle, 3}})}).ok());
  // One kettle due after the horizon.
  ASSERT_TRUE(Order(PlaceOrder{Terms("TOMORROW", now_ + 30 * kHour, {{kKettle, 1}})}).ok());
  WorkloadRequest request;
  request.now_ms = now_;
  request.hours = 4;
  request.standards.seconds_per_unit[0] = 1800;  // Half an hour per pick, to read easily.
  request.planned["A"] = {1, 0, 0.5};
  StatusOr<WorkloadPlan> plan = PlanWorkload(site_.state(), request);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->zones.size(), 1u);
  const ZoneWorkload& zone = plan->zones[0];
  EXPECT_EQ(zone.zone, "A");
  EXPECT_EQ(zone.open_units[0], 5);
  EXPECT_EQ(zone.needed, (std::vector<double>{1.0, 0, 1.5, 0}));
  EXPECT_EQ(zone.gap, (std::vector<double>{0, 0, 1.0, 0}));
  EXPECT_EQ(plan->beyond_horizon_units, 1);
}

TEST_F(OrdersTest, WorkloadPlanCountsPackAndShipWork) {
  GivenStock(Item(kKettle), 1, kBigBin);
  GivenReleasedAndTaken("O1", 1);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle)});
  WorkloadRequest request;
  request.now_ms = now_;
  StatusOr<WorkloadPlan> plan = PlanWorkload(site_.state(), request);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->zones.size(), 1u);
  EXPECT_EQ(plan->zones[0].zone, "PACK");
  EXPECT_EQ(plan->zones[0].open_units[1], 1);
}

TEST_F(OrdersTest, WorkloadPlanRefusesABadRequest) {
  WorkloadRequest request;
  request.hours = 0;
  EXPECT_EQ(PlanWorkload(site_.state(), request).status().reason(), "bad_workload_request");
  request.hours = 2;
  request.planned["A"] = {1, 1, 1};
  EXPECT_EQ(PlanWorkload(site_.state(), request).status().reason(), "bad_workload_request");
  request.planned.clear();
  request.standards.seconds_per_unit[2] = 0;
  EXPECT_EQ(PlanWorkload(site_.state(), request).status().reason(), "bad_workload_request");
}

// --- replay --------------------------------------------------------------------------------

TEST_F(OrdersTest, SnapshotOfOrderStateDecodesToTheSameBytes) {
  ASSERT_TRUE(Order(DefineCarrier{"DPD", {"DOOR-02"}}).ok());
  GivenStock(Item(kKettle), 3, kBigBin);
  GivenReleasedAndTaken("O1", 2);
  ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle)});
  ASSERT_TRUE(Order(PlaceOrder{Terms("O2", now_ + kHour, {{kKettle, 5}})}).ok());
  ASSERT_TRUE(
      Order(ExpectReceipt{"ASN-1", "ACME", now_, {{kCable, 4}}, {std::string("sscc:") + kParcel2}})
          .ok());
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Sscc(kParcel2), Item(kCable)});
  std::string bytes = site_.state().Encode();
  StatusOr<SiteState> decoded = SiteState::Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->Encode(), bytes);
  EXPECT_TRUE(decoded->orders() == site_.state().orders());
}

TEST_F(OrdersTest, SnapshotKeepsTheReturns) {
  GivenShipped("O1", 2);
  ASSERT_TRUE(
      Order(ReceiveReturn{"R1", "O1", "DOCK-02", {Returned(1, ReturnDisposition::kInspect)}}).ok());
  std::string bytes = site_.state().Encode();
  StatusOr<SiteState> decoded = SiteState::Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->Encode(), bytes);
  EXPECT_TRUE(decoded->orders() == site_.state().orders());
  EXPECT_EQ(decoded->orders().FindOrder("O1")->lines[0].returned, 1);
}

// --- deliveries ----------------------------------------------------------------------------

class DeliveriesTest : public OrdersTest {
 protected:
  static constexpr int64_t kDelivered = testing::kStart + 24 * kHour;
  const std::string parcel1_ = std::string("sscc:") + kParcel1;
  const std::string parcel2_ = std::string("sscc:") + kParcel2;

  // Given: order `id` for 2 kettles packed one per parcel, kParcel1 and kParcel2; only
  // kParcel1 shipped.
  void GivenTwoParcelsOneShipped(const std::string& id) {
    GivenStock(Item(kKettle), 2, kBigBin);
    GivenReleasedAndTaken(id, 2);
    ScanAll(Mode::kPick, {LocationLabel(kBigBin), Item(kKettle), Item(kKettle)});
    ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Sscc(kParcel1)});
    ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Sscc(kParcel2)});
    ScanAll(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
    ASSERT_EQ(OrderNamed(id).Status(), OrderStatus::kPacked);
  }
  StatusOr<OrderDecision> Confirm(std::vector<std::string> parcels,
                                  std::string by = "0614141000005") {
    return Order(ConfirmDeliveries{std::move(parcels), kDelivered, std::move(by)});
  }
  // The snapshot of the state, decoded: a test failure when it does not decode.
  SiteState Restored() {
    StatusOr<SiteState> decoded = SiteState::Decode(site_.state().Encode());
    EXPECT_TRUE(decoded.ok()) << decoded.status().message();
    return decoded.ok() ? *std::move(decoded) : SiteState();
  }
};

TEST_F(DeliveriesTest, ConfirmedParcelMakesItsShippedOrderDelivered) {
  GivenShipped("O1", 2);
  StatusOr<OrderDecision> confirmed = Confirm({parcel1_});
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().message();
  EXPECT_EQ(confirmed->delivered, std::vector<std::string>{parcel1_});
  EXPECT_TRUE(confirmed->delivery_problems.empty());
  ASSERT_EQ(confirmed->events.size(), 1u);
  EXPECT_EQ(std::get<DeliveriesConfirmed>(confirmed->events[0]),
            (DeliveriesConfirmed{{parcel1_}, kDelivered, "0614141000005"}));
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kDelivered);
  EXPECT_EQ(OrderStatusName(OrderStatus::kDelivered), "delivered");
  EXPECT_EQ(OrderNamed("O1").delivered_parcels.at(parcel1_),
            (ParcelDelivery{kDelivered, "0614141000005"}));
}

TEST_F(DeliveriesTest, OrderWithAParcelNotDeliveredStaysShipped) {
  GivenTwoParcelsOneShipped("O1");
  ScanAll(Mode::kShip, {Sscc(kParcel2)});
  ASSERT_EQ(OrderNamed("O1").Status(), OrderStatus::kShipped);
  ASSERT_TRUE(Confirm({parcel2_}).ok());
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kShipped);
  EXPECT_EQ(OrderNamed("O1").delivered_parcels.size(), 1u);
  ASSERT_TRUE(Confirm({parcel1_}).ok());
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kDelivered);
}

TEST_F(DeliveriesTest, UnknownUnshippedAndDeliveredParcelsAreReportedNotRefused) {
  GivenTwoParcelsOneShipped("O1");
  ASSERT_TRUE(Confirm({parcel1_}).ok());
  const std::string stranger = "sscc:095060000000000046";
  StatusOr<OrderDecision> again = Confirm({parcel1_, parcel2_, stranger, parcel2_});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->delivered.empty());
  EXPECT_EQ(again->delivery_problems, (std::vector<DeliveryProblem>{{parcel1_, "already_delivered"},
                                                                    {parcel2_, "not_shipped"},
                                                                    {stranger, "unknown_parcel"}}));
  EXPECT_TRUE(again->events.empty());  // Nothing changes: nothing to journal.
  EXPECT_EQ(OrderNamed("O1").delivered_parcels.at(parcel1_).at_ms, kDelivered);
  EXPECT_FALSE(OrderNamed("O1").delivered_parcels.contains(parcel2_));
}

TEST_F(DeliveriesTest, BadConfirmationsAreRefusedWithTheirReason) {
  GivenShipped("O1", 1);
  EXPECT_EQ(Confirm({}).status().reason(), "no_parcels");
  EXPECT_EQ(Confirm(std::vector<std::string>(kMaxDeliveryParcels + 1, parcel1_)).status().reason(),
            "too_many_parcels");
  EXPECT_EQ(Confirm({parcel1_}, "").status().reason(), "bad_partner");
  EXPECT_EQ(Confirm({parcel1_}, "a partner").status().reason(), "bad_partner");
  EXPECT_EQ(Confirm({"sscc:095060000000000016"}).status().reason(), "bad_parcel");
  EXPECT_EQ(Confirm({"parcel-1"}).status().reason(), "bad_parcel");
  EXPECT_EQ(Order(ConfirmDeliveries{{parcel1_}, 0, "DPD"}).status().reason(), "bad_delivery_time");
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kShipped);
}

TEST_F(DeliveriesTest, CutoffStatusCountsADeliveredOrderAsShipped) {
  GivenShipped("O1", 1);
  ASSERT_TRUE(Confirm({parcel1_}).ok());
  // O2, due at the same cut-off, is not shipped: with no throughput the group is at risk.
  ASSERT_TRUE(Order(PlaceOrder{Terms("O2", OrderNamed("O1").cutoff_ms, {{kCable, 1}})}).ok());
  CutoffReport report = ComputeCutoffStatus(site_.state().orders(), now_, 0);
  ASSERT_EQ(report.groups.size(), 1u);
  EXPECT_EQ(report.at_risk, std::vector<std::string>{"O2"});
}

TEST_F(DeliveriesTest, SnapshotKeepsTheDeliveries) {
  GivenTwoParcelsOneShipped("O1");
  ASSERT_TRUE(Confirm({parcel1_}).ok());
  std::string bytes = site_.state().Encode();
  SiteState restored = Restored();
  EXPECT_EQ(restored.Encode(), bytes);
  EXPECT_TRUE(restored.orders() == site_.state().orders());
  EXPECT_EQ(restored.orders().FindOrder("O1")->delivered_parcels.at(parcel1_),
            (ParcelDelivery{kDelivered, "0614141000005"}));
}

TEST_F(DeliveriesTest, SnapshotWithADeliveredParcelNotShippedIsRefused) {
  GivenShipped("O1", 1);
  ASSERT_TRUE(Confirm({parcel1_}).ok());
  std::string bytes = site_.state().Encode();
  // In the order book a parcel is its id then its flags: 3, shipped and delivered.
  const std::string flagged = "\x17" + parcel1_ + "\x03";
  const size_t at = bytes.find(flagged);
  ASSERT_NE(at, std::string::npos);
  bytes[at + flagged.size() - 1] = '\x02';
  StatusOr<SiteState> decoded = SiteState::Decode(bytes);
  EXPECT_EQ(decoded.status().reason(), "bad_snapshot");
}

// --- loads (a trailer at a door under its bill of lading) ------------------------------------

class LoadsTest : public DeliveriesTest {
 protected:
  StatusOr<OrderDecision> OpenAt(std::string door, std::string id = "BOL-1",
                                 std::string carrier = "DPD") {
    return Order(OpenLoad{std::move(id), std::move(door), std::move(carrier), now_});
  }
  const LoadState& LoadNamed(const std::string& id) {
    const LoadState* load = site_.state().orders().FindLoad(id);
    EXPECT_NE(load, nullptr) << id;
    return *load;
  }
};

TEST_F(LoadsTest, ContainersShippedWhileTheLoadIsOpenTravelOnIt) {
  ASSERT_TRUE(OpenAt("DOOR-01").ok());
  GivenTwoParcelsOneShipped("O1");
  EXPECT_EQ(LoadNamed("BOL-1").containers, std::vector<std::string>{parcel1_});
  EXPECT_TRUE(LoadNamed("BOL-1").open());
  const int64_t departed = now_ + kHour;
  StatusOr<OrderDecision> closed = Order(CloseLoad{"BOL-1", departed});
  ASSERT_TRUE(closed.ok()) << closed.status().message();
  EXPECT_EQ(std::get<LoadClosed>(closed->events.at(0)), (LoadClosed{"BOL-1", departed}));
  EXPECT_EQ(site_.state().orders().OpenLoadAt("DOOR-01"), nullptr);
  // After the trailer left, a parcel through the same door is on no load.
  ScanAll(Mode::kShip, {Sscc(kParcel2)});
  EXPECT_EQ(LoadNamed("BOL-1").containers, std::vector<std::string>{parcel1_});
  EXPECT_EQ(LoadNamed("BOL-1").departed_at_ms, departed);
  EXPECT_EQ(OrderNamed("O1").Status(), OrderStatus::kShipped);
}

TEST_F(LoadsTest, TheShipScanNamesTheLoad) {
  ASSERT_TRUE(OpenAt("DOOR-02", "BOL-7", "").ok());
  EXPECT_EQ(Scan(Mode::kShip, LocationLabel("DOOR-02")).message,
            "Loading at DOOR-02 on load BOL-7.");
  EXPECT_EQ(Scan(Mode::kShip, LocationLabel("DOOR-01")).message, "Loading at DOOR-01.");
}

TEST_F(LoadsTest, OpenLoadRefusesWithItsReason) {
  ASSERT_TRUE(Order(DefineCarrier{"DPD", {"DOOR-02"}}).ok());
  EXPECT_EQ(OpenAt("DOOR-02", "BOL 1").status().reason(), "bad_load_id");
  EXPECT_EQ(OpenAt("DOOR-02", "BOL-1", "D P D").status().reason(), "bad_carrier");
  EXPECT_EQ(OpenAt(kBigBin).status().reason(), "bad_door");
  EXPECT_EQ(OpenAt("DOOR-09").status().reason(), "bad_door");
  EXPECT_EQ(OpenAt("DOOR-01").status().reason(), "wrong_door");
  EXPECT_EQ(Order(OpenLoad{"BOL-1", "DOOR-02", "", 0}).status().reason(), "bad_load_time");
  ASSERT_TRUE(OpenAt("DOOR-02").ok());
  EXPECT_EQ(OpenAt("DOOR-02", "BOL-2").status().reason(), "door_busy");
  ASSERT_TRUE(Order(CloseLoad{"BOL-1", now_}).ok());
  // A bill of lading is used once, even after its trailer left.
  StatusOr<OrderDecision> again = OpenAt("DOOR-02");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().reason(), "load_exists");
  EXPECT_TRUE(OpenAt("DOOR-02", "BOL-2").ok());
}

TEST_F(LoadsTest, CloseLoadRefusesAnUnknownOrDepartedLoad) {
  EXPECT_EQ(Order(CloseLoad{"BOL-1", now_}).status().reason(), "unknown_load");
  ASSERT_TRUE(OpenAt("DOOR-01").ok());
  EXPECT_EQ(Order(CloseLoad{"BOL-1", 0}).status().reason(), "bad_load_time");
  ASSERT_TRUE(Order(CloseLoad{"BOL-1", now_}).ok());
  EXPECT_EQ(Order(CloseLoad{"BOL-1", now_}).status().reason(), "load_closed");
}

TEST_F(LoadsTest, SnapshotKeepsTheLoads) {
  ASSERT_TRUE(OpenAt("DOOR-01").ok());
  GivenTwoParcelsOneShipped("O1");
  ASSERT_TRUE(Order(CloseLoad{"BOL-1", now_}).ok());
  ASSERT_TRUE(OpenAt("DOOR-01", "BOL-2").ok());
  const std::string bytes = site_.state().Encode();
  SiteState restored = Restored();
  EXPECT_EQ(restored.Encode(), bytes);
  EXPECT_TRUE(restored.orders() == site_.state().orders());
  EXPECT_EQ(restored.orders().OpenLoadAt("DOOR-01")->id, "BOL-2");
  EXPECT_EQ(restored.orders().FindLoad("BOL-1")->containers, std::vector<std::string>{parcel1_});
}

// A format 3 snapshot (before deliveries) of GivenShipped("O1", 2), as format 3 wrote it.
constexpr char kFormat3Snapshot[] =
    "030746522d54455354095465737420736974650501410653746f77204103494e4207496e626f756e64034f55"
    "54084f7574626f756e640150045069636b045041434b045061636b080c412d30312d3030312d312d31014100"
    "0000000104000c412d30312d3030312d312d3201410000000001000007444f434b2d303103494e4200000000"
    "00000007444f434b2d303203494e420000000000000007444f4f522d3031034f55540000000004000007444f"
    "4f522d3032034f5554000000000400000c502d30312d3030312d312d31015000000000021400075041434b2d"
    "3031045041434b00000000030000020e30393530363030303133343335320c4b6574746c6520312e37204c01"
    "410e30393530363030303133343336390f5553422d43206361626c652032206d014101010101024f31034450"
    "4480acece8bd68000101054231312d31086c6162656c3a5431010e3039353036303030313334333532040404"
    "040004040117737363633a30393530363030303030303030303030313501010e303935303630303031333433"
    "3532040101024f310c412d30312d3030312d312d320e30393530363030303133343335320000000405423131"
    "2d31040001054231312d310548482d30310101024f310101000000000006086c6162656c3a4b310300000008"
    "6c6162656c3a543100000000086c6162656c3a543200000000086c6162656c3a543300000000086c6162656c"
    "3a54340000000017737363633a303935303630303030303030303030303135040200000400010548482d3031"
    "050200000007444f4f522d3031000080f2b4e5bd68040c000204112400000000000000000000000000000000";

std::string FromHex(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

TEST(DeliveriesSnapshotTest, Format3SnapshotStillReads) {
  const std::string bytes = FromHex(kFormat3Snapshot);
  ASSERT_EQ(bytes[0], 3);
  StatusOr<SiteState> decoded = SiteState::Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  const OrderState* order = decoded->orders().FindOrder("O1");
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->Status(), OrderStatus::kShipped);
  EXPECT_EQ(order->shipped_parcels, std::set<std::string>{std::string("sscc:") + kParcel1});
  EXPECT_TRUE(order->delivered_parcels.empty());
  EXPECT_EQ(order->lines[0].shipped, 2);
  // Written again, it is the current format (5) and reads back the same.
  const std::string again = decoded->Encode();
  EXPECT_EQ(again[0], 5);
  StatusOr<SiteState> reread = SiteState::Decode(again);
  ASSERT_TRUE(reread.ok()) << reread.status().message();
  EXPECT_TRUE(reread->orders() == decoded->orders());
  EXPECT_EQ(reread->Encode(), again);
}

TEST(DeliveriesSnapshotTest, Format3SnapshotWithADeliveryFlagIsRefused) {
  std::string bytes = FromHex(kFormat3Snapshot);
  const std::string flagged = std::string("\x17sscc:") + kParcel1 + "\x01";
  const size_t at = bytes.find(flagged);
  ASSERT_NE(at, std::string::npos);
  bytes[at + flagged.size() - 1] = '\x03';
  EXPECT_EQ(SiteState::Decode(bytes).status().reason(), "bad_snapshot");
}

}  // namespace
}  // namespace entrepot::core
