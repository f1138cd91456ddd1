// Given/when/then tests of directed putaway (the bin the stow prompt proposes) and of the
// count tasks that go with it (counts requested, counting directed through them).
#include "entrepot/core/putaway.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "entrepot/core/site.h"
#include "entrepot/core/site_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

using testing::Item;
using testing::kCable;
using testing::kKettle;
using testing::kPallet;
using testing::LocationLabel;
using testing::Sscc;

constexpr char kSmallBin[] = "A-01-001-1-1";  // Capacity 2.
constexpr char kBigBin[] = "A-01-001-1-2";    // Unlimited.
constexpr char kZoneBBin[] = "B-01-001-1-1";
constexpr char kPickFace[] = "P-01-001-1-1";

// The small site plus zone B with one stow bin.
domain::Layout PutawayLayout() {
  domain::Layout layout = testing::SmallLayout();
  layout.zones.push_back({"B", "Stow B"});
  domain::Location bin;
  bin.code = kZoneBBin;
  bin.zone = "B";
  bin.type = domain::LocationType::kStowBin;
  layout.locations.push_back(bin);
  return layout;
}

class PutawayTest : public testing::SiteFixture {
 protected:
  PutawayTest() : SiteFixture(PutawayLayout()) {}

  StatusOr<OrderDecision> RequestCountsAt(std::vector<std::string> locations,
                                          std::string zone = "") {
    return Order(RequestCounts{std::move(locations), std::move(zone)});
  }
  std::optional<PutawayProposal> Propose(const std::string& gtin) {
    return ProposeBin(site_.state(), gtin);
  }
};

// --- directed putaway -----------------------------------------------------------------------

TEST_F(PutawayTest, EmptySiteProposesTheFirstFreeBinOfTheHomeZone) {
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kSmallBin, PutawayRule::kHomeZone}));
}

TEST_F(PutawayTest, StowPromptNamesTheProposedBin) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle)});
  ScanAll(Mode::kStow, {LocationLabel("DOCK-01")});
  Reply item = Scan(Mode::kStow, Item(kKettle));
  EXPECT_EQ(item.prompt,
            "Stow in A-01-001-1-1 (free, in the product's zone), or scan another bin.");
}

TEST_F(PutawayTest, BinAlreadyHoldingTheProductComesFirst) {
  GivenStock(Item(kKettle), 1, kBigBin);
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kBigBin, PutawayRule::kSameProduct}));
  // Another product is not drawn to it: it gets the free bin.
  EXPECT_EQ(Propose(kCable), (PutawayProposal{kSmallBin, PutawayRule::kHomeZone}));
}

TEST_F(PutawayTest, BinHoldingTheMostOfTheProductWins) {
  GivenStock(Item(kKettle), 1, kSmallBin);
  GivenStock(Item(kKettle), 1, kPickFace);
  GivenStock(Item(kKettle), 1, kPickFace);
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kPickFace, PutawayRule::kSameProduct}));
}

TEST_F(PutawayTest, FullBinIsPassedOver) {
  GivenStock(Item(kKettle), 2, kSmallBin);  // Its capacity.
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kBigBin, PutawayRule::kHomeZone}));
}

TEST_F(PutawayTest, BinWithACountDueIsPassedOver) {
  GivenStock(Item(kKettle), 1, kSmallBin);
  ASSERT_TRUE(RequestCountsAt({kSmallBin}).ok());
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kBigBin, PutawayRule::kHomeZone}));
}

TEST_F(PutawayTest, FreeBinOfAnotherZoneWhenTheHomeZoneIsTaken) {
  GivenStock(Item(kCable), 1, kSmallBin);
  GivenStock(Item(kCable), 1, kBigBin);
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kZoneBBin, PutawayRule::kFreeBin}));
}

TEST_F(PutawayTest, NoBinLeftIsSaidInThePrompt) {
  GivenStock(Item(kCable), 1, kSmallBin);
  GivenStock(Item(kCable), 1, kBigBin);
  GivenStock(Item(kCable), 1, kZoneBBin);
  EXPECT_EQ(Propose(kKettle), std::nullopt);
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle)});
  ScanAll(Mode::kStow, {LocationLabel("DOCK-01")});
  EXPECT_EQ(Scan(Mode::kStow, Item(kKettle)).prompt, "No free bin found: scan any bin with room.");
}

TEST_F(PutawayTest, BinActuallyScannedWinsOverTheProposal) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle)});
  ScanAll(Mode::kStow, {LocationLabel("DOCK-01"), Item(kKettle)});  // Proposes kSmallBin.
  ScanAll(Mode::kStow, {LocationLabel(kZoneBBin)});
  EXPECT_EQ(site_.state().Quantity(domain::Holder::AtLocation(kZoneBBin), {kKettle, "", "", ""}),
            1);
  EXPECT_EQ(site_.state().FindLocation(kSmallBin)->units, 0);
}

