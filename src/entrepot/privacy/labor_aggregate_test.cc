#include "entrepot/privacy/labor_aggregate.h"

#include <gtest/gtest.h>

#include <cmath>
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

// AGG-02 across a restart: the cohorts an answer remembered, handed to a new guard, make it
// refuse the same differencing query; a repeated cohort is not remembered twice.
TEST(LaborAggregateTest, RememberedCohortsSurviveIntoANewGuard) {
  std::vector<LaborFact> facts;
  AddWorkers(facts, 0, 9, "A", "t1");
  AddWorkers(facts, 50, 1, "A", "t2");
  QueryGuard before(5, true);
  std::vector<QueryGuard::Cohort> kept;
  ASSERT_TRUE(before.Answer("alice", {.zone = "A"}, facts, &kept).ok());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].size(), 10u);
  std::vector<QueryGuard::Cohort> again;
  ASSERT_TRUE(before.Answer("alice", {.zone = "A"}, facts, &again).ok());
  EXPECT_TRUE(again.empty());

  QueryGuard after(5, true);
  ASSERT_TRUE(after.Remember("alice", kept).ok());
  StatusOr<AggregateAnswer> narrowed = after.Answer("alice", {.zone = "A", .team = "t1"}, facts);
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(CellOf(*narrowed, "").suppression, Suppression::kDifferencing);
  EXPECT_EQ(CellOf(*after.Answer("bob", {.zone = "A", .team = "t1"}, facts), "").workers, 9);

  const std::vector<QueryGuard::Cohort> unsorted = {{{0, 2}, {0, 1}}};
  EXPECT_EQ(after.Remember("alice", unsorted).reason(), "bad_cohort");
  EXPECT_EQ(after.Remember("", kept).reason(), "bad_requester");
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
  QueryGuard guard(5, true);
  std::vector<LaborFact> facts;
  for (size_t i = 0; i < kMaxCohortsPerRequester; ++i) {
    facts.clear();
    AddWorkers(facts, 5 * i, 5, "A", "t1");  // Disjoint cohorts: each one is new.
    ASSERT_TRUE(guard.Answer("alice", {}, facts).ok()) << i;
  }
  facts.clear();
  AddWorkers(facts, 5 * kMaxCohortsPerRequester, 5, "A", "t1");
  StatusOr<AggregateAnswer> full = guard.Answer("alice", {}, facts);
  EXPECT_EQ(full.status().reason(), "query_history_full");
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(guard.Answer("bob", {}, facts).ok());
  guard.Reset();
  EXPECT_TRUE(guard.Answer("alice", {}, facts).ok());
}

// AGG-02: asking the same cohort again learns nothing new and does not fill the history (a
// dashboard refreshing its cells).
TEST(LaborAggregateTest, RepeatedCohortIsRememberedOnce) {
  std::vector<LaborFact> facts;
  AddWorkers(facts, 0, 5, "A", "t1");
  QueryGuard guard(5, true);
  for (size_t i = 0; i < kMaxCohortsPerRequester + 10; ++i) {
    ASSERT_EQ(CellOf(*guard.Answer("alice", {}, facts), "").workers, 5) << i;
  }
}

// `count` workers numbered from `first` in week `period`, 10 units and 1 error each.
void AddWeek(std::vector<LaborFact>& facts, int64_t period, uint64_t first, int count) {
  for (int i = 0; i < count; ++i) {
    LaborFact fact{first + static_cast<uint64_t>(i), "A", "pick", "t1", "morning", 10, 1};
    fact.period = period;
    fact.ms = 3'600'000;
    fact.standard_ms = 1'800'000;
    facts.push_back(fact);
  }
}

// AGG-01 over weeks: members of different weeks may be the same worker (a week token is
// unrelated to the next week's), so k is checked on the largest week, never on the sum.
TEST(LaborAggregateTest, WeeksAreNeverAddedUpForK) {
  std::vector<LaborFact> facts;
  for (int64_t week = 0; week < 4; ++week) {
    AddWeek(facts, week * 7, 0, 3);  // 3 workers (maybe the same) in each of 4 weeks.
  }
  QueryGuard guard(5, true);
  StatusOr<AggregateAnswer> answer = guard.Answer("alice", {}, facts);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(CellOf(*answer, "").suppression, Suppression::kBelowMinGroup);
  EXPECT_FALSE(CellOf(*answer, "").workers.has_value());
  AddWeek(facts, 28, 0, 5);  // One week of 5: the range holds at least 5 distinct workers.
  answer = guard.Answer("alice", {}, facts);
  ASSERT_TRUE(answer.ok());
  const AggregateCell& cell = CellOf(*answer, "");
  EXPECT_EQ(cell.suppression, Suppression::kNone);
  EXPECT_EQ(cell.workers, 17);  // Worker-weeks.
  EXPECT_EQ(cell.units, 170);
  EXPECT_EQ(cell.ms, 17 * 3'600'000);
  EXPECT_EQ(cell.standard_ms, 17 * 1'800'000);
}

// AGG-02 over weeks: two ranges whose difference is a small week isolate its workers, and a
// difference is measured per week (3 workers in each of 4 weeks are 3 workers, not 12).
TEST(LaborAggregateTest, OverlappingWeekRangesAreDifferencingProtected) {
  std::vector<LaborFact> weeks_1_2;
  AddWeek(weeks_1_2, 0, 0, 10);
  AddWeek(weeks_1_2, 7, 0, 1);  // Week 2: one worker.
  std::vector<LaborFact> week_1(weeks_1_2.begin(), weeks_1_2.begin() + 10);
  QueryGuard guard(5, true);
  EXPECT_EQ(CellOf(*guard.Answer("alice", {}, weeks_1_2), "").workers, 11);
  EXPECT_EQ(CellOf(*guard.Answer("alice", {}, week_1), "").suppression, Suppression::kDifferencing);

  std::vector<LaborFact> wide;
  std::vector<LaborFact> narrow;
  for (int64_t week = 0; week < 4; ++week) {
    AddWeek(wide, week * 7, 0, 8);
    AddWeek(narrow, week * 7, 0, 5);  // 3 fewer in each week: 12 members, 3 workers or more.
  }
  QueryGuard other(5, true);
  ASSERT_EQ(CellOf(*other.Answer("alice", {}, wide), "").suppression, Suppression::kNone);
  EXPECT_EQ(CellOf(*other.Answer("alice", {}, narrow), "").suppression, Suppression::kDifferencing);
}

// The standard of a process: seconds per unit plus a travel allowance, checked.
TEST(LaborAggregateTest, Standards) {
  EXPECT_EQ(StandardMs({12.0, 0}, 100), 1'200'000);
  EXPECT_EQ(StandardMs({12.0, 25}, 100), 1'500'000);
  EXPECT_TRUE(ValidateStandard({12.0, 25}).ok());
  for (ProcessStandard bad :
       {ProcessStandard{0, 0}, ProcessStandard{-1, 0}, ProcessStandard{3601, 0},
        ProcessStandard{12, -1}, ProcessStandard{12, 501}, ProcessStandard{std::nan(""), 0}}) {
    EXPECT_EQ(ValidateStandard(bad).reason(), "bad_standard");
  }
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
