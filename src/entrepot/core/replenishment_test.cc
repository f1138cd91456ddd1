// Given/when/then tests of pick-face replenishment by min/max: levels set by command, tasks
// derived from stock, sources taken FEFO then FIFO, and the stow prompt refilling a face.
#include "entrepot/core/replenishment.h"

#include <string>
#include <vector>

#include "entrepot/core/orders.h"
#include "entrepot/core/putaway.h"
#include "entrepot/core/site.h"
#include "entrepot/core/site_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

using testing::Item;
using testing::ItemWithLot;
using testing::kCable;
using testing::kKettle;

constexpr char kSmallBin[] = "A-01-001-1-1";  // Capacity 2.
constexpr char kBigBin[] = "A-01-001-1-2";    // Unlimited.
constexpr char kFace[] = "P-01-001-1-1";      // Capacity 10.

class ReplenishmentTest : public testing::SiteFixture {
 protected:
  ReplenishmentTest() : SiteFixture(testing::SmallLayout()) {}

  StatusOr<OrderDecision> Levels(const std::string& face, const std::string& gtin, int64_t min,
                                 int64_t max) {
    return Order(DefinePickFace{face, gtin, min, max});
  }
};

TEST_F(ReplenishmentTest, FaceBelowMinNeedsRefillToMaxFromReserve) {
  GivenStock(Item(kKettle), 1, kFace);
  GivenStock(Item(kKettle), 5, kBigBin);
  ASSERT_TRUE(Levels(kFace, kKettle, 2, 4).ok());
  std::vector<ReplenishmentTask> tasks = PlanReplenishment(site_.state());
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].face, kFace);
  EXPECT_EQ(tasks[0].on_hand, 1);
  EXPECT_EQ(tasks[0].quantity, 3);
  ASSERT_EQ(tasks[0].sources.size(), 1u);
  EXPECT_EQ(tasks[0].sources[0],
            (ReplenishmentSource{kBigBin, domain::ItemKey{kKettle, "", "", ""}, 3}));
  EXPECT_EQ(tasks[0].missing, 0);
}

TEST_F(ReplenishmentTest, FaceAtMinNeedsNothing) {
  GivenStock(Item(kKettle), 2, kFace);
  ASSERT_TRUE(Levels(kFace, kKettle, 2, 4).ok());
  EXPECT_TRUE(PlanReplenishment(site_.state()).empty());
}

TEST_F(ReplenishmentTest, SourcesAreTakenEarliestExpiryFirstAndShortfallReported) {
  GivenStock(ItemWithLot(kKettle, "LATE", "271231"), 2, kBigBin);
  GivenStock(ItemWithLot(kKettle, "EARLY", "270131"), 1, kSmallBin);
  ASSERT_TRUE(Levels(kFace, kKettle, 1, 5).ok());
  std::vector<ReplenishmentTask> tasks = PlanReplenishment(site_.state());
  ASSERT_EQ(tasks.size(), 1u);
  ASSERT_EQ(tasks[0].sources.size(), 2u);
  EXPECT_EQ(tasks[0].sources[0].location, kSmallBin);
  EXPECT_EQ(tasks[0].sources[0].item.lot, "EARLY");
  EXPECT_EQ(tasks[0].sources[1].units, 2);
  EXPECT_EQ(tasks[0].missing, 2);
}

TEST_F(ReplenishmentTest, StowPromptRefillsTheFaceFirst) {
  GivenStock(Item(kKettle), 1, kBigBin);
  ASSERT_TRUE(Levels(kFace, kKettle, 1, 3).ok());
  EXPECT_EQ(ProposeBin(site_.state(), kKettle), (PutawayProposal{kFace, PutawayRule::kRefill}));
  GivenStock(Item(kKettle), 1, kFace);  // At its min now: back to the usual rules.
  EXPECT_EQ(ProposeBin(site_.state(), kKettle),
            (PutawayProposal{kBigBin, PutawayRule::kSameProduct}));
  EXPECT_TRUE(PlanReplenishment(site_.state()).empty());
}

TEST_F(ReplenishmentTest, LevelsAreCheckedAndCanBeRemoved) {
  auto reason = [this](const std::string& face, const std::string& gtin, int64_t min, int64_t max) {
    StatusOr<OrderDecision> decision = Levels(face, gtin, min, max);
    return decision.ok() ? std::string("ok") : decision.status().reason();
  };
  EXPECT_EQ(reason("NOPE", kKettle, 1, 2), "unknown_location");
  EXPECT_EQ(reason(kBigBin, kKettle, 1, 2), "not_a_pick_face");
  EXPECT_EQ(reason(kFace, testing::kUnknownGtin, 1, 2), "unknown_product");
  EXPECT_EQ(reason(kFace, kKettle, 2, 2), "bad_levels");
  EXPECT_EQ(reason(kFace, kKettle, 1, 11), "bad_levels");  // Over its capacity of 10.
  EXPECT_EQ(reason(kFace, kKettle, -1, 2), "bad_levels");
  EXPECT_TRUE(site_.state().orders().pick_faces().empty());
  EXPECT_EQ(reason(kFace, kCable, 1, 10), "ok");
  EXPECT_EQ(site_.state().orders().pick_faces().at(kFace).gtin, kCable);
  EXPECT_EQ(reason(kFace, "", 0, 0), "ok");
  EXPECT_TRUE(site_.state().orders().pick_faces().empty());
}

TEST_F(ReplenishmentTest, PagesResumeAfterTheCursor) {
  domain::Location second;
  second.code = "P-01-001-1-2";
  second.zone = "P";
  second.type = domain::LocationType::kPickFace;
  ASSERT_TRUE(site_.ChangeMasterData(second, ++seq_, now_).ok());
  ASSERT_TRUE(Levels(kFace, kKettle, 1, 3).ok());
  ASSERT_TRUE(Levels(second.code, kCable, 1, 3).ok());
  bool more = false;
  std::vector<ReplenishmentTask> first = PlanReplenishment(site_.state(), "", 1, &more);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].face, kFace);
  EXPECT_TRUE(more);
  std::vector<ReplenishmentTask> rest = PlanReplenishment(site_.state(), kFace, 1, &more);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].face, "P-01-001-1-2");
  EXPECT_FALSE(more);
}

TEST_F(ReplenishmentTest, LevelsSurviveASnapshot) {
  ASSERT_TRUE(Levels(kFace, kKettle, 1, 3).ok());
  std::string bytes = site_.state().Encode();
  StatusOr<SiteState> decoded = SiteState::Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->Encode(), bytes);
  EXPECT_EQ(decoded->orders().pick_faces(), site_.state().orders().pick_faces());
}

}  // namespace
}  // namespace entrepot::core
