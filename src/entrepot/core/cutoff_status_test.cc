// Cut-off status: figures per carrier and cut-off, the projection from throughput in cut-off
// order, and the at-risk list.
#include "entrepot/core/cutoff_status.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

constexpr char kKettle[] = "09506000134352";
constexpr int64_t kNow = 1'795'000'000'000;
constexpr int64_t kMinute = 60'000;

class CutoffStatusTest : public ::testing::Test {
 protected:
  void Place(const std::string& id, const std::string& carrier, int64_t cutoff_ms, int64_t quantity,
             int64_t reserved) {
    book_.Apply(OrderPlaced{id, carrier, cutoff_ms, 0, {{kKettle, quantity, reserved}}, false});
  }
  // Releases `id` in a batch of its own with one task for `units` and picks `picked` of them.
  void ReleaseAndPick(const std::string& id, int64_t units, int64_t picked, int64_t shorted = 0) {
    PickTask task{++task_id_, id, "A-01", {kKettle, "", "", ""}, units};
    book_.Apply(OrderReleased{id, "B-" + id, {units}, {task}});
    book_.Apply(TaskProgressed{task_id_, picked, shorted});
  }
  OrderBook book_;
  uint64_t task_id_ = 0;
};

TEST_F(CutoffStatusTest, GroupsOrdersByCutoffAndCarrierWithTheirFigures) {
  Place("O1", "DPD", kNow + 60 * kMinute, 4, 4);
  Place("O2", "DPD", kNow + 60 * kMinute, 2, 1);
  Place("O3", "UPS", kNow + 60 * kMinute, 1, 1);
  ReleaseAndPick("O1", 4, 3, 1);
  book_.Apply(OrderPacked{"O1", "sscc:1", kKettle, 2});
  CutoffReport report = ComputeCutoffStatus(book_, kNow, 100);
  ASSERT_EQ(report.groups.size(), 2u);
  const CutoffGroup& dpd = report.groups[0];
  EXPECT_EQ(dpd.carrier, "DPD");
  EXPECT_EQ(dpd.orders, 2);
  EXPECT_EQ(dpd.units, 6);
  EXPECT_EQ(dpd.reserved, 5);
  EXPECT_EQ(dpd.allocated, 4);
  EXPECT_EQ(dpd.picked, 3);
  EXPECT_EQ(dpd.shorted, 1);
  EXPECT_EQ(dpd.packed, 2);
  EXPECT_EQ(dpd.shipped, 0);
  // O1 can ship 3 (1 short): 0 to pick, 1 to pack, 3 to ship; O2: 2 + 2 + 2.
  EXPECT_EQ(dpd.work_left, 4 + 6);
  EXPECT_EQ(report.groups[1].carrier, "UPS");
}

TEST_F(CutoffStatusTest, ProjectionAddsTheWorkOfEarlierCutoffs) {
  Place("EARLY", "DPD", kNow + 10 * kMinute, 10, 10);         // 30 units of work.
  Place("LATE", "DPD", kNow + 20 * kMinute, 10, 10);          // 30 more.
  CutoffReport report = ComputeCutoffStatus(book_, kNow, 4);  // 4 units a minute.
  ASSERT_EQ(report.groups.size(), 2u);
  EXPECT_EQ(report.groups[0].work_left, 30);
  EXPECT_EQ(report.groups[0].projected_ms, kNow + 30 * kMinute / 4);
  EXPECT_EQ(report.groups[1].projected_ms, kNow + 60 * kMinute / 4);
}

TEST_F(CutoffStatusTest, AtRiskWhenTheProjectionPassesTheCutoff) {
  Place("EARLY", "DPD", kNow + 10 * kMinute, 10, 10);
  Place("LATE", "DPD", kNow + 12 * kMinute, 10, 10);
  CutoffReport report = ComputeCutoffStatus(book_, kNow, 4);
  EXPECT_FALSE(report.groups[0].at_risk);  // 30 / 4 = 7.5 minutes.
  EXPECT_TRUE(report.groups[1].at_risk);   // 60 / 4 = 15 minutes > 12.
  EXPECT_EQ(report.groups[1].projected_ms, kNow + 15 * kMinute);
  EXPECT_EQ(report.at_risk, (std::vector<std::string>{"LATE"}));
}

TEST_F(CutoffStatusTest, WithoutThroughputEveryGroupWithWorkIsAtRisk) {
  Place("O1", "DPD", kNow + 600 * kMinute, 1, 1);
  CutoffReport report = ComputeCutoffStatus(book_, kNow, 0);
  ASSERT_EQ(report.groups.size(), 1u);
  EXPECT_FALSE(report.groups[0].projected_ms.has_value());
  EXPECT_TRUE(report.groups[0].at_risk);
  EXPECT_EQ(report.at_risk, (std::vector<std::string>{"O1"}));
}

TEST_F(CutoffStatusTest, PassedCutoffWithWorkLeftIsAtRisk) {
  Place("O1", "DPD", kNow - kMinute, 1, 1);
  CutoffReport report = ComputeCutoffStatus(book_, kNow, 1000);
  EXPECT_TRUE(report.groups[0].at_risk);
}

TEST_F(CutoffStatusTest, CancelledOrdersAreLeftOutAndDoneGroupsAreNeverAtRisk) {
  Place("GONE", "DPD", kNow + kMinute, 5, 5);
  book_.Apply(OrderCancelled{"GONE"});
  Place("SHORT", "UPS", kNow - kMinute, 2, 2);
  ReleaseAndPick("SHORT", 2, 0, 2);  // Nothing left to ship: no work left.
  CutoffReport report = ComputeCutoffStatus(book_, kNow, 0);
  ASSERT_EQ(report.groups.size(), 1u);
  EXPECT_EQ(report.groups[0].carrier, "UPS");
  EXPECT_EQ(report.groups[0].work_left, 0);
  EXPECT_FALSE(report.groups[0].at_risk);
  EXPECT_FALSE(report.groups[0].projected_ms.has_value());
  EXPECT_TRUE(report.at_risk.empty());
}

TEST_F(CutoffStatusTest, GroupsAndAtRiskListAreBounded) {
  for (size_t i = 0; i <= kMaxCutoffGroups; ++i) {
    Place("O" + std::to_string(i), "DPD", kNow + static_cast<int64_t>(i) + 1, 1, 0);
  }
  CutoffReport report = ComputeCutoffStatus(book_, kNow, 0);
  EXPECT_EQ(report.groups.size(), kMaxCutoffGroups);
  EXPECT_TRUE(report.groups_truncated);
  EXPECT_EQ(report.at_risk.size(), kMaxAtRiskOrders);
  EXPECT_TRUE(report.at_risk_truncated);
}

}  // namespace
}  // namespace entrepot::core
