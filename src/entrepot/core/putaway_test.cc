// Given/when/then tests of directed putaway (the bin the stow prompt proposes) and of the
// count tasks that go with it (counts requested, counting directed through them).
#include "entrepot/core/putaway.h"

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <random>
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

// --- the ranked index against a walk over every bin holding the product ---------------------

// The "same product" rule as it was first written: a walk over every bin holding the product,
// keeping the one with the most units and room, the first in code order on a tie.
std::optional<std::string> SameProductByWalk(const SiteState& state, const std::string& gtin,
                                             int64_t units) {
  const std::map<std::string, int64_t>* bins = state.BinsHolding(gtin);
  if (bins == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string> best;
  int64_t best_units = 0;
  for (const auto& [code, held] : *bins) {
    const LocationState* bin = state.FindLocation(code);
    const int64_t capacity = bin == nullptr ? 0 : bin->location.capacity_units;
    if (bin != nullptr && held > best_units && bin->flag.empty() &&
        (capacity == 0 || bin->units + units <= capacity)) {
      best = code;
      best_units = held;
    }
  }
  return best;
}

// Random stock, flags and capacities over a few stow bins and pick faces, applied as events
// (with few units, so that ties between bins are common).
class RandomStock {
 public:
  static constexpr const char* kProducts[] = {"09506000134352", "09506000134369", "09506000134376"};

  explicit RandomStock(uint64_t seed) : random_(seed) {
    state_.Apply(ZoneDefined{{"A", "Stow A"}});
    state_.Apply(ZoneDefined{{"B", "Stow B"}});
    Define("DOCK-01", "A", domain::LocationType::kDock);
    for (int bin = 1; bin <= 12; ++bin) {
      Define("A-01-" + std::to_string(100 + bin) + "-1-1", bin <= 9 ? "A" : "B",
             domain::LocationType::kStowBin);
    }
    for (int face = 1; face <= 3; ++face) {
      Define("P-01-00" + std::to_string(face) + "-1-1", "A", domain::LocationType::kPickFace);
    }
  }

  const SiteState& state() const { return state_; }

  // One random change: units received or taken (adjusted, or moved to another location), a
  // flag set or cleared, or a location's capacity changed.
  void Step() {
    const std::string& location = codes_[Below(codes_.size())];
    const int action = static_cast<int>(Below(10));
    if (action < 4) {
      const domain::ItemKey item{kProducts[Below(3)], Below(2) == 0 ? "L1" : "L2", "", ""};
      state_.Apply(UnitsReceived{item, 1 + static_cast<int64_t>(Below(3)),
                                 domain::Holder::AtLocation(location)});
    } else if (action < 7 && !state_.stock().empty()) {
      auto line = std::next(state_.stock().begin(),
                            static_cast<std::ptrdiff_t>(Below(state_.stock().size())));
      const domain::Holder from = line->first.holder;
      const domain::ItemKey item = line->first.item;
      const int64_t quantity =
          1 + static_cast<int64_t>(Below(static_cast<uint64_t>(line->second.units)));
      if (action == 6 && location != from.id) {
        state_.Apply(UnitsMoved{item, quantity, from, domain::Holder::AtLocation(location)});
      } else {
        state_.Apply(StockAdjusted{item, from, -quantity, "cycle_count"});
      }
    } else if (action == 7) {
      state_.Apply(LocationFlagged{location, "count_requested"});
    } else if (action == 8) {
      state_.Apply(LocationCounted{location});
    } else {
      domain::Location redefined = state_.FindLocation(location)->location;
      redefined.capacity_units = RandomCapacity();
      state_.Apply(LocationDefined{redefined});
    }
  }

 private:
  uint64_t Below(uint64_t n) { return random_() % n; }
  int64_t RandomCapacity() {
    constexpr int64_t kCapacities[] = {0, 0, 2, 3, 5, 8};
    return kCapacities[Below(6)];
  }
  void Define(const std::string& code, const std::string& zone, domain::LocationType type) {
    domain::Location location;
    location.code = code;
    location.zone = zone;
    location.type = type;
    location.capacity_units = RandomCapacity();
    state_.Apply(LocationDefined{location});
    codes_.push_back(code);
  }

  std::mt19937_64 random_;
  SiteState state_;
  std::vector<std::string> codes_;
};

// The ranked index holds exactly the bins of BinsHolding, as (units, code).
void ExpectRankedMatchesHolding(const SiteState& state, const std::string& gtin) {
  const std::map<std::string, int64_t>* holding = state.BinsHolding(gtin);
  const RankedBins* ranked = state.BinsMostHeldFirst(gtin);
  ASSERT_EQ(holding == nullptr, ranked == nullptr) << gtin;
  if (holding == nullptr) {
    return;
  }
  RankedBins expected;
  for (const auto& [code, held] : *holding) {
    expected.emplace(held, code);
  }
  EXPECT_EQ(*ranked, expected) << gtin;
}

TEST(PutawayIndexTest, RankedProposalEqualsTheWalkOverEveryBinOnRandomStates) {
  for (uint64_t seed : {1U, 2U, 3U, 42U, 2026U}) {
    RandomStock stock(seed);
    int same_product = 0;
    for (int step = 0; step < 600; ++step) {
      stock.Step();
      for (const char* gtin : RandomStock::kProducts) {
        ExpectRankedMatchesHolding(stock.state(), gtin);
        for (int64_t units : {1, 3}) {
          std::optional<PutawayProposal> proposal = ProposeBin(stock.state(), gtin, units);
          std::optional<std::string> walked = SameProductByWalk(stock.state(), gtin, units);
          if (walked) {
            ++same_product;
            EXPECT_EQ(proposal, (PutawayProposal{*walked, PutawayRule::kSameProduct}))
                << "seed " << seed << " step " << step << " " << gtin;
          } else {
            EXPECT_TRUE(!proposal || proposal->rule != PutawayRule::kSameProduct)
                << "seed " << seed << " step " << step << " " << gtin;
          }
        }
      }
    }
    EXPECT_GT(same_product, 1000) << "seed " << seed;  // The rule was exercised.

    // A snapshot rebuilds the ranked index identically.
    StatusOr<SiteState> decoded = SiteState::Decode(stock.state().Encode());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    for (const char* gtin : RandomStock::kProducts) {
      const RankedBins* live = stock.state().BinsMostHeldFirst(gtin);
      const RankedBins* restored = decoded->BinsMostHeldFirst(gtin);
      ASSERT_EQ(live == nullptr, restored == nullptr) << "seed " << seed << " " << gtin;
      if (live != nullptr) {
        EXPECT_EQ(*restored, *live) << "seed " << seed << " " << gtin;
      }
      EXPECT_EQ(ProposeBin(*decoded, gtin), ProposeBin(stock.state(), gtin));
    }
  }
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
