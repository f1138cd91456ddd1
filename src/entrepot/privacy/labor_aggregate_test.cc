#include "entrepot/privacy/labor_aggregate.h"

#include <gtest/gtest.h>

#include <vector>

namespace entrepot::privacy {
namespace {

// `count` workers numbered from `first`, each with 10 units and 1 error in (zone, process).
void AddWorkers(std::vector<LaborFact>& facts, uint64_t first, int count, const std::string& zone,
                const std::string& team) {
  for (int i = 0; i < count; ++i) {
    facts.push_back({first + static_cast<uint64_t>(i), zone, "pick", team, "morning", 10, 1});
  }
}

const AggregateCell& CellOf(const AggregateAnswer& answer, const std::string& group) {
  for (const AggregateCell& cell : answer.cells) {
    if (cell.group == group) {
      return cell;
    }
  }
  ADD_FAILURE() << "no cell " << group;
  return answer.cells.front();
}

// AGG-01: k = the policy's, never under the hard floor of 5.
TEST(LaborAggregateTest, MinGroupSizeHasAHardFloor) {
  Policy policy = DefaultPolicy();
  EXPECT_EQ(EffectiveMinGroupSize(policy), 10);
  policy.aggregates.min_group_size = 3;
  EXPECT_EQ(EffectiveMinGroupSize(policy), kMinGroupSizeFloor);
}

// AGG-01: a group of fewer than k workers is suppressed and carries no figure (not zero);
// one worker counted in several facts is one worker.
TEST(LaborAggregateTest, SmallGroupsAreSuppressedNotZero) {
  std::vector<LaborFact> facts;
  AddWorkers(facts, 0, 5, "A", "t1");
  AddWorkers(facts, 0, 5, "A", "t1");  // The same five again: still five workers.
  AddWorkers(facts, 100, 4, "B", "t1");
  AddWorkers(facts, 200, 1, "C", "t1");  // Makes the hidden cells 5 together: no complement.
  QueryGuard guard(5, true);
  StatusOr<AggregateAnswer> answer =
      guard.Answer("alice", {.group_by = LaborDimension::kZone}, facts);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  const AggregateCell& a = CellOf(*answer, "A");
  EXPECT_EQ(a.suppression, Suppression::kNone);
  EXPECT_EQ(a.workers, 5);
  EXPECT_EQ(a.units, 100);
  EXPECT_EQ(a.errors, 10);
  const AggregateCell& b = CellOf(*answer, "B");
  EXPECT_EQ(b.suppression, Suppression::kBelowMinGroup);
  EXPECT_FALSE(b.workers.has_value());
  EXPECT_FALSE(b.units.has_value());
  EXPECT_FALSE(b.errors.has_value());
  EXPECT_EQ(CellOf(*answer, "C").suppression, Suppression::kBelowMinGroup);
}

// AGG-02: "all of zone A" then "zone A, team t1" differ by one worker: the second answer
// would single that worker out, so it is suppressed for the same requester. Another
// requester has no history and is answered; without the protection it is answered too.
TEST(LaborAggregateTest, DifferencingIsSuppressedPerRequester) {
  std::vector<LaborFact> facts;
  AddWorkers(facts, 0, 9, "A", "t1");
  AddWorkers(facts, 50, 1, "A", "t2");
  QueryGuard guard(5, true);
  ASSERT_EQ(CellOf(*guard.Answer("alice", {.zone = "A"}, facts), "").workers, 10);
  StatusOr<AggregateAnswer> narrowed = guard.Answer("alice", {.zone = "A", .team = "t1"}, facts);
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(CellOf(*narrowed, "").suppression, Suppression::kDifferencing);
  EXPECT_FALSE(CellOf(*narrowed, "").units.has_value());
  // The same cohort again is no differencing: it reveals nothing new about anyone.
  EXPECT_EQ(CellOf(*guard.Answer("alice", {.zone = "A"}, facts), "").workers, 10);
  EXPECT_EQ(CellOf(*guard.Answer("bob", {.zone = "A", .team = "t1"}, facts), "").workers, 9);

  QueryGuard unprotected(5, false);
  ASSERT_TRUE(unprotected.Answer("alice", {.zone = "A"}, facts).ok());
  EXPECT_EQ(CellOf(*unprotected.Answer("alice", {.zone = "A", .team = "t1"}, facts), "").workers,
            9);
}

// AGG-02: differences of k or more workers are fine.
TEST(LaborAggregateTest, LargeDifferencesAreAnswered) {
  std::vector<LaborFact> facts;
  AddWorkers(facts, 0, 10, "A", "t1");
  AddWorkers(facts, 50, 5, "A", "t2");
  QueryGuard guard(5, true);
  ASSERT_TRUE(guard.Answer("alice", {.zone = "A"}, facts).ok());
  EXPECT_EQ(CellOf(*guard.Answer("alice", {.zone = "A", .team = "t1"}, facts), "").workers, 10);
}

// AGG-02: a lone small cell would be "total minus the other cells": the smallest answered
// cell is suppressed with it until the hidden cells hold k workers.
TEST(LaborAggregateTest, ComplementarySuppression) {
  std::vector<LaborFact> facts;
  AddWorkers(facts, 0, 6, "A", "t1");
  AddWorkers(facts, 100, 7, "B", "t1");
  AddWorkers(facts, 200, 2, "C", "t1");
  QueryGuard guard(5, true);
  StatusOr<AggregateAnswer> answer =
      guard.Answer("alice", {.group_by = LaborDimension::kZone}, facts);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(CellOf(*answer, "C").suppression, Suppression::kBelowMinGroup);
  EXPECT_EQ(CellOf(*answer, "A").suppression, Suppression::kComplementary);
  EXPECT_FALSE(CellOf(*answer, "A").workers.has_value());
  EXPECT_EQ(CellOf(*answer, "B").workers, 7);
  // The complementary-suppressed cohort was not answered, so it is not in the history:
  // zone A alone (6 workers) can still be asked.
  EXPECT_EQ(CellOf(*guard.Answer("alice", {.zone = "A"}, facts), "").workers, 6);
}

// AGG-02: the history is bounded; when full, the guard refuses instead of forgetting.
// Reset() (a new day) clears it.
TEST(LaborAggregateTest, HistoryIsBoundedAndResetDaily) {
  std::vector<LaborFact> facts;
  AddWorkers(facts, 0, 5, "A", "t1");
  QueryGuard guard(5, true);
  for (size_t i = 0; i < kMaxCohortsPerRequester; ++i) {
    ASSERT_TRUE(guard.Answer("alice", {}, facts).ok()) << i;
  }
  StatusOr<AggregateAnswer> full = guard.Answer("alice", {}, facts);
  EXPECT_EQ(full.status().reason(), "query_history_full");
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(guard.Answer("bob", {}, facts).ok());
  guard.Reset();
  EXPECT_TRUE(guard.Answer("alice", {}, facts).ok());
}

TEST(LaborAggregateTest, BadInput) {
  QueryGuard guard(5, true);
  EXPECT_EQ(guard.Answer("", {}, {}).status().reason(), "bad_requester");
  EXPECT_EQ(guard.Answer(std::string(kMaxRequesterBytes + 1, 'x'), {}, {}).status().reason(),
            "bad_requester");
  EXPECT_TRUE(guard.Answer("alice", {}, {})->cells.empty());
  EXPECT_EQ(*ParseLaborDimension("shift"), LaborDimension::kShift);
  EXPECT_EQ(ParseLaborDimension("worker").status().reason(), "bad_dimension");
}

}  // namespace
}  // namespace entrepot::privacy
