#include "entrepot/privacy/labor_rollup.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>

namespace entrepot::privacy {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

Date D(int y, unsigned m, unsigned d) { return Date{year(y), month(m), day(d)}; }

Pseudonym P(uint8_t fill) {
  Pseudonym p{};
  p.fill(fill);
  return p;
}

TEST(LaborRollUpTest, LabelsAreChecked) {
  EXPECT_TRUE(ValidateLaborLabel("zone-A/1", "zone").ok());
  EXPECT_EQ(ValidateLaborLabel("", "zone").reason(), "bad_label");
  EXPECT_EQ(ValidateLaborLabel("a b", "zone").reason(), "bad_label");
  EXPECT_EQ(ValidateLaborLabel(std::string(kMaxLaborLabelBytes + 1, 'a'), "zone").reason(),
            "bad_label");
}

// AGG-03: cross-day history about people is bucketed by ISO week.
TEST(LaborRollUpTest, IsoWeeks) {
  EXPECT_EQ(WeekStart(D(2026, 5, 6)), D(2026, 5, 4));   // Wednesday -> Monday.
  EXPECT_EQ(WeekStart(D(2026, 5, 10)), D(2026, 5, 4));  // Sunday -> Monday.
  EXPECT_EQ(WeekStart(D(2026, 5, 4)), D(2026, 5, 4));
  EXPECT_EQ(IsoWeekName(D(2026, 5, 4)), "2026-W19");
  EXPECT_EQ(IsoWeekName(D(2021, 1, 3)), "2020-W53");  // Belongs to the previous ISO year.
  EXPECT_EQ(IsoWeekName(D(2024, 12, 30)), "2025-W01");
}

// RET-02: a week is kept during itself and `retention` full weeks after.
TEST(LaborRollUpTest, IsoWeeksAreParsed) {
  EXPECT_EQ(*ParseIsoWeek("2026-W19"), D(2026, 5, 4));
  EXPECT_EQ(*ParseIsoWeek("2026-W01"), D(2025, 12, 29));  // Week 1 may start in December.
  EXPECT_EQ(*ParseIsoWeek("2026-W53"), D(2026, 12, 28));  // 2026 has 53 weeks.
  for (const char* bad : {"2025-W53", "2026-W00", "2026-W54", "2026W19", "2026-w19", "26-W19",
                          "2026-W1", "2026-W19 ", ""}) {
    EXPECT_EQ(ParseIsoWeek(bad).status().reason(), "bad_week") << bad;
  }
}

TEST(LaborRollUpTest, WeekExpiry) {
  EXPECT_EQ(WeekExpiryDay(D(2026, 5, 4), 13), D(2026, 8, 10));
  EXPECT_EQ(WeekExpiryDay(D(2026, 5, 4), 0), D(2026, 5, 11));
}

// IND-08: units per process, errors per cause, time per zone; no time of day survives.
TEST(LaborRollUpTest, SessionsBecomeTotals) {
  DayRollUp rollup;
  rollup.BeginSession(P(1), 1000);
  rollup.Scan("pick", "A", kOutcomeOk, 3, 4000);        // 3 s to zone A.
  rollup.Scan("pick", "B", "wrong_location", 5, 6000);  // 2 s to B; error, no units.
  rollup.Scan("stow", "B", kOutcomeOk, 1, 7000);        // 1 s to B.
  rollup.EndSession(10000);                             // 3 s after the last, to B.
  rollup.BeginSession(P(1), 20000);                     // Same worker, second session.
  rollup.EndSession(21000);                             // No scan: zone "".
  rollup.BeginSession(P(2), 0);
  rollup.Scan("pick", "A", kOutcomeOk, 2, 500);
  rollup.EndSession(100);  // Clock went back: 0, not < 0.

  const auto& totals = rollup.totals();
  ASSERT_EQ(totals.size(), 2u);
  const WorkerTotals& one = totals.at(P(1));
  EXPECT_EQ(one.units_per_process, (std::map<std::string, int64_t>{{"pick", 3}, {"stow", 1}}));
  EXPECT_EQ(one.errors_per_cause, (std::map<std::string, int64_t>{{"wrong_location", 1}}));
  EXPECT_EQ(one.ms_per_zone,
            (std::map<std::string, int64_t>{{"", 1000}, {"A", 3000}, {"B", 6000}}));
  const WorkerTotals& two = totals.at(P(2));
  EXPECT_EQ(two.ms_per_zone, (std::map<std::string, int64_t>{{"A", 500}}));

  // The same pass per process and zone, for the team-week rows (IND-06).
  const Activities& activities = rollup.activities().at(P(1));
  EXPECT_EQ(activities, (Activities{{{"", ""}, {0, 0, 1000}},
                                    {{"pick", "A"}, {3, 0, 3000}},
                                    {{"pick", "B"}, {0, 1, 2000}},
                                    {{"stow", "B"}, {1, 0, 4000}}}));
  EXPECT_EQ(rollup.activities().at(P(2)), (Activities{{{"pick", "A"}, {2, 0, 500}}}));
}

// AGG-04, RET-02: a team-week member token depends on the week key and the worker, and is
// not the first bytes of the worker's week pseudonym (the team rows cannot be joined to the
// per-worker rows without the key).
TEST(LaborRollUpTest, TeamMemberTokens) {
  std::array<uint8_t, kLaborKeyBytes> bytes{};
  bytes.fill(7);
  const SecretKey key(bytes);
  bytes.fill(8);
  const SecretKey other(bytes);
  EXPECT_EQ(TeamMemberOf(key, 42), TeamMemberOf(key, 42));
  EXPECT_NE(TeamMemberOf(key, 42), TeamMemberOf(key, 43));
  EXPECT_NE(TeamMemberOf(key, 42), TeamMemberOf(other, 42));
  const Pseudonym pseudonym = PseudonymOf(key, 42);
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) {
    prefix = (prefix << 8) | pseudonym[i];
  }
  EXPECT_NE(TeamMemberOf(key, 42), prefix);
}

TEST(LaborRollUpTest, TotalsAdd) {
  WorkerTotals a{{{"pick", 1}}, {{"x", 1}}, {{"A", 10}}};
  WorkerTotals b{{{"pick", 2}, {"stow", 1}}, {}, {{"A", 5}}};
  a.Add(b);
  EXPECT_EQ(a.units_per_process, (std::map<std::string, int64_t>{{"pick", 3}, {"stow", 1}}));
  EXPECT_EQ(a.ms_per_zone.at("A"), 15);
}

}  // namespace
}  // namespace entrepot::privacy