TEST_F(PutawayTest, PalletInABinMakesItTakenUntilItLeaves) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Sscc(kPallet)});  // Registers the pallet.
  ScanAll(Mode::kMove, {Sscc(kPallet), LocationLabel(kSmallBin)});
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kBigBin, PutawayRule::kHomeZone}));
  ScanAll(Mode::kMove, {Sscc(kPallet), LocationLabel("DOCK-02")});
  EXPECT_EQ(Propose(kKettle), (PutawayProposal{kSmallBin, PutawayRule::kHomeZone}));
}

TEST_F(PutawayTest, SnapshotRebuildsWhatProposalsRead) {
  GivenStock(Item(kKettle), 2, kSmallBin);
  GivenStock(Item(kCable), 1, kBigBin);
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), Sscc(kPallet)});
  ScanAll(Mode::kMove, {Sscc(kPallet), LocationLabel(kZoneBBin)});
  ASSERT_TRUE(RequestCountsAt({kBigBin}).ok());

  StatusOr<SiteState> decoded = SiteState::Decode(site_.state().Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  for (const char* gtin : {kKettle, kCable}) {
    EXPECT_EQ(ProposeBin(*decoded, gtin), Propose(gtin)) << gtin;
  }
  EXPECT_EQ(decoded->flagged_locations(), site_.state().flagged_locations());
  EXPECT_EQ(decoded->FindLocation(kZoneBBin)->containers, 1);
}

// --- count tasks ----------------------------------------------------------------------------

TEST_F(PutawayTest, RequestedCountsBecomeOpenTasks) {
  StatusOr<OrderDecision> decision = RequestCountsAt({kBigBin, kSmallBin, kBigBin});
  ASSERT_TRUE(decision.ok()) << decision.status().message();
  EXPECT_EQ(decision->counts, (std::vector<std::string>{kSmallBin, kBigBin}));
  EXPECT_EQ(site_.state().FindLocation(kSmallBin)->flag, "count_requested");
  EXPECT_EQ(site_.state().flagged_locations(), (std::set<std::string>{kSmallBin, kBigBin}));
}

TEST_F(PutawayTest, ZoneRequestFlagsItsBinsAndKeepsAReasonAlreadyGiven) {
  ASSERT_TRUE(RequestCountsAt({kSmallBin}).ok());
  StatusOr<OrderDecision> zone = RequestCountsAt({}, "A");
  ASSERT_TRUE(zone.ok());
  EXPECT_EQ(zone->counts, (std::vector<std::string>{kBigBin}));
  EXPECT_EQ(zone->summary, "Counts requested at 1 locations (1 already due).");
}

TEST_F(PutawayTest, CountRequestErrorsChangeNothing) {
  auto reason = [this](std::vector<std::string> locations, std::string zone) {
    StatusOr<OrderDecision> decision = RequestCountsAt(std::move(locations), std::move(zone));
    return decision.ok() ? std::string("ok") : decision.status().reason();
  };
  EXPECT_EQ(reason({}, ""), "bad_count_request");
  EXPECT_EQ(reason({kSmallBin}, "A"), "bad_count_request");
  EXPECT_EQ(reason({"Z-99"}, ""), "unknown_location");
  EXPECT_EQ(reason({}, "NOPE"), "unknown_zone");
  EXPECT_EQ(reason({"DOOR-01"}, ""), "not_countable");
  EXPECT_TRUE(site_.state().flagged_locations().empty());
}

TEST_F(PutawayTest, RepeatedLocationsCountOnceTowardsTheLimit) {
  std::vector<std::string> many(kMaxCountLocations + 1, kSmallBin);
  StatusOr<OrderDecision> decision = RequestCountsAt(many);
  ASSERT_TRUE(decision.ok()) << decision.status().message();
  EXPECT_EQ(decision->counts, (std::vector<std::string>{kSmallBin}));
}

TEST_F(PutawayTest, CountModeDirectsToTheNextCountDue) {
  GivenStock(Item(kKettle), 1, kSmallBin);
  ASSERT_TRUE(RequestCountsAt({kSmallBin, kZoneBBin}).ok());
  ScanAll(Mode::kCount, {LocationLabel(kSmallBin), Item(kKettle)});
  Reply closed = Scan(Mode::kCount, LocationLabel(kSmallBin));
  EXPECT_EQ(closed.prompt, "Next count: B-01-001-1-1 (count_requested). Scan it.");
  ScanAll(Mode::kCount, {LocationLabel(kZoneBBin)});
  Reply last = Scan(Mode::kCount, LocationLabel(kZoneBBin));
  EXPECT_EQ(last.prompt, "No count is due: scan any bin to count.");
  EXPECT_TRUE(site_.state().flagged_locations().empty());
}

}  // namespace
}  // namespace entrepot::core
